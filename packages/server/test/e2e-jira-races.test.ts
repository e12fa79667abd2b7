/**
 * People act in Jira faster than webhooks arrive: two quick moves, and a move made while cdflow's own
 * earlier move is still queued. Neither may lose a person's decision nor drag the issue backwards.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest } from './support/e2e-harness.js';
import { startScenario } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

describe('Jira races', () => {
  it('two quick moves by people (SQL升级成功 then 配置升级成功) are both applied, in order', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    const res = await h.intake(sampleRequest({ apollo_info: [] }));
    const key = String(res.body.key);
    const executing = await h.waitForState(key, 'sqlExecuting');
    await h.waitForJiraStatus(key, 'SQL执行中');
    for (const o of executing.sqlOrders as Array<{ workflowId: number }>) {
      h.sandbox.archery.dba.pass(o.workflowId);
      h.sandbox.archery.dba.execute(o.workflowId, 'manual');
    }
    // Both moves land in Jira before cdflow has processed the first webhook.
    await h.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级成功');

    const done = await h.waitForState(key, 'uatComplete');
    expect(done.jiraStatus).toBe('UAT升级完成');
    const history = await h.history(key);
    const applied = history.filter((e) => e.source === 'jira' && e.accepted).map((e) => e.event);
    expect(applied).toEqual(expect.arrayContaining(['SQL_CONFIRMED', 'CONFIG_CONFIRMED']));
    expect(applied.indexOf('SQL_CONFIRMED')).toBeLessThan(applied.indexOf('CONFIG_CONFIRMED'));
    // Jira went forward only: never back through a failure transition.
    expect(h.jiraStatuses(key)).not.toContain('开发/运维修改');
    expect(h.sandbox.cmdb.deploys()).toHaveLength(2);
  });

  it('配置升级失败 then 重新提交代码 in quick succession: config is not taken as applied, code is redeployed', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    const res = await h.intake(sampleRequest({ sql_info: [], apollo_info: [] }));
    const key = String(res.body.key);
    await h.waitForState(key, 'configExecuting');
    await h.waitForJiraStatus(key, 'CONFIG执行中');
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级失败');
    await h.sandbox.jira.actAs('ops').transition(key, '重新提交代码');

    const done = await h.waitForState(key, 'uatComplete');
    expect(done.jiraStatus).toBe('UAT升级完成');
    const applied = (await h.history(key))
      .filter((e) => e.source === 'jira' && e.accepted)
      .map((e) => e.event);
    expect(applied).toEqual(expect.arrayContaining(['CONFIG_REPORTED_FAILED', 'RESUBMIT_CODE']));
    expect(applied).not.toContain('CONFIG_CONFIRMED');
    // Jira was never dragged back to 开发/运维修改 after ops had moved on.
    const statuses = h.jiraStatuses(key);
    expect(statuses.filter((s) => s === '开发/运维修改')).toHaveLength(1);
  });

  it('a comment by a person is recorded and answered by nothing', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    const res = await h.intake(sampleRequest());
    const key = String(res.body.key);
    await h.waitForState(key, 'sqlExecuting');
    // cdflow's own comments (the order list) are posted by effects after the state is reached.
    await h.server.runtime.idle();
    await h.sandbox.jira.flushWebhooks();
    const before = h.jiraComments(key).length;
    await h.sandbox.jira.actAs('tester').comment(key, '请尽快执行，谢谢');
    await h.sandbox.jira.flushWebhooks();
    const release = await h.release(key);
    expect(release.state).toBe('sqlExecuting');
    expect(h.jiraComments(key)).toHaveLength(before + 1);
  });
});
