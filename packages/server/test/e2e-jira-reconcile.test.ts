/**
 * Jira Server never delivers a webhook again: a person's decision made while cdflow was down, or whose
 * delivery was lost, is still found by the reconciliation and applied like a webhook.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest, settledRevision, startHarness } from './support/e2e-harness.js';
import { eventually } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

const reconcileQuickly = { timings: { jiraReconcileMs: 100, jiraMoveGraceMs: 100 } };

describe('Jira reconciliation', () => {
  it('applies people’s moves whose webhooks never came, and says so in the history', async () => {
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'manual', registerWebhook: false, config: reconcileQuickly }),
    );
    const res = await h.intake(sampleRequest({ apollo_info: [] }));
    const key = String(res.body.key);
    const executing = await h.waitForState(key, 'sqlExecuting');
    await eventually('Jira in SQL执行中', () =>
      h.sandbox.jira.issue(key)?.status === 'SQL执行中' ? true : undefined,
    );
    for (const o of executing.sqlOrders as Array<{ workflowId: number }>) {
      h.sandbox.archery.dba.pass(o.workflowId);
      h.sandbox.archery.dba.execute(o.workflowId, 'manual');
    }
    await h.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    await h.waitForState(key, 'configExecuting');
    await eventually('Jira in CONFIG执行中', () =>
      h.sandbox.jira.issue(key)?.status === 'CONFIG执行中' ? true : undefined,
    );
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级成功');
    const done = await h.waitForState(key, 'uatComplete');
    expect(done.jiraStatus).toBe('UAT升级完成');

    const reconciled = (await h.history(key)).filter(
      (e) => e.source === 'jira' && e.accepted === true && String(e.actor).includes('reconciled'),
    );
    expect(reconciled.map((e) => e.event)).toEqual(['SQL_CONFIRMED', 'CONFIG_CONFIRMED']);
  });

  it('with webhooks working, one lost delivery is still found (echoes of cdflow’s own moves do not hide it)', async () => {
    const h = await closedAfterTest(startHarness({ sqlMode: 'manual', config: reconcileQuickly }));
    const res = await h.intake(sampleRequest({ apollo_info: [] }));
    const key = String(res.body.key);
    const executing = await h.waitForState(key, 'sqlExecuting');
    await eventually('Jira in SQL执行中', () =>
      h.sandbox.jira.issue(key)?.status === 'SQL执行中' ? true : undefined,
    );
    await h.sandbox.jira.flushWebhooks(); // the echo of cdflow's own move has reached cdflow
    for (const o of executing.sqlOrders as Array<{ workflowId: number }>) {
      h.sandbox.archery.dba.pass(o.workflowId);
      h.sandbox.archery.dba.execute(o.workflowId, 'manual');
    }
    h.sandbox.jira.loseWebhooks(1);
    await h.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    await h.waitForState(key, 'configExecuting');
    const confirmed = (await h.history(key)).find((e) => e.event === 'SQL_CONFIRMED' && e.accepted === true);
    expect(String(confirmed?.actor)).toContain('reconciled');
  });

  it('changes nothing while Jira and the release agree', async () => {
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'manual', registerWebhook: false, config: reconcileQuickly }),
    );
    const res = await h.intake(sampleRequest());
    const key = String(res.body.key);
    await h.waitForState(key, 'sqlExecuting');
    // The effects of the last decision (the move, the order list on the issue) are done.
    await h.server.runtime.idle();
    const before = await settledRevision(h, key);
    const commented = h.sandbox.jira.issue(key)?.comments.length ?? 0;
    const reads = h.sandbox.jira.counters.get('GET /rest/api/2/issue/:key');
    // Several sweeps pass (each reads the issue) without any decision.
    await eventually('a few reconciliation reads', () =>
      h.sandbox.jira.counters.get('GET /rest/api/2/issue/:key') >= reads + 3 ? true : undefined,
    );
    expect((await h.release(key)).revision).toBe(before);
    expect(h.sandbox.jira.issue(key)?.comments ?? []).toHaveLength(commented);
  });
});
