/**
 * The "cdflow" workflow as the real Jira export defines it (fixtures: status ids per step, action ids per
 * transition), with names taken from the site's configuration so an English-named instance can be simulated.
 */
import {
  defaultJiraWorkflowNames,
  type JiraTransitionKey,
  type JiraWorkflowNames,
  jiraWorkflowGraph,
  type ReleaseStateId,
} from '@cdflow/core';

export interface JiraSimStatus {
  state: ReleaseStateId;
  id: string;
  name: string;
  description: string;
  /** Jira status category: 2 new, 4 in progress, 3 done. */
  categoryId: 2 | 3 | 4;
}

export interface JiraSimTransition {
  key: JiraTransitionKey;
  id: string;
  name: string;
  from: ReleaseStateId | null;
  to: ReleaseStateId;
}

/** Status ids of the export (`jira.status.id` of each step). */
const statusIds: Record<ReleaseStateId, { id: string; categoryId: 2 | 3 | 4; description: string }> = {
  sqlPending: { id: '1', categoryId: 2, description: '' },
  sqlExecuting: { id: '10009', categoryId: 4, description: 'DBA执行SQL，执行完手动点击通过状态' },
  configExecuting: { id: '10008', categoryId: 4, description: '人工执行配置文件变更操作' },
  codeExecuting: { id: '10010', categoryId: 4, description: '调用cmdb升级代码' },
  uatComplete: { id: '10011', categoryId: 3, description: '' },
  fixing: { id: '10005', categoryId: 4, description: '' },
  prodUpgrade: { id: '10012', categoryId: 2, description: '' },
  closed: { id: '10001', categoryId: 3, description: '' },
};

/** Action ids of the export; the order is the export's order within each step (Jira lists them so). */
const transitionIds: Array<[JiraTransitionKey, string]> = [
  ['create', '1'],
  ['submitSql', '11'],
  ['noSql', '91'],
  ['triggerSubmitSql', '291'],
  ['resubmitConfig', '221'],
  ['resubmitCode', '231'],
  ['resubmitIteration', '251'],
  ['noConfig', '141'],
  ['configFailed', '191'],
  ['configSucceeded', '271'],
  ['sqlSucceeded', '121'],
  ['sqlFailed', '131'],
  ['noCode', '151'],
  ['codeFailed', '201'],
  ['codeSucceeded', '281'],
  ['promoteToProd', '181'],
  ['finish', '241'],
  ['uatManualIteration', '261'],
  ['uatAutoIteration', '301'],
];

export class JiraSimWorkflow {
  readonly statuses: JiraSimStatus[];
  readonly transitions: JiraSimTransition[];

  constructor(readonly names: JiraWorkflowNames = defaultJiraWorkflowNames) {
    this.statuses = (Object.keys(statusIds) as ReleaseStateId[]).map((state) => ({
      state,
      name: names.statuses[state],
      ...statusIds[state],
    }));
    this.transitions = transitionIds.map(([key, id]) => {
      const edge = jiraWorkflowGraph.find((e) => e.key === key)!;
      return { key, id, name: names.transitions[key], from: edge.from, to: edge.to };
    });
  }

  status(state: ReleaseStateId): JiraSimStatus {
    return this.statuses.find((s) => s.state === state)!;
  }

  statusByName(name: string): JiraSimStatus | undefined {
    const lower = name.toLowerCase();
    return this.statuses.find((s) => s.name.toLowerCase() === lower || s.id === name);
  }

  /** Transitions open from a status, in the export's order (creation is not one of them). */
  openFrom(state: ReleaseStateId): JiraSimTransition[] {
    return this.transitions.filter((t) => t.from === state);
  }

  transitionById(id: string): JiraSimTransition | undefined {
    return this.transitions.find((t) => t.id === id);
  }
}
