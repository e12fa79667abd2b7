/**
 * The production workflow "cdflow-prod" of the issue type 运营升级: one status per approval step (DBA, SA,
 * team lead, in order), 审批驳回 from any of them, then the stage statuses shared with UAT (the same Jira
 * status objects, so the same ids and names) up to 运营升级完成 and 升级流程结束; 退回…审批 takes the issue
 * back to an approval step from a later one or from SQL待执行. Its transitions have
 * their own action ids: a client that hard-codes the UAT ids moves nothing here.
 */
import { defaultJiraWorkflowNames, type JiraWorkflowNames } from '@cdflow/core';
import { type JiraSimTransition, JiraSimWorkflow, uatStatusIdOf } from './jira-workflow-definition.js';

export const prodStatusKeys = [
  'dbaApproval',
  'saApproval',
  'leadApproval',
  'rejected',
  'sqlPending',
  'sqlExecuting',
  'configExecuting',
  'codeExecuting',
  'fixing',
  'prodComplete',
  'closed',
] as const;
export type JiraProdStatusKey = (typeof prodStatusKeys)[number];

export const prodTransitionKeys = [
  'create',
  'dbaApproved',
  'saApproved',
  'leadApproved',
  'reject',
  'submitSql',
  'noSql',
  'triggerSubmitSql',
  'sqlSucceeded',
  'sqlFailed',
  'configSucceeded',
  'noConfig',
  'configFailed',
  'codeSucceeded',
  'noCode',
  'codeFailed',
  'resubmitConfig',
  'resubmitCode',
  'resubmitIteration',
  'finish',
  'returnToDba',
  'returnToSa',
  'returnToLead',
] as const;
export type JiraProdTransitionKey = (typeof prodTransitionKeys)[number];

export interface JiraProdWorkflowNames {
  statuses: Record<JiraProdStatusKey, string>;
  transitions: Record<JiraProdTransitionKey, string>;
}

/** Default names; the statuses shared with UAT take the UAT workflow's names (one Jira status each). */
export function defaultProdWorkflowNames(
  uat: JiraWorkflowNames = defaultJiraWorkflowNames,
): JiraProdWorkflowNames {
  return {
    statuses: {
      dbaApproval: '待DBA审批',
      saApproval: '待SA审批',
      leadApproval: '待组长审批',
      rejected: '审批驳回',
      sqlPending: uat.statuses.sqlPending,
      sqlExecuting: uat.statuses.sqlExecuting,
      configExecuting: uat.statuses.configExecuting,
      codeExecuting: uat.statuses.codeExecuting,
      fixing: uat.statuses.fixing,
      prodComplete: '运营升级完成',
      closed: uat.statuses.closed,
    },
    transitions: {
      create: uat.transitions.create,
      dbaApproved: 'DBA审批通过',
      saApproved: 'SA审批通过',
      leadApproved: '组长审批通过',
      reject: '审批驳回',
      submitSql: uat.transitions.submitSql,
      noSql: uat.transitions.noSql,
      triggerSubmitSql: uat.transitions.triggerSubmitSql,
      sqlSucceeded: uat.transitions.sqlSucceeded,
      sqlFailed: uat.transitions.sqlFailed,
      configSucceeded: uat.transitions.configSucceeded,
      noConfig: uat.transitions.noConfig,
      configFailed: uat.transitions.configFailed,
      codeSucceeded: uat.transitions.codeSucceeded,
      noCode: uat.transitions.noCode,
      codeFailed: uat.transitions.codeFailed,
      resubmitConfig: uat.transitions.resubmitConfig,
      resubmitCode: uat.transitions.resubmitCode,
      resubmitIteration: '重新提交运营迭代升级',
      finish: uat.transitions.finish,
      returnToDba: '退回DBA审批',
      returnToSa: '退回SA审批',
      returnToLead: '退回组长审批',
    },
  };
}

/** Who may approve each step ("user is in group" conditions); `null` turns the conditions off. */
export interface JiraProdApprovalGroups {
  dbaApproved: readonly string[];
  saApproved: readonly string[];
  leadApproved: readonly string[];
  reject: readonly string[];
}

/**
 * The approvers' groups, and cdflow's service user (group cdflow-service): an approval or rejection
 * given through cdflow's operator API is mirrored in Jira by cdflow, which checked the approver's groups.
 */
