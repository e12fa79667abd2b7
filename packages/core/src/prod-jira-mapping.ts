/**
 * The production Jira workflow ("cdflow-prod") as a release sees it: its statuses and transitions by
 * name, built from the release's own production settings (the approval steps are configuration), and
 * what a person's status change there means for the machine (rule 8, as for UAT).
 */
import type { JiraChange, JiraChangeInterpretation } from './jira-status-mapping.js';
import { jiraWorkflowGraph, type ReleaseStateId } from './jira-workflow.js';
import { prodJiraStatus } from './prod-release.js';
import type { PersonEvent } from './release-events.js';
import type { ReleaseContext } from './release-types.js';

/** One transition of a release's production workflow; `event`: the person's decision it stands for. */
export interface ProdJiraEdge {
  from: string;
  to: string;
  transition: string;
  event: PersonEvent['type'] | null;
}

/** Stage states production shares with UAT (same Jira statuses, same transitions among them). */
const sharedStates: ReadonlySet<ReleaseStateId> = new Set([
  'sqlPending',
  'sqlExecuting',
  'configExecuting',
  'codeExecuting',
  'fixing',
]);

/** UAT transitions among the shared stages that a person takes, and the decision each stands for. */
const sharedPersonEvents: Partial<Record<string, PersonEvent['type']>> = {
  triggerSubmitSql: 'RETRY_SQL_SUBMIT',
  sqlSucceeded: 'SQL_CONFIRMED',
  sqlFailed: 'SQL_REPORTED_FAILED',
  configSucceeded: 'CONFIG_CONFIRMED',
  configFailed: 'CONFIG_REPORTED_FAILED',
  resubmitConfig: 'RESUBMIT_CONFIG',
  resubmitCode: 'RESUBMIT_CODE',
};

/** Every transition of the release's production workflow, by status names. */
export function prodJiraEdges(context: ReleaseContext): ProdJiraEdge[] {
  const prod = context.settings.prod;
  if (!prod) return [];
  const statuses = prod.jira.shared.statuses;
  const transitions = prod.jira.shared.transitions;
  const steps = prod.approvals;
  const edges: ProdJiraEdge[] = [];
  steps.forEach((step, i) => {
    const next = steps[i + 1]?.status ?? statuses.sqlPending;
    edges.push({ from: step.status, to: next, transition: step.transition, event: 'PROD_APPROVED' });
    edges.push({
      from: step.status,
      to: prod.jira.rejectedStatus,
      transition: prod.jira.rejectTransition,
      event: 'PROD_REJECTED',
    });
    for (const later of [...steps.slice(i + 1).map((s) => s.status), statuses.sqlPending]) {
      edges.push({ from: later, to: step.status, transition: step.returnTransition, event: null });
    }
  });
  for (const edge of jiraWorkflowGraph) {
    if (edge.from === null || !sharedStates.has(edge.from) || !sharedStates.has(edge.to)) continue;
    if (edge.key === 'resubmitIteration') continue;
    edges.push({
      from: statuses[edge.from],
      to: statuses[edge.to],
      transition: transitions[edge.key],
      event: sharedPersonEvents[edge.key] ?? null,
    });
  }
  edges.push(
    {
      from: statuses.fixing,
      to: statuses.sqlPending,
      transition: prod.jira.resubmitIterationTransition,
      event: 'RESUBMIT_ITERATION',
    },
    {
      from: statuses.codeExecuting,
      to: prod.jira.completeStatus,
      transition: transitions.codeSucceeded,
      event: null,
    },
    {
      from: statuses.codeExecuting,
      to: prod.jira.completeStatus,
      transition: transitions.noCode,
      event: null,
    },
    { from: prod.jira.completeStatus, to: statuses.closed, transition: transitions.finish, event: 'FINISH' },
  );
  return edges;
}

/** The step an approval status belongs to. */
function stepOfStatus(context: ReleaseContext, status: string): string | undefined {
  return context.settings.prod?.approvals.find((s) => s.status === status)?.key;
}

/** The status cdflow last put the production issue in. */
export function prodMirroredStatus(release: { state: string; context: ReleaseContext }): string {
  const c = release.context;
  return c.jiraMirrorStatus ?? prodJiraStatus(c.jiraMirror ?? release.state, c);
}

/**
 * Rule 8 for a production release: cdflow's own move, or one to the status it mirrors, is an echo; a
 * person's move along the production workflow is their decision (an approval carries no groups yet:
 * the host looks them up in Jira before deciding); a move cdflow takes itself, or one the machine would
 * not accept now, is refused.
 */
export function interpretProdJiraChange(
  current: { state: string; context: ReleaseContext },
  change: JiraChange,
  options: { cdflowUser?: string; canAccept: (event: PersonEvent) => boolean },
): JiraChangeInterpretation {
  if (options.cdflowUser !== undefined && change.by === options.cdflowUser) return { kind: 'echo' };
  const mirrored = prodMirroredStatus(current);
  if (change.from !== change.to && change.to === mirrored) return { kind: 'echo' };
  const all = prodJiraEdges(current.context);
  const known = new Set(all.flatMap((e) => [e.from, e.to]));
  if (!known.has(change.from) || !known.has(change.to)) {
    const unknown = !known.has(change.from) ? change.from : change.to;
    return { kind: 'ignored', reason: `status "${unknown}" is not a status of the production workflow` };
  }
  const edges = all.filter((e) => e.from === change.from && e.to === change.to);
  const named = change.transitionName ? edges.find((e) => e.transition === change.transitionName) : undefined;
  const edge = (named?.event ? named : undefined) ?? edges.find((e) => e.event !== null) ?? edges[0];
  if (!edge) {
    return {
      kind: 'ignored',
      reason: `${change.from} → ${change.to} is not a transition of the production workflow`,
    };
  }
  if (edge.event === null) {
    return {
      kind: 'refused',
      reason: `${edge.transition} (${change.from} → ${change.to}) is a step cdflow takes itself; it was not applied`,
    };
  }
  const by = change.by;
  const step = stepOfStatus(current.context, change.from);
  const event: PersonEvent =
    edge.event === 'PROD_APPROVED'
      ? { type: 'PROD_APPROVED', by, via: 'jira', groups: [], ...(step ? { step } : {}) }
      : edge.event === 'PROD_REJECTED'
        ? { type: 'PROD_REJECTED', by, via: 'jira', groups: [] }
        : ({ type: edge.event, by } as PersonEvent);
  if (!options.canAccept(event)) {
    return {
      kind: 'refused',
      reason:
        `${edge.transition} (${change.from} → ${change.to}) by ${by} is not allowed now: the release is in ` +
        `${prodJiraStatus(current.state, current.context)} (${current.state}); it was not applied`,
    };
  }
  return { kind: 'event', event };
}

/** The moves a person may make from where the production release is (for the comment answering a refused one). */
export function prodMovesFrom(release: { state: string; context: ReleaseContext }): string[] {
  const status = prodJiraStatus(release.state, release.context);
  return prodJiraEdges(release.context)
    .filter((e) => e.from === status && e.event !== null)
    .map((e) => `${e.transition} → ${e.to}`);
}
