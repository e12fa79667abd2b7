import { signWebhookBody } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { jsonInit, releaseRequest, sharedTestServer, testTokens } from './support/test-server.js';

const server = sharedTestServer();

const webhookBody = JSON.stringify({
  timestamp: 1_790_000_000_000,
  webhookEvent: 'jira:issue_updated',
  user: { name: 'dba.li', key: 'dba.li' },
  issue: { id: '990001', key: 'AC-9999', fields: { status: { name: 'CONFIG执行中' } } },
  changelog: {
    id: '770001',
    items: [{ field: 'status', fromString: 'SQL执行中', toString: 'CONFIG执行中' }],
  },
});

describe('intake needs the intake token', () => {
  it.each([
    ['no Authorization header', undefined, /missing Authorization header/],
    ['a wrong token', 'not-the-token', /invalid bearer token/],
    ['the operator token', testTokens.operator, /invalid bearer token/],
  ])('%s → 401', async (_label, token, message) => {
    const res = await server.request('/cicdflow/', jsonInit(releaseRequest('【A18】【升级】auth'), token));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('unauthorized');
    expect(body.message).toMatch(message);
  });

  it('a non-Bearer scheme → 401', async () => {
    const res = await server.request('/cicdflow/', {
      ...jsonInit(releaseRequest('【A18】【升级】basic')),
      headers: { 'content-type': 'application/json', authorization: `Basic ${testTokens.intake}` },
    });
    expect(res.status).toBe(401);
  });

  it('the legacy status query needs it too', async () => {
    expect((await server.request('/cicdflow/?summary=x')).status).toBe(401);
  });
});

describe('the read API takes the operator or the intake token; events need the operator token', () => {
  it('reads without a token → 401, with either token → 200', async () => {
    expect((await server.request('/api/releases')).status).toBe(401);
    expect((await server.request('/api/releases', { token: testTokens.operator })).status).toBe(200);
    expect((await server.request('/api/releases', { token: testTokens.intake })).status).toBe(200);
  });

  it('an event with the intake token → 401', async () => {
    const res = await server.request(
      '/api/releases/AC-1/events',
      jsonInit({ type: 'FINISH' }, testTokens.intake),
    );
    expect(res.status).toBe(401);
  });

  it('an event with the operator token for an unknown release → 404', async () => {
    const res = await server.request(
      '/api/releases/AC-404404/events',
      jsonInit({ type: 'FINISH' }, testTokens.operator),
    );
    expect(res.status).toBe(404);
  });

  it('an event type that is not a person event → 400 naming the accepted types', async () => {
    const res = await server.request(
      '/api/releases/AC-1/events',
      jsonInit({ type: 'ISSUE_READY' }, testTokens.operator),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: Array<{ path: string; message: string }> };
    expect(body.errors[0]?.path).toBe('/type');
    expect(body.errors[0]?.message).toContain('SQL_CONFIRMED');
  });
});

describe('the Jira webhook needs the HMAC signature or the URL secret', () => {
  const postWebhook = (query: string, headers: Record<string, string>, body = webhookBody) =>
    server.request(`/cicdflow/jira/${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('unsigned → 401', async () => {
    const res = await postWebhook('', {});
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(/X-Hub-Signature/);
  });

  it('a bad signature → 401', async () => {
    const res = await postWebhook('', { 'x-hub-signature': signWebhookBody(webhookBody, 'another-secret') });
    expect(res.status).toBe(401);
  });

  it('a signature over other bytes → 401', async () => {
    const res = await postWebhook('', {
      'x-hub-signature': signWebhookBody(`${webhookBody} `, testTokens.webhook),
    });
    expect(res.status).toBe(401);
  });

  it('a malformed signature header → 401', async () => {
    expect((await postWebhook('', { 'x-hub-signature': 'sha256=zz' })).status).toBe(401);
    expect((await postWebhook('', { 'x-hub-signature': 'sha1=abc' })).status).toBe(401);
  });

  it('a wrong ?secret= → 401', async () => {
    expect((await postWebhook('?secret=guess', {})).status).toBe(401);
  });

  it('a good signature → 202', async () => {
    const res = await postWebhook('', {
      'x-hub-signature': signWebhookBody(webhookBody, testTokens.webhook),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: true });
  });

  it('the right ?secret= → 202', async () => {
    const body = webhookBody.replace('770001', '770002');
    const res = await postWebhook(`?secret=${encodeURIComponent(testTokens.webhook)}`, {}, body);
    expect(res.status).toBe(202);
  });

  it('a signed body that is not JSON → 400', async () => {
    const res = await postWebhook(
      '',
      { 'x-hub-signature': signWebhookBody('not json', testTokens.webhook) },
      'not json',
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_json');
  });
});
