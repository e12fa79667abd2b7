import { describe, expect, it } from 'vitest';
import {
  closingAfterEach,
  finishSqlOrders,
  sampleRequest,
  startHarness,
  tokens,
} from './support/e2e-harness.js';
import { robotSecrets, startRobotSinks, until } from './support/notification-sinks.js';
import { scrapeMetrics } from './support/prometheus-scrape.js';

const closedAfterTest = closingAfterEach();

describe('stuck releases', () => {
  it('a release waiting on a person longer than the threshold is told once per wait and counted', async () => {
    const robots = await closedAfterTest(startRobotSinks());
    const h = await closedAfterTest(
      startHarness({
        sqlMode: 'manual',
        config: {
          notifications: {
            // Only stuck notifications, to the generic webhook; 0.003 min ≈ 180 ms of waiting.
            events: { completed: false, failed: false, waiting: false, stuck: true },
            stuckAfterMinutes: 0.003,
            sweepSeconds: 0.05,
            channels: [
              { id: 'hooks', kind: 'webhook', url: robots.webhookUrl, secret: robotSecrets.webhookSecret },
            ],
          },
        },
      }),
    );
    const body = sampleRequest();
    const key = String((await h.intake(body)).body.key);
    await h.waitForState(key, 'sqlExecuting');

    const stuckFor = (waitingOn: string) =>
      robots.messages.filter((m) => {
        const n = (m.body as { notification?: { kind?: string; waitingOn?: string; issueKey?: string } })
          .notification;
        return n?.kind === 'stuck' && n.waitingOn === waitingOn && n.issueKey === key;
      }) ?? [];
    const first = await until('the DBA wait reported stuck', () => stuckFor('dba')[0]);
    expect(first.text).toContain('等待超时');
    expect(first.text).toContain('SQL执行中');
    const metrics = await scrapeMetrics(h.url, tokens.operator);
    expect(metrics.value('cdflow_stuck_releases')).toBe(1);

    // More sweeps see the same wait: nobody is told again.
    await h.server.notifications.sweep.sweep();
    await h.server.notifications.sweep.sweep();
    await until(
      'the outbox delivered',
      async () => (await h.server.notifications.outbox.depth())?.pending === 0,
    );
    expect(stuckFor('dba')).toHaveLength(1);

    // A new wait (ops to confirm the configuration) is a new stuck notification.
    finishSqlOrders(h.sandbox);
    expect((await h.operatorEvent(key, { type: 'SQL_CONFIRMED' })).status).toBe(200);
    await h.waitForState(key, 'configExecuting');
    const ops = await until('the ops wait reported stuck', () => stuckFor('ops')[0]);
    expect(ops.headers['idempotency-key']).not.toBe(first.headers['idempotency-key']);
    expect(stuckFor('dba')).toHaveLength(1);
  });
});
