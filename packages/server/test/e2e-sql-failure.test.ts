import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest } from './support/e2e-harness.js';
import { ordersOf, type Scenario, startScenario, threeSqlItems } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

/** The work orders cdflow asked Archery to execute, in order (from the release's audit trail). */
async function executedByCdflow(s: Scenario, key: string): Promise<number[]> {
  return (await s.history(key))
    .filter((i) => i.event === 'effect:archery.executeOrder')
    .map((i) => (i.detail as { result?: { workflowId?: number } }).result?.workflowId ?? -1);
}

describe('an SQL order fails in Archery (mode auto)', () => {
  it('stops the sequence, sends Jira back to SQL待执行, and the fixed request resubmits only that order', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'auto' }));
    const items = threeSqlItems();
    const body = sampleRequest({ sql_info: items });
    const summary = String(body.summary);
    const res = await h.intake(body);
    expect(res.status).toBe(201);
    const key = String(res.body.key);

    await h.waitForState(key, (s) => s === 'sqlExecuting');
    const [first, second, third] = ordersOf(h, summary);
    if (!first || !second || !third) throw new Error('expected three orders');
    // The DBA's database refuses the 2nd script when it runs (cdflow has not reached it yet).
    expect(second.status).toBe('workflow_manreviewing');
    h.sandbox.archery.dba.fail(second.workflowId, 'Unknown column city in laboratory');

    const failed = await h.waitForState(key, 'sqlPending.failed');
    expect(failed.jiraStatus).toBe('SQL待执行');
    await h.waitForJiraStatus(key, 'SQL待执行');
    const statuses = Object.fromEntries(ordersOf(h, summary).map((o) => [o.workflowId, o.status]));
    expect(statuses).toEqual({
      [first.workflowId]: 'workflow_finish',
      [second.workflowId]: 'workflow_exception',
      [third.workflowId]: 'workflow_manreviewing',
    });
    // cdflow never audited nor executed the 3rd order.
    expect(await executedByCdflow(h, key)).toEqual([first.workflowId, second.workflowId]);
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/execute/')).toBe(2);
    const comments = h.jiraComments(key).join('\n');
    expect(comments).toContain('a18-0002');
    expect(h.jiraStatuses(key).slice(-2)).toEqual(['SQL执行中', 'SQL待执行']);

    // The fixed request: only the 2nd item changed.
    const submitsBefore = h.sandbox.archery.counters.get('POST /api/v1/workflow/');
    const fixedItems = items.map((i) =>
      i.sql_id === 'a18-0002'
        ? {
            ...i,
            svn_version: '1202',
            sql_content: "UPDATE laboratory SET city = 'Kyiv' WHERE city IN ('Kiev');",
          }
        : i,
    );
    const again = await h.intake({ ...body, sql_info: fixedItems });
    expect(again.status).toBe(200);
    expect(again.body.iteration).toBe(2);

    await h.waitForState(key, (s) => s.startsWith('configExecuting'));
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(submitsBefore + 1);
    const all = ordersOf(h, summary);
    expect(all).toHaveLength(4);
    const resubmitted = all[3];
    if (!resubmitted) throw new Error('expected the resubmitted order');
    expect(resubmitted.sqlContent).toContain("IN ('Kiev')");
    // The 3rd order was kept (same workflow_id) and ran after the fixed 2nd; the 1st never ran again.
    expect(await executedByCdflow(h, key)).toEqual([
      first.workflowId,
      second.workflowId,
      resubmitted.workflowId,
      third.workflowId,
    ]);
    const view = await h.release(key);
    const orders = view.sqlOrders as Array<{ sqlId: string; workflowId: number; status: string }>;
    expect(orders.map((o) => [o.sqlId, o.workflowId, o.status])).toEqual([
      ['a18-0002', resubmitted.workflowId, 'workflow_finish'],
      ['a18-0003', third.workflowId, 'workflow_finish'],
    ]);

    await h.waitForJiraStatus(key, 'CONFIG执行中');
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级成功');
    await h.waitForState(key, 'uatComplete');
    await h.waitForJiraStatus(key, 'UAT升级完成');
  });
});
