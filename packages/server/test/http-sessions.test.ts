import { jiraSandboxPasswords } from '@cdflow/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './support/cdflow-client.js';
import { tokens } from './support/e2e-harness.js';
import { type PeopleHarness, people, startPeopleHarness } from './support/people-harness.js';
import { startTestServer } from './support/test-server.js';

let h: PeopleHarness;
beforeAll(async () => {
  h = await startPeopleHarness();
});
afterAll(() => h.close());

/** A FINISH event posted as the console does: the session's cookies, and its CSRF header when given. */
const postFinish = (key: string, cookies: Record<string, string>, csrf?: string) =>
  h.call(`/api/releases/${key}/events`, {
    method: 'POST',
    body: { type: 'FINISH' },
    cookies,
    ...(csrf === undefined ? {} : { csrf }),
  });

describe('POST /api/session signs a person in with their Jira account', () => {
  it('the right password → 200, the person with their Jira name, HttpOnly SameSite=Strict session cookie, CSRF token', async () => {
    const signed = await h.signIn(people.alice.name, people.alice.password);
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({
      name: 'alice',
      displayName: people.alice.displayName,
      via: 'session',
    });
    // The simulated Jira puts everyone in jira-software-users; alice is in no group of cdflow's rules.
    expect(signed.body.groups).toEqual(['jira-software-users']);
    expect(signed.csrfToken.length).toBeGreaterThan(20);
    const session = signed.setCookies.find((c) => c.startsWith('cdflow_session='));
    const csrf = signed.setCookies.find((c) => c.startsWith('cdflow_csrf='));
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Strict/);
    expect(session).toMatch(/; Path=\//);
    expect(session).not.toMatch(/; Secure/);
    // The page reads the CSRF cookie to echo it; the session id stays out of scripts' reach.
    expect(csrf).not.toMatch(/HttpOnly/);
    expect(signed.cookies.cdflow_csrf).toBe(signed.csrfToken);
    expect(signed.cookies.cdflow_session).not.toContain(people.alice.password);
    expect(signed.headers.get('cache-control')).toBe('no-store');
  });

  it("the person's groups are Jira's: a DBA of the site is in dba", async () => {
    const signed = await h.signIn('dba1', jiraSandboxPasswords.dba1);
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ name: 'dba1', displayName: 'DBA 一号' });
    expect(signed.body.groups).toContain('dba');
  });

  it('behind an https proxy the cookies are Secure', async () => {
    const answer = await h.call('/api/session', {
      method: 'POST',
      body: { username: people.bob.name, password: people.bob.password },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(answer.status).toBe(200);
    for (const cookie of answer.setCookies) expect(cookie).toMatch(/; Secure/);
  });

  it('a wrong password → 401 (reason invalid_credentials), no cookie, and Jira is asked exactly once', async () => {
    const before = h.myselfCalls();
    const answer = await h.signIn(people.alice.name, 'not-her-password');
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'unauthorized', reason: 'invalid_credentials' });
    expect(String(answer.body.message)).toMatch(/Jira refused/);
    expect(answer.setCookies).toEqual([]);
    expect(h.myselfCalls() - before).toBe(1);
  });

  it('an unknown person → 401 as well', async () => {
    expect((await h.signIn('nobody-here', 'whatever-password')).status).toBe(401);
  });

  it('a body without a password, or a user name with a colon → 400 naming the field', async () => {
    const missing = await h.call('/api/session', { method: 'POST', body: { username: 'alice' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([{ path: '/password', message: 'is required' }]);
    const colon = await h.call('/api/session', { method: 'POST', body: { username: 'a:b', password: 'x' } });
    expect(colon.status).toBe(400);
    expect(JSON.stringify(colon.body.errors)).toContain('/username');
  });
});

describe('GET /api/session says who the request acts for', () => {
  it('with the session cookie: the person, the expiry and the CSRF token', async () => {
    const signed = await h.signIn(people.alice.name, people.alice.password);
    const me = await h.call('/api/session', { cookies: signed.cookies });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'alice', via: 'session', csrfToken: signed.csrfToken });
    expect(Date.parse(String(me.body.expiresAt))).toBeGreaterThan(Date.now());
  });

  it('with the operator token: the break-glass identity "operator"', async () => {
    const me = await h.call('/api/session', { token: tokens.operator });
    expect(me.body).toMatchObject({ name: 'operator', via: 'operator-token' });
  });

  it('without credentials → 401; with a made-up session cookie → 401 (reason session_expired) and the cookies cleared', async () => {
    expect((await h.call('/api/session')).status).toBe(401);
    const forged = await h.call('/api/session', { cookies: { cdflow_session: 'forged-session-id' } });
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ error: 'unauthorized', reason: 'session_expired' });
    expect(forged.setCookies.some((c) => c.startsWith('cdflow_session=;'))).toBe(true);
  });
});

