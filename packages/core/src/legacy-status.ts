/**
 * The answers of the original program's status query, `GET /cicdflow/?summary=&sql_id=`, from a
 * release's state: the release system reads them and must not notice the switch to cdflow.
 *
 * The original (jiracdflow, `cicdflow/views.py`) answers every query with HTTP 200 and a body code:
 * 10200 `success`; 10404 `failed` when no release (or no SQL work order) matches; 10500 `failed` when the
 * query is unusable or the lookup broke; an error is `data: { error }`. `upgrade_status` is a number for
 * five statuses (100 UAT升级完成, 101 SQL待执行, 102 SQL执行中, 150 SQL执行失败, 151 代码升级失败) and the
 * Jira status name for every other; `sql_info[]` lists the SQL work orders in sequence order with
 * Archery's status string and, for an order that failed there, Archery's message.
 */
import { isArcheryStatus, isFailedArcheryStatus } from './archery-status.js';
import { jiraStatusForState } from './jira-status-mapping.js';
import { defaultJiraWorkflowNames, type JiraWorkflowNames } from './jira-workflow.js';
import { approvalsComplete } from './prod-release.js';
import { isOrderDone } from './release-progress.js';
import type { ArcheryStatus, ReleaseContext } from './release-types.js';

/** The body codes of the original's status query (its `code` field). */
export const legacyAnswerCodes = { success: 10200, notFound: 10404, failed: 10500 } as const;

/** The original's `upgrade_status` numbers (its five statuses; every other status answers its name). */
export const legacyUpgradeStatusCodes = {
  uatComplete: 100,
  sqlPending: 101,
  sqlExecuting: 102,
  sqlFailed: 150,
  codeFailed: 151,
} as const;

/**
 * `upgrade_status`: the original's number where it had one — its statuses 'SQL PROCESSING FAILED' and
 * 'CODE PROCESSING FAILED' are cdflow's `sqlPending.failed` and `fixing` after a code failure — else the
 * Jira status name the release mirrors (`CONFIG执行中`, `开发/运维修改`, … as configured).
 */
export function legacyUpgradeStatus(
  release: { state: string; context: ReleaseContext },
  names: JiraWorkflowNames = defaultJiraWorkflowNames,
): number | string {
  const [top, sub] = release.state.split('.');
  // Before its approvals a production release waits in an approval status, whatever it prepares.
  if (top === 'sqlPending' && sub !== 'failed' && release.context.prod && !approvalsComplete(release.context))
    return jiraStatusForState(release.state, names, release.context);
  switch (top) {
    case 'sqlPending':
      return sub === 'failed' ? legacyUpgradeStatusCodes.sqlFailed : legacyUpgradeStatusCodes.sqlPending;
    case 'sqlExecuting':
      return legacyUpgradeStatusCodes.sqlExecuting;
    case 'uatComplete':
      return legacyUpgradeStatusCodes.uatComplete;
    case 'fixing':
      if (release.context.failure?.stage === 'code') return legacyUpgradeStatusCodes.codeFailed;
      return jiraStatusForState(release.state, names, release.context);
    default:
      return jiraStatusForState(release.state, names, release.context);
  }
}

/** One line of `sql_info[]`. */
export interface LegacySqlInfo {
  sqlId: string;
  /** Archery's status of the item's work order (`workflow_finish`, `workflow_exception`, …). */
  status: ArcheryStatus;
  /**
   * Archery's message for an order that failed there (`workflow_exception`: its execution error;
   * `workflow_autoreviewwrong`: its review's errors; `workflow_abort`), else ''.
   */
  errormessage: string;
  workflowId: number | null;
}

/**
 * `sql_info[]`: the release's SQL items that have a work order in Archery, in sequence order (the
 * original listed its `sql_work_order` rows; items not submitted yet have none and are not listed). An
 * item executed in an earlier iteration and skipped now answers `workflow_finish`, as its last order
 * did; an order a person confirmed in Jira answers `workflow_finish` too (cdflow counts it executed).
 */
export function legacySqlInfo(context: ReleaseContext): LegacySqlInfo[] {
  const lines: LegacySqlInfo[] = [];
  const items = [...context.request.sql].sort((a, b) => a.seq - b.seq);
  for (const item of items) {
    const order = context.sqlOrders.find((o) => o.sqlId === item.sqlId);
    if (order && order.workflowId !== null && isArcheryStatus(order.status)) {
      const status: ArcheryStatus = isOrderDone(order) ? 'workflow_finish' : order.status;
      lines.push({
        sqlId: item.sqlId,
        status,
        errormessage: isFailedArcheryStatus(status) ? (order.error ?? '') : '',
        workflowId: order.workflowId,
      });
      continue;
    }
    const applied = context.applied.sql[item.sqlId];
    if (!order && applied && applied.hash === item.hash) {
      lines.push({
        sqlId: item.sqlId,
        status: 'workflow_finish',
        errormessage: '',
        workflowId: applied.workflowId,
      });
    }
  }
  return lines;
}
