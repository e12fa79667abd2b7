/**
 * The release system's client sends `Authorization: <token>` with no scheme: intake accepts it like
 * `Bearer <token>` (same constant-time check), and every intake answer, errors included, carries the
 * original's fields `status`, `msg`, `data` and `jira_issue_key` beside cdflow's own.
 */
import { presentedToken } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { releaseRequest, sharedTestServer, testTokens } from './support/test-server.js';

describe('presentedToken', () => {
  // `Bearer <token>` and the bare token are read; other schemes and empty headers are refused (null).
  it.each<[string | string[] | undefined, string | null]>([
    ['Bearer abc123', 'abc123'],
    ['bearer abc123 ', 'abc123'],
    ['abc123', 'abc123'],
    [' abc123 ', 'abc123'],
    [['abc123', 'other'], 'abc123'],
    ['Basic YWJjOjEyMw==', null],
    ['', null],
    [undefined, null],
  ])('reads %j as %j', (header, token) => {
    expect(presentedToken(header)).toBe(token);
  });
});

const server = sharedTestServer();

function post(body: unknown, authorization: string | undefined) {
  return server.request('/cicdflow/', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify(body),
  });
}

describe('intake with the bare token', () => {
  it('the intake token alone → 201, with the original fields beside cdflow’s', async () => {
    const body = releaseRequest(`【A18】【升级】raw_token_${Date.now()}`);
    const res = await post(body, testTokens.intake);
    expect(res.status).toBe(201);
    const answer = (await res.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ status: true, data: body, summary: body.summary, iteration: 1 });
    expect(Object.keys(answer)).toEqual(
      expect.arrayContaining([
        'key',
        'releaseId',
        'summary',
        'state',
        'iteration',
        'plan',
        'msg',
        'jira_issue_key',
      ]),
    );
    expect(answer.jira_issue_key).toBe(answer.key ?? '');
  });

  it('another bare value, or the operator token → 401 with status false', async () => {
    for (const authorization of ['not-the-intake-token', testTokens.operator]) {
      const res = await post(releaseRequest('【A18】【升级】raw_wrong'), authorization);
      expect(res.status).toBe(401);
      const answer = (await res.json()) as Record<string, unknown>;
      expect(answer).toMatchObject({ error: 'unauthorized', status: false, jira_issue_key: '' });
      expect(answer.msg).toBe(answer.message);
    }
  });

  it('a bad request → 400 with status false, the message as msg and the request as data', async () => {
    const body = { ...releaseRequest('【A18】【升级】raw_bad'), env: 'DEV' };
    const res = await post(body, testTokens.intake);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ error: 'invalid_request', status: false, data: body, jira_issue_key: '' });
    expect(String(answer.msg)).toContain('/env');
  });
});
