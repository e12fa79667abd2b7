/**
 * Plans a walk along the cdflow Jira workflow from one status name to another, using core's graph of
 * stable keys and the site's configured names, so a skipped stage is crossed by several transitions.
 */
import {
  type JiraTransitionKey,
  type JiraWorkflowNames,
  jiraWorkflowGraph,
  type ReleaseStateId,
} from '@cdflow/core';

export interface JiraPathStep {
  key: JiraTransitionKey;
  /** Configured transition name. */
  transition: string;
  /** Configured status name the step reaches. */
  to: string;
}

// Keys that cross a stage with nothing to do: when a walk passes through a stage, it is skipped.
const skipKeys: ReadonlySet<JiraTransitionKey> = new Set(['noSql', 'noConfig', 'noCode']);

/** The state id whose configured status name is `statusName`, or null when the name is not in the workflow. */
export function stateIdOfStatus(names: JiraWorkflowNames, statusName: string): ReleaseStateId | null {
  for (const [id, name] of Object.entries(names.statuses) as Array<[ReleaseStateId, string]>) {
    if (name === statusName) return id;
  }
  return null;
}

/**
 * Shortest walk from `fromStatus` to `toStatus` (empty when equal), or null when the workflow has none.
 * Stages the walk passes through prefer the "无…/已升级" skip transitions; the last step prefers
 * `preferTransition`. `walkOrigin` is where a walk resumed mid-way began (its stage is the one not skipped).
 * An optional transition (one a site may add, see core's `jiraWorkflowGraph`) is walked only as the last
 * step when `preferTransition` names it: a caller whose Jira lacks it plans again without a preference.
 */
export function planStatusPath(
  names: JiraWorkflowNames,
  fromStatus: string,
  toStatus: string,
  preferTransition?: string,
  walkOrigin: string = fromStatus,
): JiraPathStep[] | null {
  const from = stateIdOfStatus(names, fromStatus);
  const origin = stateIdOfStatus(names, walkOrigin) ?? from;
  const to = stateIdOfStatus(names, toStatus);
  if (from === null || to === null) return null;
  if (from === to) return [];

  // Breadth-first over states; edges are ranked so the preferred edge reaches each state first.
  const previous = new Map<ReleaseStateId, { from: ReleaseStateId; key: JiraTransitionKey }>();
  const queue: ReleaseStateId[] = [from];
  const seen = new Set<ReleaseStateId>([from]);
  while (queue.length > 0) {
    const state = queue.shift()!;
    const edges = jiraWorkflowGraph.filter(
      (e) =>
        e.from === state &&
        e.to !== state &&
        (e.optional !== true || (e.to === to && names.transitions[e.key] === preferTransition)),
    );
    const score = (edge: (typeof edges)[number]): number => {
      if (
        edge.to === to &&
        preferTransition !== undefined &&
        names.transitions[edge.key] === preferTransition
      ) {
        return 0;
      }
      // A stage the walk passes through (not the one it starts in) had nothing to do: it is skipped.
      if (state !== origin && skipKeys.has(edge.key)) return 1;
      return 2;
    };
    for (const edge of [...edges].sort((a, b) => score(a) - score(b))) {
      if (seen.has(edge.to)) continue;
      seen.add(edge.to);
      previous.set(edge.to, { from: state, key: edge.key });
      queue.push(edge.to);
    }
  }
  if (!previous.has(to)) return null;

  const steps: JiraPathStep[] = [];
  let cursor: ReleaseStateId = to;
  while (cursor !== from) {
    const step = previous.get(cursor)!;
    steps.unshift({ key: step.key, transition: names.transitions[step.key], to: names.statuses[cursor] });
    cursor = step.from;
  }
  return steps;
}
