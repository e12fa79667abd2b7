import { parseJiraDelivery, signWebhookBody } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { sharedTestServer, startTestServer, testTokens } from './support/test-server.js';

const server = sharedTestServer();

function delivery(changelogId: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    timestamp: 1_790_000_000_000,
    webhookEvent: 'jira:issue_updated',
    user: { name: 'ops.wang', key: 'ops.wang' },
    issue: { id: '880001', key: 'AC-8801', fields: { status: { name: 'CODE执行中' } } },
    changelog: {
      id: changelogId,
      items: [
        { field: 'assignee', fromString: 'a', toString: 'b' },
        { field: 'status', fromString: 'CONFIG执行中', toString: 'CODE执行中' },
      ],
    },
    ...extra,
  });
}

const send = (body: string) =>
  server.request('/cicdflow/jira/', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature': signWebhookBody(body, testTokens.webhook),
    },
    body,
  });

describe('POST /cicdflow/jira/', () => {
  it('the same delivery 20 times at once is accepted once, the rest are duplicates', async () => {
    const body = delivery('660001');
    const answers = await Promise.all(Array.from({ length: 20 }, () => send(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Array<{ duplicate: boolean }>;
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
  });

  it('a delivery for an issue cdflow does not know is still answered 2xx', async () => {
    const res = await send(delivery('660002'));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, duplicate: false });
  });

  it('a creation event without changelog is accepted', async () => {
    const body = JSON.stringify({
      timestamp: 1,
      webhookEvent: 'jira:issue_created',
      issue: { id: '1', key: 'AC-1' },
    });
    expect((await send(body)).status).toBe(202);
  });

  it('accepts a payload larger than 1 MiB (Jira sends the whole issue)', async () => {
    const body = delivery('660003', { padding: 'x'.repeat(2 * 1024 * 1024) });
    const res = await send(body);
    expect(res.status).toBe(202);
  });

  it('refuses a payload over the webhook limit with 413', async () => {
    const small = await startTestServer({ webhookBodyLimitBytes: 4096 });
    try {
      const body = delivery('660004', { padding: 'x'.repeat(8192) });
      const res = await small.request('/cicdflow/jira/', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature': signWebhookBody(body, testTokens.webhook),
        },
        body,
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toBe('payload_too_large');
    } finally {
      await small.stop();
    }
  });
});

describe('parseJiraDelivery', () => {
  it('finds the status change at any position of changelog.items and who made it', () => {
    const raw = delivery('1');
    expect(parseJiraDelivery(JSON.parse(raw), Buffer.from(raw))).toMatchObject({
      webhookEvent: 'jira:issue_updated',
      issueKey: 'AC-8801',
      statusChange: { from: 'CONFIG执行中', to: 'CODE执行中' },
      user: 'ops.wang',
      timestamp: 1_790_000_000_000,
    });
  });

  it('derives the same dedupe key for a redelivery and different keys for different changes', () => {
    const a = delivery('1');
    const key = (raw: string) => parseJiraDelivery(JSON.parse(raw), Buffer.from(raw)).dedupeKey;
    // A redelivery may differ in bytes (field order, padding) but names the same change.
    expect(key(a)).toBe(key(delivery('1', { padding: 'different bytes' })));
    expect(key(a)).not.toBe(key(delivery('2')));
  });

  it('without identifying fields the key is the hash of the raw bytes', () => {
    const raw = '{"hello":"jira"}';
    const d = parseJiraDelivery(JSON.parse(raw), Buffer.from(raw));
    expect(d).toMatchObject({
      webhookEvent: '',
      issueKey: null,
      statusChange: null,
      user: null,
      timestamp: null,
    });
    expect(d.dedupeKey).toMatch(/^[0-9a-f]{64}$/);
  });
});
