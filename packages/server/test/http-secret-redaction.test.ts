import { redactUrl, signWebhookBody } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { jsonInit, releaseRequest, sharedTestServer, testTokens } from './support/test-server.js';

const server = sharedTestServer();

describe('secrets never appear in logs or answers', () => {
  it('after authenticated, refused and webhook requests, the log holds no token, secret or password', async () => {
    const answers: string[] = [];
    const record = async (res: Response) => answers.push(await res.text());
    await record(
      await server.request(
        '/cicdflow/',
        jsonInit(releaseRequest('【A18】【升级】redaction_01'), testTokens.intake),
      ),
    );
    await record(await server.request('/cicdflow/', jsonInit({ project: 1 }, testTokens.intake)));
    await record(
      await server.request(
        '/cicdflow/',
        jsonInit(releaseRequest('【A18】【升级】x'), `${testTokens.intake}x`),
      ),
    );
    await record(await server.request('/api/releases', { token: testTokens.operator }));
    const body = JSON.stringify({
      webhookEvent: 'jira:issue_updated',
      issue: { id: '5', key: 'AC-5' },
      timestamp: 5,
    });
    await record(
      await server.request(`/cicdflow/jira/?secret=${encodeURIComponent(testTokens.webhook)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    );
    await record(
      await server.request('/cicdflow/jira/', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature': signWebhookBody(body, testTokens.webhook),
        },
        body,
      }),
    );
    await server.runtime.idle();

    const log = server.logText();
    expect(log).toContain('/cicdflow/jira/'); // the requests were logged...
    const secrets = [
      testTokens.intake,
      testTokens.operator,
      testTokens.webhook,
      signWebhookBody(body, testTokens.webhook).slice('sha256='.length),
      server.config.jira.auth.kind === 'bearer'
        ? server.config.jira.auth.token
        : server.config.jira.auth.password,
      server.config.archery.password,
      server.config.cmdb.token,
      server.config.apollo?.token ?? '',
    ].filter((s) => s.length > 0);
    for (const secret of secrets) {
      expect(log).not.toContain(secret); // ...without their secrets
      for (const answer of answers) expect(answer).not.toContain(secret);
    }
  });

  it('redactUrl replaces the value of secret and token query parameters', () => {
    expect(redactUrl('/cicdflow/jira/?secret=abc&x=1')).toBe('/cicdflow/jira/?secret=[redacted]&x=1');
    expect(redactUrl('/a?x=1&token=t')).toBe('/a?x=1&token=[redacted]');
    expect(redactUrl('/a?x=1')).toBe('/a?x=1');
  });
});