export const defaultProdApprovalGroups: JiraProdApprovalGroups = {
  dbaApproved: ['dba', 'cdflow-service'],
  saApproved: ['sa', 'cdflow-service'],
  leadApproved: ['team-leads', 'cdflow-service'],
  reject: ['dba', 'sa', 'team-leads', 'cdflow-service'],
};

const newStatuses: Record<
  Exclude<
    JiraProdStatusKey,
    'sqlPending' | 'sqlExecuting' | 'configExecuting' | 'codeExecuting' | 'fixing' | 'closed'
  >,
  { id: string; categoryId: 2 | 3 | 4 }
> = {
  dbaApproval: { id: '10013', categoryId: 2 },
  saApproval: { id: '10014', categoryId: 2 },
  leadApproval: { id: '10015', categoryId: 2 },
  rejected: { id: '10016', categoryId: 3 },
  prodComplete: { id: '10017', categoryId: 3 },
};

/** [key, action id, from, to], in the order Jira lists them per step. */
const graph: Array<[JiraProdTransitionKey, string, JiraProdStatusKey[] | null, JiraProdStatusKey]> = [
  ['create', '1', null, 'dbaApproval'],
  ['dbaApproved', '311', ['dbaApproval'], 'saApproval'],
  ['saApproved', '321', ['saApproval'], 'leadApproval'],
  ['leadApproved', '331', ['leadApproval'], 'sqlPending'],
  // A common transition: one action id from every approval status.
  ['reject', '341', ['dbaApproval', 'saApproval', 'leadApproval'], 'rejected'],
  ['submitSql', '351', ['sqlPending'], 'sqlExecuting'],
  ['noSql', '361', ['sqlPending'], 'configExecuting'],
  ['triggerSubmitSql', '371', ['sqlPending'], 'sqlPending'],
  ['resubmitConfig', '461', ['fixing'], 'configExecuting'],
  ['resubmitCode', '471', ['fixing'], 'codeExecuting'],
  ['resubmitIteration', '481', ['fixing'], 'sqlPending'],
  ['noConfig', '411', ['configExecuting'], 'codeExecuting'],
  ['configFailed', '421', ['configExecuting'], 'fixing'],
  ['configSucceeded', '401', ['configExecuting'], 'codeExecuting'],
  ['sqlSucceeded', '381', ['sqlExecuting'], 'configExecuting'],
  ['sqlFailed', '391', ['sqlExecuting'], 'sqlPending'],
  ['noCode', '441', ['codeExecuting'], 'prodComplete'],
  ['codeFailed', '451', ['codeExecuting'], 'fixing'],
  ['codeSucceeded', '431', ['codeExecuting'], 'prodComplete'],
  ['finish', '491', ['prodComplete'], 'closed'],
  // Back to an approval step (cdflow takes an approval it refused back, or a new iteration's approvals
  // start again): from any later approval status and from SQL待执行.
  ['returnToDba', '501', ['saApproval', 'leadApproval', 'sqlPending'], 'dbaApproval'],
  ['returnToSa', '511', ['leadApproval', 'sqlPending'], 'saApproval'],
  ['returnToLead', '521', ['sqlPending'], 'leadApproval'],
];

export function prodWorkflow(
  names: JiraProdWorkflowNames = defaultProdWorkflowNames(),
  approvalGroups: JiraProdApprovalGroups | null = defaultProdApprovalGroups,
): JiraSimWorkflow {
  const statusOf = (key: JiraProdStatusKey) => {
    if (key in newStatuses) {
      const fresh = newStatuses[key as keyof typeof newStatuses];
      return { state: key, name: names.statuses[key], description: '', ...fresh };
    }
    const shared = uatStatusIdOf(key as 'sqlPending');
    return { state: key, name: names.statuses[key], ...shared };
  };
  const transitions = graph.map(([key, id, from, to]): JiraSimTransition => {
    const groups =
      approvalGroups && key in approvalGroups
        ? approvalGroups[key as keyof JiraProdApprovalGroups]
        : undefined;
    return { key, id, name: names.transitions[key], from, to, ...(groups ? { groups } : {}) };
  });
  return new JiraSimWorkflow({
    id: 10101,
    name: 'cdflow-prod',
    statuses: prodStatusKeys.map(statusOf),
    transitions,
  });
}
