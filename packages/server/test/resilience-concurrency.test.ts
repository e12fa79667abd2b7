/**
 * Duplicates and concurrency: the same signed Jira delivery posted many times at once is applied once;
 * many releases driven at once (intake, repeated intake, operator events, Jira moves and redelivered
 * webhooks interleaved) all end in the right state with no duplicate upstream work.
 */
import { startSandbox } from '@cdflow/sandbox';
import { describe, expect, it } from 'vitest';
import { cdflowClient, waitUntil } from './support/cdflow-client.js';
import { closingAfterEach, type Harness, sampleRequest, startHarness } from './support/e2e-harness.js';

const closedAfterTest = closingAfterEach();

/**
 * `person` moves the issue in Jira with `transition`; the delivery that move makes is posted 20 times at
 * once. The payload is built when Jira makes the change and the simulator sends it on the next tick, so
 * these 20 race with Jira's own delivery. Their answers.
 */
async function moveAndDeliverTwentyTimes(h: Harness, key: string, person: string, transition: string) {
  const client = cdflowClient(h.url);
  const before = h.sandbox.jira.webhookDeliveries().length;
  await h.sandbox.jira.actAs(person).transition(key, transition);
  const delivery = h.sandbox.jira.webhookDeliveries().slice(before)[0];
  expect(delivery?.issueKey).toBe(key);
  return Promise.all(
    Array.from({ length: 20 }, () => client.webhook(delivery?.body ?? '', delivery?.signature ?? undefined)),
  );
}

describe('the same webhook delivery, many times at once', () => {
  it('applies a signed delivery posted 20 times concurrently once', async () => {
    const h = await closedAfterTest(startHarness({ sqlMode: 'manual' }));
    const request = sampleRequest({ config_info: [] });
    const created = await h.intake(request);
    expect(created.status).toBe(201);
    const key = String(created.body.key);
    const executing = await h.waitForState(key, 'sqlExecuting');
    for (const o of executing.sqlOrders as Array<{ workflowId: number }>) {
      h.sandbox.archery.dba.pass(o.workflowId);
      h.sandbox.archery.dba.execute(o.workflowId, 'manual');
    }
    await waitUntil(() => h.sandbox.jira.issue(key)?.status === 'SQL执行中', 'Jira to show SQL执行中');
    const answers = await moveAndDeliverTwentyTimes(h, key, 'dba', 'SQL升级成功');
    await h.sandbox.jira.flushWebhooks();

    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const fresh = answers.filter((a) => a.body.duplicate === false).length;
    expect(fresh, 'at most one of ours was new (Jira may have delivered first)').toBeLessThanOrEqual(1);

    const done = await h.waitForState(key, 'uatComplete');
    expect(done.jiraStatus).toBe('UAT升级完成');
    const history = await h.history(key);
    const confirmed = history.filter((e) => e.event === 'SQL_CONFIRMED');
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]?.accepted).toBe(true);
    // One effect downstream of the decision: one Apollo release, one deploy per service.
    expect(h.sandbox.apollo.releases()).toHaveLength(1);
    expect(h.sandbox.cmdb.deploys()).toHaveLength((request.code_info as unknown[]).length);
  });

  it('answers the same refused move with one Jira comment however often it is delivered', async () => {
    const ownSandbox = await closedAfterTest(startSandbox({ cmdb: { taskDurationMs: 4_000 } }));
    const h = await closedAfterTest(startHarness({ sqlMode: 'auto', sandbox: ownSandbox }));
    const created = await h.intake(sampleRequest({ config_info: [] }));
    const key = String(created.body.key);
    await h.waitForState(key, (s) => s.startsWith('codeExecuting'));
    await waitUntil(() => h.sandbox.jira.issue(key)?.status === 'CODE执行中', 'Jira to show CODE执行中');
    const commentsBefore = h.sandbox.jira.issue(key)?.comments.length ?? 0;
    // 代码升级成功 is a step cdflow takes itself once the deploys succeed: a person's is refused.
    const answers = await moveAndDeliverTwentyTimes(h, key, 'ops', '代码升级成功');
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    await h.sandbox.jira.flushWebhooks();
    await waitUntil(
      () => (h.sandbox.jira.issue(key)?.comments.length ?? 0) > commentsBefore,
      'the refusal comment',
    );
    await h.server.runtime.idle();

    const history = await h.history(key);
    const refusals = history.filter((e) => e.source === 'jira' && e.accepted === false);
    expect(refusals, JSON.stringify(history.map((e) => [e.event, e.accepted, e.detail]))).toHaveLength(1);
    const comments = (h.sandbox.jira.issue(key)?.comments ?? []).slice(commentsBefore);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain('代码升级成功');
    // The deploys were not cut short: the release still completes by itself.
    await h.waitForState(key, 'uatComplete', 20_000);
    expect(h.sandbox.cmdb.deploys()).toHaveLength(2);
  });
});

