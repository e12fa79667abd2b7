import { describe, expect, it } from 'vitest';
import { closingAfterEach, firstUpgradeJiraStatuses, sampleRequest } from './support/e2e-harness.js';
import { ordersOf, startScenario, threeSqlItems } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

const modes = ['manual', 'watch', 'auto'] as const;

describe.each(modes)('first upgrade with SQL, Apollo, config and code, SQL mode %s', (mode) => {
  it('reaches uatComplete with orders in sequence, Apollo published and each service deployed once', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: mode }));
    const body = sampleRequest({ sql_info: threeSqlItems() });
    const res = await h.intake(body);
    expect(res.status).toBe(201);
    expect(res.body.iteration).toBe(1);
    const key = String(res.body.key);
    const summary = String(body.summary);

    // Every item became one work order named after the summary and its place, created in sequence order.
    const executing = await h.waitForState(key, (s) => s === 'sqlExecuting' || s.startsWith('config'));
    const orders = ordersOf(h, summary);
    expect(orders.map((o) => o.sqlContent.trim())).toEqual(threeSqlItems().map((i) => i.sql_content));
    expect(orders.map((o) => o.workflowName)).toEqual([
      `${summary} #1/3`,
      `${summary} #2/3`,
      `${summary} #3/3`,
    ]);
    expect(h.sandbox.archery.orders()).toHaveLength(3);
    const viewOrders = executing.sqlOrders as Array<{ sqlId: string; workflowId: number }>;
    expect(viewOrders.map((o) => o.sqlId)).toEqual(['a18-0001', 'a18-0002', 'a18-0003']);
    expect(viewOrders.map((o) => o.workflowId)).toEqual(orders.map((o) => o.workflowId));

    if (mode !== 'auto') {
      // The DBA reviews and executes in Archery, in sequence order.
      for (const o of orders) {
        h.sandbox.archery.dba.pass(o.workflowId);
        h.sandbox.archery.dba.execute(o.workflowId);
      }
    }
    if (mode === 'manual') {
      // cdflow does not look at Archery in manual mode: the DBA's confirmation in Jira moves it on.
      await h.waitForOrders(summary, ['workflow_finish']);
      expect((await h.release(key)).state).toBe('sqlExecuting');
      await h.waitForJiraStatus(key, 'SQL执行中');
      await h.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    }

    // Apollo items are applied and published by cdflow; the config_info item waits for ops.
    const config = await h.waitForState(key, (s) => s.startsWith('configExecuting'));
    expect(config.jiraStatus).toBe('CONFIG执行中');
    expect(ordersOf(h, summary).map((o) => o.status)).toEqual([
      'workflow_finish',
      'workflow_finish',
      'workflow_finish',
    ]);
    await h.waitForJiraStatus(key, 'CONFIG执行中');
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级成功');

    const done = await h.waitForState(key, 'uatComplete');
    expect(done.jiraStatus).toBe('UAT升级完成');
    await h.waitForJiraStatus(key, 'UAT升级完成');

    const item = h.sandbox.apollo
      .items()
      .find((i) => i.env === 'UAT' && i.appId === 'a18-console' && i.key === 'report.export.enabled');
    expect(item?.value).toBe('true');
    const published = h.sandbox.apollo
      .releases()
      .filter((r) => r.env === 'UAT' && r.appId === 'a18-console' && r.namespace === 'application');
    expect(published.at(-1)?.configurations['report.export.enabled']).toBe('true');

    const deploys = h.sandbox.cmdb.deploys();
    expect(deploys.map((d) => `${d.svnPath}@${d.version}`).sort()).toEqual([
      'a18/cc_merchant_console@1061',
      'a18/cc_report_service@877',
    ]);
    expect(deploys.every((d) => d.status === 'success')).toBe(true);

    expect(h.jiraStatuses(key)).toEqual(firstUpgradeJiraStatuses);
    // One issue, one order per item, whatever the mode.
    expect(h.sandbox.jira.issues()).toHaveLength(1);
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(3);
    // Only in mode auto does cdflow execute the orders itself (once each).
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/execute/')).toBe(mode === 'auto' ? 3 : 0);
  });
});
