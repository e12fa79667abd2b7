/**
 * Which walks cdflow may take on its own when it mirrors the machine in Jira. A decided move goes
 * forward (stages confirmed or skipped) and ends with the transition it was decided by. When Jira is
 * somewhere that walk does not start from, a person moved the issue meanwhile: cdflow leaves it there
 * (their webhook brings the decision) rather than walking it through failure or iteration transitions
 * nobody chose.
 */
import {
  defaultJiraWorkflowNames,
  isProdOnlyState,
  type JiraMirrorState,
  type JiraMoveKey,
  type JiraTransitionKey,
  type JiraWorkflowNames,
  jiraWorkflowGraph,
  type ReleaseStateId,
} from './jira-workflow.js';

/** Transitions that only move a release forward: a stage confirmed, or skipped with nothing to do. */
const forwardKeys: ReadonlySet<JiraTransitionKey> = new Set([
  'submitSql',
  'noSql',
  'sqlSucceeded',
  'configSucceeded',
  'noConfig',
  'codeSucceeded',
  'noCode',
]);

/** Whether cdflow may walk the issue from `current` to `target` for a move decided `via` a transition. */
export function mayMoveIssue(
  current: ReleaseStateId,
  target: ReleaseStateId,
  via: JiraTransitionKey,
): boolean {
  if (current === target) return true;
  const last = jiraWorkflowGraph.find((e) => e.key === via && e.to === target);
  if (last?.from == null) return false;
  const reached = new Set<ReleaseStateId>([current]);
  const queue: ReleaseStateId[] = [current];
  while (queue.length > 0) {
    const state = queue.shift()!;
    for (const edge of jiraWorkflowGraph) {
      if (edge.from !== state || !forwardKeys.has(edge.key) || reached.has(edge.to)) continue;
      reached.add(edge.to);
      queue.push(edge.to);
    }
  }
  return reached.has(last.from);
}

function isJiraTransitionKey(key: JiraMoveKey): key is JiraTransitionKey {
  return jiraWorkflowGraph.some((e) => e.key === key);
}

/** The release state a Jira status name mirrors, or null when the name is not in the workflow. */
export function releaseStateOfJiraStatus(
  status: string,
  names: JiraWorkflowNames = defaultJiraWorkflowNames,
): ReleaseStateId | null {
  for (const [state, name] of Object.entries(names.statuses) as Array<[ReleaseStateId, string]>) {
    if (name === status) return state;
  }
  return null;
}

/** What cdflow does with a decided `jira.moveTo` once it has read where the issue is. */
export type JiraMoveDecision =
  | { kind: 'move' }
  /** Wait once for a person's webhook: a newer decision may supersede this move. */
  | { kind: 'defer'; reason: string }
  /** Leave the issue where it is: the Jira reconciliation reads it as a person's decision. */
  | { kind: 'leave'; reason: string };

/**
 * The walk-back rule. cdflow's move would walk the issue back over a status a person may just have
 * chosen (`mayMoveIssue` says no): on the first attempt, wait for their webhook. After that, if a webhook
 * did show cdflow that status (the person's move was decided on), the machine's truth wins and the issue
 * is walked back; if none did, the move is left undone for the reconciliation to read as their decision.
 */
export function jiraMoveDecision(input: {
  /** The issue's status now, as Jira answers it. */
  jiraNow: string;
  target: JiraMirrorState;
  via: JiraMoveKey;
  /** Attempts of this move made before (0 on the first). */
  attempts: number;
  /** The status the newest processed webhook of the issue showed cdflow, or null when none did. */
  lastSeenByWebhook: string | null;
  names?: JiraWorkflowNames;
}): JiraMoveDecision {
  const names = input.names ?? defaultJiraWorkflowNames;
  // A production move to an approval step, 审批驳回 or 运营升级完成 is decided on a person's move cdflow
  // has seen (an approval, a refused one, a rejection) or ends its stage: it never walks over another.
  if (isProdOnlyState(input.target) || !isJiraTransitionKey(input.via)) return { kind: 'move' };
  const now = releaseStateOfJiraStatus(input.jiraNow, names);
  if (now === null || mayMoveIssue(now, input.target, input.via)) return { kind: 'move' };
  const target = names.statuses[input.target];
  if (input.attempts === 0) {
    return {
      kind: 'defer',
      reason: `Jira shows ${input.jiraNow}, beyond this move to ${target}: waiting for a person's webhook before walking it back`,
    };
  }
  if (input.lastSeenByWebhook !== input.jiraNow) {
    return {
      kind: 'leave',
      reason: `Jira shows ${input.jiraNow}, which no webhook reported: left for the reconciliation to read as a person's decision`,
    };
  }
  return { kind: 'move' };
}

/**
 * The status and transition names of a `jira.moveTo`: a production release's move names its own (its
 * workflow's); a UAT release's come from the site's names.
 */
export function jiraMoveNames(
  effect: { state: JiraMirrorState; via: JiraMoveKey; status?: string; transition?: string },
  names: JiraWorkflowNames = defaultJiraWorkflowNames,
): { status: string; transition: string } {
  return {
    status: effect.status ?? names.statuses[effect.state as ReleaseStateId] ?? effect.state,
    transition: effect.transition ?? names.transitions[effect.via as JiraTransitionKey] ?? effect.via,
  };
}
