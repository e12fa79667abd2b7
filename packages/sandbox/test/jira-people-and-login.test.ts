import { describe, expect, it } from 'vitest';
import { JiraSimulator, type JiraSimulatorOptions, jiraSandboxPasswords } from '../src/jira/index.js';
import { simulatorsClosedAfterEach } from './support/simulators-closed-after-each.js';

const simulators = simulatorsClosedAfterEach<JiraSimulator>();

async function start(options: JiraSimulatorOptions = {}) {
  const sim = simulators.enlist(await JiraSimulator.start(options));
  const call = async (path: string, authorization?: string) => {
    const res = await fetch(`${sim.url}/rest/api/2${path}`, {
      headers: authorization ? { authorization } : {},
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    };
  };
  return { sim, call };
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Jira people, groups and logins', () => {
  it('logs any seed user in with basic auth and answers /myself with the groups on expand=groups', async () => {
    const { sim, call } = await start();
    const plain = await call('/myself', basic('dba1', jiraSandboxPasswords.dba1));
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ name: 'dba1', key: 'dba1', groups: { size: 2, items: [] } });
    const expanded = await call('/myself?expand=groups', basic('lead1', jiraSandboxPasswords.lead1));
    expect(expanded.body!.groups).toEqual({
      size: 2,
      items: [
        { name: 'jira-software-users', self: `${sim.url}/rest/api/2/group?groupname=jira-software-users` },
        { name: 'team-leads', self: `${sim.url}/rest/api/2/group?groupname=team-leads` },
      ],
    });
    const service = await call('/myself?expand=groups', `Bearer ${sim.credentials.token}`);
    expect(service.body).toMatchObject({ name: 'cdflow' });
    for (const [name, group] of [
      ['sa1', 'sa'],
      ['ops1', 'ops'],
      ['tester1', 'testers'],
      ['dev1', 'developers'],
    ] as const) {
      const me = await call('/myself?expand=groups', basic(name, jiraSandboxPasswords[name]));
      expect((me.body!.groups as { items: Array<{ name: string }> }).items.map((g) => g.name)).toContain(
        group,
      );
    }
  });

  it('answers another user with /user?username=&expand=groups, and 404 for an unknown one', async () => {
    const { sim, call } = await start();
    const auth = `Bearer ${sim.credentials.token}`;
    const sa = await call('/user?username=sa1&expand=groups', auth);
    expect(sa.body).toMatchObject({
      name: 'sa1',
      displayName: 'SA 一号',
      groups: { size: 2, items: [{ name: 'jira-software-users' }, { name: 'sa' }] },
    });
    expect(await call('/user?username=ghost', auth)).toMatchObject({
      status: 404,
      body: { errorMessages: ["The user named 'ghost' does not exist"], errors: {} },
    });
  });

  it('pages group members as Jira Server does, and answers 404 for an unknown group', async () => {
    const { sim, call } = await start({
      users: Array.from({ length: 3 }, (_, i) => ({ name: `dba-extra-${i}`, groups: ['dba'] })),
    });
    const auth = `Bearer ${sim.credentials.token}`;
    const first = await call('/group/member?groupname=dba&maxResults=2', auth);
    expect(first.body).toMatchObject({ startAt: 0, maxResults: 2, total: 5, isLast: false });
    expect((first.body!.values as Array<{ name: string }>).map((u) => u.name)).toEqual([
      'dba',
      'dba-extra-0',
    ]);
    const next = new URL(first.body!.nextPage as string);
    const rest = await call(`/group/member${next.search}`, auth);
    expect(rest.body).toMatchObject({ startAt: 2, total: 5, isLast: false });
    const last = await call('/group/member?groupname=dba&startAt=4&maxResults=2', auth);
    expect(last.body).toMatchObject({ isLast: true });
    expect(last.body).not.toHaveProperty('nextPage');
    expect((last.body!.values as Array<{ name: string }>).map((u) => u.name)).toEqual(['dba1']);
    expect(await call('/group/member?groupname=nobody-here', auth)).toMatchObject({
      status: 404,
      body: { errorMessages: ["The group named 'nobody-here' does not exist"] },
    });
  });

  it('refuses a wrong password with 401 AUTHENTICATED_FAILED, then demands the CAPTCHA (403 AUTHENTICATION_DENIED) after three', async () => {
    const { sim, call } = await start();
    const wrong = basic('ops1', 'not-the-password');
    for (let i = 0; i < 3; i++) {
      const res = await call('/myself', wrong);
      expect(res.status).toBe(401);
      expect(res.headers.get('x-seraph-loginreason')).toBe('AUTHENTICATED_FAILED');
      expect(res.headers.get('www-authenticate')).toBeNull();
    }
    // Now even the right password is denied without being checked: 403, as Jira Server answers it.
    const right = await call('/myself', basic('ops1', jiraSandboxPasswords.ops1));
    expect(right.status).toBe(403);
    expect(right.headers.get('x-seraph-loginreason')).toBe('AUTHENTICATION_DENIED');
    expect(right.headers.get('x-authentication-denied-reason')).toBe(
      `CAPTCHA_CHALLENGE; login-url=${sim.url}/login.jsp`,
    );
    expect(sim.captchaRequired('ops1')).toBe(true);
    // Other users are not affected; the token of the service user neither.
    expect((await call('/myself', basic('dev1', jiraSandboxPasswords.dev1))).status).toBe(200);
    sim.clearCaptcha('ops1');
    expect((await call('/myself', basic('ops1', jiraSandboxPasswords.ops1))).status).toBe(200);
    // Anonymous: 401 without a login reason.
    const anonymous = await call('/myself');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-seraph-loginreason')).toBeNull();
  });

  it('a successful login resets the count of wrong passwords', async () => {
    const { call } = await start();
    const wrong = basic('sa1', 'nope');
    await call('/myself', wrong);
    await call('/myself', wrong);
    expect((await call('/myself', basic('sa1', jiraSandboxPasswords.sa1))).status).toBe(200);
    await call('/myself', wrong);
    await call('/myself', wrong);
    expect((await call('/myself', basic('sa1', jiraSandboxPasswords.sa1))).status).toBe(200);
  });
});
