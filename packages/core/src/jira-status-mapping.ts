/**
 * Between machine states and Jira statuses (rule 8): the status a state mirrors, and what a person's
 * status change in Jira means for the machine.
 */

import {
  defaultJiraWorkflowNames,
  type JiraMoveKey,
  type JiraWorkflowNames,
  jiraWorkflowGraph,
  prodOnlyStates,
  type ReleaseStateId,
  releaseStates,
} from './jira-workflow.js';
import { interpretProdJiraChange } from './prod-jira-mapping.js';
import { defaultProdApprovals, defaultProdJiraNames, isProdRelease, prodJiraStatus } from './prod-release.js';
import { canAccept } from './release-decision.js';
import type { PersonEvent } from './release-events.js';
import type { ReleaseContext } from './release-types.js';

/** Production-only states' statuses when no release says (its settings name them). */
function prodOnlyDefault(top: string): string | undefined {
  if (top === 'prodApproval') return defaultProdApprovals[0]?.status;
  if (top === 'prodRejected') return defaultProdJiraNames().rejectedStatus;
  if (top === 'prodComplete') return defaultProdJiraNames().completeStatus;
  return undefined;
}

/**
 * The Jira status name a machine state mirrors (`sqlPending.failed` → SQL待执行). With the release's
 * `context`, a production release answers its own workflow's status (the approval step it waits for,
 * 运营升级完成, 审批驳回).
 */
export function jiraStatusForState(
  state: string,
  names: JiraWorkflowNames = defaultJiraWorkflowNames,
  context?: ReleaseContext,
): string {
  if (context && isProdRelease(context)) return prodJiraStatus(state, context);
  const top = state.split('.')[0] as ReleaseStateId;
  const name = names.statuses[top] ?? prodOnlyDefault(top);
  if (name === undefined)
    throw new Error(
      `Unknown release state "${state}": expected one of ${[...releaseStates, ...prodOnlyStates].join(', ')}`,
    );
  return name;
}

/** The Jira status a release mirrors now (a production release's from its own workflow). */
export function jiraStatusOf(
  release: { state: string; context: ReleaseContext },
  names: JiraWorkflowNames = defaultJiraWorkflowNames,
): string {
  return jiraStatusForState(release.state, names, release.context);
}

/** The Jira transition each person event stands for (the console and the operator API name them so). */
export const jiraTransitionOfPersonEvent: Readonly<Record<PersonEvent['type'], JiraMoveKey>> = {
  RETRY_SQL_SUBMIT: 'triggerSubmitSql',
  SQL_CONFIRMED: 'sqlSucceeded',
  SQL_REPORTED_FAILED: 'sqlFailed',
  CONFIG_CONFIRMED: 'configSucceeded',
  CONFIG_REPORTED_FAILED: 'configFailed',
  RESUBMIT_CONFIG: 'resubmitConfig',
  RESUBMIT_CODE: 'resubmitCode',
  RESUBMIT_ITERATION: 'resubmitIteration',
  UAT_AUTO_ITERATION: 'uatAutoIteration',
  UAT_MANUAL_ITERATION: 'uatManualIteration',
  PROMOTE_TO_PROD: 'promoteToProd',
  FINISH: 'finish',
  PROD_APPROVED: 'approve',
  PROD_REJECTED: 'reject',
};

/** Transitions a person takes in Jira, as machine events; the others are cdflow's own automatic steps. */
const personTransitions = Object.fromEntries(
  Object.entries(jiraTransitionOfPersonEvent).map(([event, key]) => [key, event]),
) as Partial<Record<string, PersonEvent['type']>>;

export type JiraChangeInterpretation =
  | { kind: 'echo' }
  | { kind: 'event'; event: PersonEvent }
  | { kind: 'refused'; reason: string }
  | { kind: 'ignored'; reason: string };

export interface JiraChange {
  from: string;
  to: string;
  by: string;
  /**
   * The transition's name when the delivery names it (post-function webhooks). Two transitions can
   * join the same statuses (配置升级成功 and 无配置升级/已升级): the name tells them apart.
   */
  transitionName?: string | null;
}

function stateForStatus(status: string, names: JiraWorkflowNames): ReleaseStateId | undefined {
  return releaseStates.find((s) => names.statuses[s] === status);
}

/**
 * Rule 8: a change by cdflow's own user, or to the status the release mirrors now, is an echo; a
 * person's (from, to) maps to an event along the workflow graph; a mapped event the machine would not
 * accept now is refused (the host records it and answers with a Jira comment).
 */
export function interpretJiraChange(
  current: { state: string; context: ReleaseContext },
  change: JiraChange,
  options: { names?: JiraWorkflowNames; cdflowUser?: string } = {},
): JiraChangeInterpretation {
  const names = options.names ?? defaultJiraWorkflowNames;
  if (isProdRelease(current.context)) {
    return interpretProdJiraChange(current, change, {
      ...(options.cdflowUser === undefined ? {} : { cdflowUser: options.cdflowUser }),
      canAccept: (event) => canAccept(current, event),
    });
  }
  if (options.cdflowUser !== undefined && change.by === options.cdflowUser) return { kind: 'echo' };
  const from = stateForStatus(change.from, names);
  const to = stateForStatus(change.to, names);
  if (!from || !to) {
    const unknown = !from ? change.from : change.to;
    return { kind: 'ignored', reason: `status "${unknown}" is not a status of the cdflow workflow` };
  }
  const mirrored = current.context.jiraMirror ?? current.state.split('.')[0];
  if (from !== to && to === mirrored) return { kind: 'echo' };
  const edges = jiraWorkflowGraph.filter((e) => e.from === from && e.to === to);
  const named = change.transitionName
    ? edges.find((e) => names.transitions[e.key] === change.transitionName)
    : undefined;
  // A person's 无配置升级/已升级 joins the same statuses as 配置升级成功 and means the same decision.
  const edge =
    (named && personTransitions[named.key] ? named : undefined) ??
    edges.find((e) => personTransitions[e.key] !== undefined) ??
    edges[0];
  if (!edge) {
    return {
      kind: 'ignored',
      reason: `${change.from} → ${change.to} is not a transition of the cdflow workflow`,
    };
  }
  const eventType = personTransitions[edge.key];
  const transitionName = names.transitions[edge.key];
  if (!eventType) {
    return {
      kind: 'refused',
      reason: `${transitionName} (${change.from} → ${change.to}) is a step cdflow takes itself; it was not applied`,
    };
  }
  const event = { type: eventType, by: change.by } as PersonEvent;
  if (!canAccept(current, event)) {
    return {
      kind: 'refused',
      reason:
        `${transitionName} (${change.from} → ${change.to}) by ${change.by} is not allowed now: the release is in ` +
        `${jiraStatusForState(current.state, names)} (${current.state}); it was not applied`,
    };
  }
  return { kind: 'event', event };
}