describe('writes with a session need the CSRF header (double submit)', () => {
  it('an event without X-CSRF-Token → 403 (reason csrf); with a wrong one → 403; reads need none', async () => {
    const signed = await h.signIn(people.alice.name, people.alice.password);
    const none = await postFinish('AC-1', signed.cookies);
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ error: 'forbidden', reason: 'csrf' });
    expect(String(none.body.message)).toContain('x-csrf-token');
    const wrong = await postFinish('AC-1', signed.cookies, 'not-the-token');
    expect(wrong.status).toBe(403);
    expect((await h.call('/api/releases', { cookies: signed.cookies })).status).toBe(200);
  });

  it("another session's CSRF token does not pass", async () => {
    const alice = await h.signIn(people.alice.name, people.alice.password);
    const bob = await h.signIn(people.bob.name, people.bob.password);
    const crossed = await postFinish('AC-1', alice.cookies, bob.csrfToken);
    expect(crossed.status).toBe(403);
  });

  it('the right token passes the check (the unknown release then answers 404)', async () => {
    const signed = await h.signIn(people.alice.name, people.alice.password);
    const answer = await postFinish('AC-404404', signed.cookies, signed.csrfToken);
    expect(answer.status).toBe(404);
  });
});

describe('DELETE /api/session signs out', () => {
  it('needs the CSRF header, then ends the session for good', async () => {
    const signed = await h.signIn(people.alice.name, people.alice.password);
    expect((await h.call('/api/session', { method: 'DELETE', cookies: signed.cookies })).status).toBe(403);
    const out = await h.call('/api/session', {
      method: 'DELETE',
      cookies: signed.cookies,
      csrf: signed.csrfToken,
    });
    expect(out.status).toBe(204);
    expect(out.setCookies.some((c) => c.startsWith('cdflow_session=;'))).toBe(true);
    const after = await h.call('/api/releases', { cookies: signed.cookies });
    expect(after.status).toBe(401);
    expect(after.body.reason).toBe('session_expired');
  });
});

describe('sessions expire', () => {
  let short: PeopleHarness;
  beforeAll(async () => {
    // 0.05 min = 3 s.
    short = await startPeopleHarness({ config: { people: { sessionTtlMinutes: 0.05 } } });
  });
  afterAll(() => short.close());

  it('a session is refused once its time is up, with a message saying to sign in again', async () => {
    const signed = await short.signIn(people.alice.name, people.alice.password);
    expect(signed.status).toBe(200);
    const expiresAt = Date.parse(String(signed.body.expiresAt));
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(3_000);
    expect(signed.setCookies.find((c) => c.startsWith('cdflow_session='))).toMatch(/Max-Age=[1-3];/);
    let last: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
    await waitUntil(
      async () => {
        last = await short.call('/api/session', { cookies: signed.cookies });
        return last.status === 401;
      },
      'the session to expire',
      15_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(last.body).toMatchObject({ error: 'unauthorized', reason: 'session_expired' });
    expect(String(last.body.message)).toMatch(/sign in again/);
  });
});

describe('sign-ins are logged without the password', () => {
  it('a refused and an accepted sign-in leave the person and the outcome in the log, never the password', async () => {
    const server = await startTestServer();
    try {
      const jira = server.sandbox!.jira.credentials;
      const post = (password: string) =>
        server.request('/api/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: jira.user, password }),
        });
      expect((await post('wrong-password-3141')).status).toBe(401);
      expect((await post(jira.password)).status).toBe(200);
      const log = server.logText();
      expect(log).toContain('console sign-in refused');
      expect(log).toContain('"person":"cdflow"');
      expect(log).not.toContain('wrong-password-3141');
      expect(log).not.toContain(jira.password);
    } finally {
      await server.stop();
    }
  });
});