describe('many releases at once', () => {
  it('brings 20 concurrent releases to uatComplete with no duplicate upstream work', async () => {
    const sandbox = await closedAfterTest(
      startSandbox({ cmdb: { taskDurationMs: 150 }, archery: { executeDelayMs: 20 } }),
    );
    const h = await closedAfterTest(startHarness({ sqlMode: 'auto', sandbox }));
    const client = cdflowClient(h.url);
    const n = 20;
    const requests = Array.from({ length: n }, (_, i): Record<string, unknown> => {
      const svnPath = `a18/concurrent_service_${i}`;
      sandbox.cmdb.addTarget({ name: `UAT_concurrent_${i}_V1`, env: 'UAT', tag: 'V1', svnPath });
      const base = sampleRequest({ summary: `【A18】【升级】concurrent_${i}_${Date.now()}` });
      return {
        ...base,
        sql_info: (base.sql_info as Array<Record<string, unknown>>).map((s) => ({
          ...s,
          sql_content: `${String(s.sql_content).replace(/;$/, '')} /* release ${i} */;`,
        })),
        // Even releases have a manual config item: a person confirms it (Jira or the operator API).
        config_info: i % 2 === 0 ? [{ name: `nginx/concurrent-${i}.conf`, content: 'gzip on;' }] : [],
        code_info: [{ svn_path: svnPath, svn_version: String(1000 + i), tag: '' }],
      };
    });

    // Every release is posted twice at once: one creates it, the other is an iteration or refused.
    const intakes = await Promise.all(requests.flatMap((r) => [client.intake(r), client.intake(r)]));
    for (const a of intakes) expect([200, 201, 409], a.text).toContain(a.status);
    expect(intakes.filter((a) => a.status === 201)).toHaveLength(n);

    // Drive them all concurrently: confirm config where needed (half by Jira, half by the operator API),
    // while sending events the state does not accept and redelivering every webhook so far.
    await Promise.all(
      requests.map(async (r, i) => {
        const summary = String(r.summary);
        const early = await client.operatorEvent(summary, { type: 'FINISH', by: 'ops' });
        expect([200, 409]).toContain(early.status);
        if (i % 2 === 0) {
          const config = await client.waitFor(
            summary,
            (x) =>
              x.state.startsWith('configExecuting') &&
              (x.acceptedEvents as string[]).includes('CONFIG_CONFIRMED'),
            'config awaiting ops',
            60_000,
          );
          if (i % 4 === 0) {
            await waitUntil(
              () => h.sandbox.jira.issue(String(config.key))?.status === 'CONFIG执行中',
              'Jira to show CONFIG执行中',
              30_000,
            );
            await h.sandbox.jira.actAs('ops').transition(String(config.key), '配置升级成功');
          } else {
            const ok = await client.operatorEvent(summary, { type: 'CONFIG_CONFIRMED', by: 'ops' });
            expect(ok.status, ok.text).toBe(200);
          }
        }
        const redeliver = h.sandbox.jira.webhookDeliveries().slice(-5);
        await Promise.all(redeliver.map((d) => client.webhook(d.body, d.signature ?? undefined)));
        await client.waitFor(summary, (x) => x.state === 'uatComplete', 'uatComplete', 60_000);
      }),
    );
    await sandbox.jira.flushWebhooks();
    await h.server.runtime.idle();

    const orders = sandbox.archery.orders();
    const deploys = sandbox.cmdb.deploys();
    for (const [i, r] of requests.entries()) {
      const summary = String(r.summary);
      const release = await client.release(summary);
      expect(release?.state).toBe('uatComplete');
      expect(sandbox.jira.issues().filter((x) => x.summary === summary)).toHaveLength(1);
      expect(sandbox.jira.issue(String(release?.key))?.status).toBe('UAT升级完成');
      const mine = orders.filter((o) => o.sqlContent.includes(`/* release ${i} */`));
      expect(mine, `orders of release ${i}`).toHaveLength((r.sql_info as unknown[]).length);
      expect(mine.every((o) => o.status === 'workflow_finish')).toBe(true);
      const myDeploys = deploys.filter((d) => d.svnPath === `a18/concurrent_service_${i}`);
      expect(myDeploys, `deploys of release ${i}`).toHaveLength(1);
    }
    expect(sandbox.jira.counters.get('POST /rest/api/2/issue')).toBe(n);
  }, 120_000);
});
