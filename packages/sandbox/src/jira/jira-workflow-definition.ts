/**
 * A Jira workflow as the simulator enforces it: statuses (Jira's global status objects, with their ids),
 * transitions with their action ids, the steps each leaves from, and optional group conditions. The UAT
 * workflow "cdflow" is built from the real export (`uatWorkflow`); the production one in
 * jira-prod-workflow.ts.
 */
import {
  defaultJiraWorkflowNames,
  type JiraTransitionKey,
  type JiraWorkflowNames,
  jiraWorkflowGraph,
  type ReleaseStateId,
} from '@cdflow/core';

export interface JiraSimStatus {
  /** The workflow's own key for the status (core's ReleaseStateId for the UAT workflow). */
  state: string;
  id: string;
  name: string;
  description: string;
  /** Jira status category: 2 new, 4 in progress, 3 done. */
  categoryId: 2 | 3 | 4;
}

export interface JiraSimTransition {
  key: string;
  id: string;
  name: string;
  /** The statuses it leaves from (several for a common transition); null for the initial action. */
  from: string[] | null;
  to: string;
  /** A "user is in group" condition: only members of one of these groups see and perform it. */
  groups?: readonly string[];
}

export interface JiraSimWorkflowDefinition {
  /** Jira's workflow id and name, as a post-function webhook reports them. */
  id: number;
  name: string;
  statuses: JiraSimStatus[];
  transitions: JiraSimTransition[];
}

export class JiraSimWorkflow {
  readonly id: number;
  readonly name: string;
  readonly statuses: JiraSimStatus[];
  readonly transitions: JiraSimTransition[];

  constructor(definition: JiraSimWorkflowDefinition) {
    this.id = definition.id;
    this.name = definition.name;
    this.statuses = definition.statuses;
    this.transitions = definition.transitions;
  }

  status(state: string): JiraSimStatus {
    const status = this.statuses.find((s) => s.state === state);
    if (!status) throw new Error(`workflow ${this.name} has no status ${state}`);
    return status;
  }

  hasStatus(state: string): boolean {
    return this.statuses.some((s) => s.state === state);
  }

  statusByName(name: string): JiraSimStatus | undefined {
    const lower = name.toLowerCase();
    return this.statuses.find((s) => s.name.toLowerCase() === lower || s.id === name);
  }

  /** The initial action (issue creation). */
  initial(): JiraSimTransition {
    const initial = this.transitions.find((t) => t.from === null);
    if (!initial) throw new Error(`workflow ${this.name} has no initial action`);
    return initial;
  }

  /** Transitions open from a status, in the workflow's order (creation is not one of them). */
  openFrom(state: string): JiraSimTransition[] {
    return this.transitions.filter((t) => t.from?.includes(state));
  }

  transitionById(id: string): JiraSimTransition | undefined {
    return this.transitions.find((t) => t.id === id);
  }
}

/** Status ids of the export (`jira.status.id` of each step). */
const uatStatusIds: Record<ReleaseStateId, { id: string; categoryId: 2 | 3 | 4; description: string }> = {
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
const uatTransitionIds: Array<[JiraTransitionKey, string]> = [
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

export const uatStatusIdOf = (state: ReleaseStateId) => uatStatusIds[state];

/**
 * The transition cdflow asks sites to add to the export's workflow: SQL未执行完成 (CONFIG执行中 → SQL执行中),
 * by which cdflow takes the issue back when it refuses a person's SQL升级成功 (Archery does not show
 * every order finished). Not in the export: its id is the sandbox's own.
 */
const sqlUnfinishedTransition: [JiraTransitionKey, string] = ['sqlUnfinished', '501'];

/**
 * The "cdflow" workflow of the export, with the site's names, plus SQL未执行完成 unless
 * `sqlUnfinished: false` (a site that did not add it: cdflow then walks back by the export's transitions).
 */
export function uatWorkflow(
  names: JiraWorkflowNames = defaultJiraWorkflowNames,
  options: { sqlUnfinished?: boolean } = {},
): JiraSimWorkflow {
  const ids =
    options.sqlUnfinished === false ? uatTransitionIds : [...uatTransitionIds, sqlUnfinishedTransition];
  return new JiraSimWorkflow({
    id: 10100,
    name: 'cdflow',
    statuses: (Object.keys(uatStatusIds) as ReleaseStateId[]).map((state) => ({
      state,
      name: names.statuses[state],
      ...uatStatusIds[state],
    })),
    transitions: ids.map(([key, id]) => {
      const edge = jiraWorkflowGraph.find((e) => e.key === key);
      if (!edge) throw new Error(`core's workflow graph has no transition ${key}`);
      return { key, id, name: names.transitions[key], from: edge.from ? [edge.from] : null, to: edge.to };
    }),
  });
}
