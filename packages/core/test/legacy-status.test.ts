/** The original's status query answers: upgrade_status numbers or Jira names, sql_info with Archery statuses. */
import {
  defaultJiraWorkflowNames,
  type JiraWorkflowNames,
  legacyAnswerCodes,
  legacySqlInfo,
  legacyUpgradeStatus,
  type ReleaseContext,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { Drive, normalizedFixture, settings } from './release-driver.js';
import { orderSubmitted } from './upstream-answers.js';

function submitted(): Drive {
  const d = new Drive(normalizedFixture('first-upgrade.json'), settings({ policyGate: false }));
  d.resolveRoutes();
  d.send({ type: 'ISSUE_READY', issueKey: 'AC-1', created: true });
  d.send(orderSubmitted('a18-20261201-01', 11));
  d.send(orderSubmitted('a18-20261201-02', 12));
  return d;
}

const at = (state: string, context: ReleaseContext, names?: JiraWorkflowNames) =>
  legacyUpgradeStatus({ state, context }, names);

describe('upgrade_status', () => {
  it("answers the original's number for its five statuses", () => {
    const { context } = submitted();
    expect(at('sqlPending.submitting', context)).toBe(101);
    expect(at('sqlPending.fetchingSql', context)).toBe(101);
    expect(at('sqlExecuting', context)).toBe(102);
    expect(at('sqlPending.failed', context)).toBe(150);
    expect(at('uatComplete', context)).toBe(100);
    const codeFailed = { ...context, failure: { stage: 'code' as const, reason: 'x', at: 'codeExecuting' } };
    expect(at('fixing', codeFailed)).toBe(151);
  });

  it('answers the Jira status name for every other state, as configured', () => {
    const { context } = submitted();
    expect(at('configExecuting.awaitingConfirmation', context)).toBe('CONFIG执行中');
    expect(at('codeExecuting.deploying', context)).toBe('CODE执行中');
    expect(at('fixing', context)).toBe('开发/运维修改');
    const configFailed = {
      ...context,
      failure: { stage: 'config' as const, reason: 'x', at: 'configExecuting' },
    };
    expect(at('fixing', configFailed)).toBe('开发/运维修改');
    expect(at('prodUpgrade', context)).toBe('运营环境升级');
    expect(at('closed', context)).toBe('升级流程结束');
    const english: JiraWorkflowNames = {
      ...defaultJiraWorkflowNames,
      statuses: { ...defaultJiraWorkflowNames.statuses, configExecuting: 'CONFIG PROCESSING' },
    };
    expect(at('configExecuting.awaitingConfirmation', context, english)).toBe('CONFIG PROCESSING');
    expect(legacyAnswerCodes).toEqual({ success: 10200, notFound: 10404, failed: 10500 });
  });
});

describe('sql_info', () => {
  it("lists the work orders in sequence order with Archery's status, and its message for an exception", () => {
    const d = submitted();
    expect(legacySqlInfo(d.context)).toEqual([
      { sqlId: 'a18-20261201-01', status: 'workflow_manreviewing', errormessage: '', workflowId: 11 },
      { sqlId: 'a18-20261201-02', status: 'workflow_manreviewing', errormessage: '', workflowId: 12 },
    ]);
    const failed: ReleaseContext = {
      ...d.context,
      sqlOrders: d.context.sqlOrders.map((o) =>
        o.workflowId === 11
          ? { ...o, status: 'workflow_finish' }
          : { ...o, status: 'workflow_exception', error: "Unknown column 'city'" },
      ),
    };
    expect(legacySqlInfo(failed).map((s) => [s.status, s.errormessage])).toEqual([
      ['workflow_finish', ''],
      ['workflow_exception', "Unknown column 'city'"],
    ]);
  });

  it('an order confirmed (Archery shows it finished) answers workflow_finish; an item not in Archery yet is not listed', () => {
    const d = new Drive(normalizedFixture('first-upgrade.json'), settings({ policyGate: false }));
    d.resolveRoutes();
    d.send({ type: 'ISSUE_READY', issueKey: 'AC-1', created: true });
    d.send(orderSubmitted('a18-20261201-01', 11));
    expect(legacySqlInfo(d.context).map((s) => s.sqlId)).toEqual(['a18-20261201-01']);
    d.send(orderSubmitted('a18-20261201-02', 12));
    d.confirmSql('dba');
    expect(legacySqlInfo(d.context).map((s) => s.status)).toEqual(['workflow_finish', 'workflow_finish']);
  });

  it('an item executed in an earlier iteration and skipped now answers workflow_finish with its order', () => {
    const d = submitted();
    d.confirmSql('dba');
    const iteration: ReleaseContext = { ...d.context, sqlOrders: [] };
    expect(legacySqlInfo(iteration)).toEqual([
      { sqlId: 'a18-20261201-01', status: 'workflow_finish', errormessage: '', workflowId: 11 },
      { sqlId: 'a18-20261201-02', status: 'workflow_finish', errormessage: '', workflowId: 12 },
    ]);
  });
});
