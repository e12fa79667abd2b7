import { describe, expect, it } from 'vitest';
import { closingAfterEach, type Harness, sampleRequest, startHarness } from './support/e2e-harness.js';
import { eventually } from './support/e2e-scenario.js';

/** People act on what Jira shows: cdflow moves the issue just after it commits the state. */
async function jiraShows(harness: Harness, key: string, status: string): Promise<void> {
  await eventually(`Jira issue ${key} in ${status}`, () =>
    harness.sandbox.jira.issue(key)?.status === status ? true : undefined,
  );
}

const closedAfterTest = closingAfterEach();

describe('first upgrade, manual SQL mode', () => {
  it('reaches uatComplete once the DBA executes and confirms and ops confirm the config', async () => {
    const h = await closedAfterTest(startHarness({ sqlMode: 'manual' }));
    const body = sampleRequest();
    const res = await h.intake(body);
    expect(res.status).toBe(201);
    const key = String(res.body.key);
    const executing = await h.waitForState(key, 'sqlExecuting');
    const orders = executing.sqlOrders as Array<{ workflowId: number }>;
    expect(orders).toHaveLength(2);
    for (const o of orders) {
      h.sandbox.archery.dba.pass(o.workflowId);
      // Executed by hand (finished at once): the DBA's SQL升级成功 stands when Archery shows it finished.
      h.sandbox.archery.dba.execute(o.workflowId, 'manual');
    }
    await jiraShows(h, key, 'SQL执行中');
    await h.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    await h.waitForState(key, (s) => s.startsWith('configExecuting'));
    await jiraShows(h, key, 'CONFIG执行中');
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级成功');
    const done = await h.waitForState(key, 'uatComplete');
    expect(done.jiraStatus).toBe('UAT升级完成');
    await jiraShows(h, key, 'UAT升级完成');
  });
});
