/**
 * The Jira workflow "cdflow" (statuses and transitions of the original export), as stable keys with
 * configurable display names. Chinese names are the defaults; any site may rename them (e.g. English).
 */

/** Machine state ids that mirror a Jira status. `sqlPending.failed` mirrors the same status as `sqlPending`. */
export const releaseStates = [
  'sqlPending',
  'sqlExecuting',
  'configExecuting',
  'codeExecuting',
  'uatComplete',
  'fixing',
  'prodUpgrade',
  'closed',
] as const;
export type ReleaseStateId = (typeof releaseStates)[number];

/** Stable keys of the workflow's transitions (the name is configuration, the key is code). */
export const jiraTransitionKeys = [
  'create', // 开始升级流程 (issue creation) -> sqlPending
  'submitSql', // 提交SQL: sqlPending -> sqlExecuting
  'noSql', // 无SQL升级/已升级: sqlPending -> configExecuting
  'triggerSubmitSql', // 触发提交SQL: sqlPending -> sqlPending
  'sqlSucceeded', // SQL升级成功: sqlExecuting -> configExecuting
  'sqlFailed', // SQL升级失败: sqlExecuting -> sqlPending
  'configSucceeded', // 配置升级成功: configExecuting -> codeExecuting
  'noConfig', // 无配置升级/已升级: configExecuting -> codeExecuting
  'configFailed', // 配置升级失败: configExecuting -> fixing
  'codeSucceeded', // 代码升级成功: codeExecuting -> uatComplete
  'noCode', // 无代码升级/已升级: codeExecuting -> uatComplete
  'codeFailed', // 代码升级失败: codeExecuting -> fixing
  'resubmitConfig', // 重新提交配置: fixing -> configExecuting
  'resubmitCode', // 重新提交代码: fixing -> codeExecuting
  'resubmitIteration', // 重新提交UAT迭代升级: fixing -> sqlPending
  'uatAutoIteration', // UAT自动迭代升级: uatComplete -> sqlPending
  'uatManualIteration', // UAT手动迭代升级: uatComplete -> fixing
  'promoteToProd', // 升级运营环境: uatComplete -> prodUpgrade
  'finish', // 升级结束: uatComplete -> closed
  'sqlUnfinished', // SQL未执行完成: configExecuting -> sqlExecuting (cdflow's own; optional, see below)
] as const;
export type JiraTransitionKey = (typeof jiraTransitionKeys)[number];

export interface JiraWorkflowNames {
  statuses: Record<ReleaseStateId, string>;
  transitions: Record<JiraTransitionKey, string>;
}

export const defaultJiraWorkflowNames: JiraWorkflowNames = {
  statuses: {
    sqlPending: 'SQL待执行',
    sqlExecuting: 'SQL执行中',
    configExecuting: 'CONFIG执行中',
    codeExecuting: 'CODE执行中',
    uatComplete: 'UAT升级完成',
    fixing: '开发/运维修改',
    prodUpgrade: '运营环境升级',
    closed: '升级流程结束',
  },
  transitions: {
    create: '开始升级流程',
    submitSql: '提交SQL',
    noSql: '无SQL升级/已升级',
    triggerSubmitSql: '触发提交SQL',
    sqlSucceeded: 'SQL升级成功',
    sqlFailed: 'SQL升级失败',
    configSucceeded: '配置升级成功',
    noConfig: '无配置升级/已升级',
    configFailed: '配置升级失败',
    codeSucceeded: '代码升级成功',
    noCode: '无代码升级/已升级',
    codeFailed: '代码升级失败',
    resubmitConfig: '重新提交配置',
    resubmitCode: '重新提交代码',
    resubmitIteration: '重新提交UAT迭代升级',
    uatAutoIteration: 'UAT自动迭代升级',
    uatManualIteration: 'UAT手动迭代升级',
    promoteToProd: '升级运营环境',
    finish: '升级结束',
    sqlUnfinished: 'SQL未执行完成',
  },
};

