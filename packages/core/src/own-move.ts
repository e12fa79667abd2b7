/**
 * Which walks cdflow may take on its own when it mirrors the machine in Jira. A decided move goes
 * forward (stages confirmed or skipped) and ends with the transition it was decided by. When Jira is
 * somewhere that walk does not start from, a person moved the issue meanwhile: cdflow leaves it there
 * (their webhook brings the decision) rather than walking it through failure or iteration transitions
 * nobody chose.
 */
import {
  defaultJiraWorkflowNames,
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