/**
 * The workflow graph by key: from-state, transition, to-state (issue creation has no from-state).
 *
 * `optional` marks a transition the original export does not have and a site may add: cdflow takes it
 * only when it decided a move by it, and walks the export's transitions when Jira does not offer it.
 * `sqlUnfinished` (SQL未执行完成, CONFIG执行中 → SQL执行中) takes the issue back when cdflow refuses a
 * person's SQL升级成功 (Archery does not show every order finished); without it the walk back goes
 * 配置升级失败 → 重新提交UAT迭代升级 → 提交SQL.
 */
export const jiraWorkflowGraph: ReadonlyArray<{
  key: JiraTransitionKey;
  from: ReleaseStateId | null;
  to: ReleaseStateId;
  optional?: true;
}> = [
  { key: 'create', from: null, to: 'sqlPending' },
  { key: 'submitSql', from: 'sqlPending', to: 'sqlExecuting' },
  { key: 'noSql', from: 'sqlPending', to: 'configExecuting' },
  { key: 'triggerSubmitSql', from: 'sqlPending', to: 'sqlPending' },
  { key: 'sqlSucceeded', from: 'sqlExecuting', to: 'configExecuting' },
  { key: 'sqlFailed', from: 'sqlExecuting', to: 'sqlPending' },
  { key: 'configSucceeded', from: 'configExecuting', to: 'codeExecuting' },
  { key: 'noConfig', from: 'configExecuting', to: 'codeExecuting' },
  { key: 'configFailed', from: 'configExecuting', to: 'fixing' },
  { key: 'codeSucceeded', from: 'codeExecuting', to: 'uatComplete' },
  { key: 'noCode', from: 'codeExecuting', to: 'uatComplete' },
  { key: 'codeFailed', from: 'codeExecuting', to: 'fixing' },
  { key: 'resubmitConfig', from: 'fixing', to: 'configExecuting' },
  { key: 'resubmitCode', from: 'fixing', to: 'codeExecuting' },
  { key: 'resubmitIteration', from: 'fixing', to: 'sqlPending' },
  { key: 'uatAutoIteration', from: 'uatComplete', to: 'sqlPending' },
  { key: 'uatManualIteration', from: 'uatComplete', to: 'fixing' },
  { key: 'promoteToProd', from: 'uatComplete', to: 'prodUpgrade' },
  { key: 'finish', from: 'uatComplete', to: 'closed' },
  { key: 'sqlUnfinished', from: 'configExecuting', to: 'sqlExecuting', optional: true },
];

/**
 * Machine states of a production release that have no UAT counterpart: waiting for an approval step,
 * rejected (final), production upgraded (运营升级完成). Their Jira statuses come from the release's own
 * production settings (`ProdSettings`), not from the UAT workflow's names.
 */
export const prodOnlyStates = ['prodApproval', 'prodRejected', 'prodComplete'] as const;
export type ProdOnlyStateId = (typeof prodOnlyStates)[number];

/** Any state a Jira issue can mirror: the UAT workflow's, or one only production has. */
export type JiraMirrorState = ReleaseStateId | ProdOnlyStateId;

/** Transitions only the production workflow has (their names are the release's production settings). */
export const prodTransitionKeys = [
  'approve', // the current approval step's transition (DBA审批通过, …): -> next step's status or SQL待执行
  'reject', // 审批驳回: an approval status -> 审批驳回
  'returnForApproval', // the step's return transition: a later status -> the step's status again
  'resubmitProdIteration', // 重新提交运营迭代升级: 开发/运维修改 -> SQL待执行
] as const;
export type ProdTransitionKey = (typeof prodTransitionKeys)[number];

/** A transition a `jira.moveTo` prefers: one of the UAT workflow's, or one only production has. */
export type JiraMoveKey = JiraTransitionKey | ProdTransitionKey;

export function isProdOnlyState(state: string): state is ProdOnlyStateId {
  return (prodOnlyStates as readonly string[]).includes(state);
}
