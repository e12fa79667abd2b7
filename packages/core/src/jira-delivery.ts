/**
 * What a Jira webhook delivery means for a release (rule 8). The delivery is only a hint: the host
 * re-reads the issue and asks `interpretJiraDelivery(release, hint, jiraNow)`, which answers one of:
 * - `in-sync`: Jira already shows the machine's status (an echo, a duplicate or a late delivery);
 * - `echo`: cdflow's own move;
 * - `ignored`: a status or move outside the cdflow workflow (recorded, nothing else);
 * - `refused`: a person's move the machine does not allow now, with the comment that answers it;
 * - `event`: a person's decision to apply; `catchUp` when Jira already shows a further move, which the
 *   host interprets again (hint `null`) once the event is applied.
 */
import { interpretJiraChange, type JiraChange, jiraStatusForState } from './jira-status-mapping.js';
import { defaultJiraWorkflowNames, type JiraWorkflowNames } from './jira-workflow.js';
import { jiraMoveRefusedComment } from './release-comments.js';
import type { PersonEvent } from './release-events.js';
import type { ReleaseContext } from './release-types.js';

/** The release as it is now (`describeRelease`). */
export interface DeliveredRelease {
  state: string;
  context: ReleaseContext;
  acceptedEvents: readonly string[];
}

/** What the delivery says happened (a hint: Jira may be further on by now). */
export interface JiraDeliveryHint {
  /** The status change of the changelog, or of a post-function's `transition`; null when none. */
  change: { from: string; to: string } | null;
  /** The transition's name, when the delivery names it (post-function webhooks do). */
  transitionName?: string | null;
  /** Who made the change (Jira user name), or a description when nobody is known. */
  by: string | null;
}

export interface JiraDeliveryOptions {
  names?: JiraWorkflowNames;
  /** The Jira user cdflow acts as: its moves are echoes. */
  cdflowUser?: string;
}

export type JiraDeliveryInterpretation =
  | { kind: 'in-sync' }
  | { kind: 'echo'; change: JiraChange }
  | { kind: 'ignored'; change: JiraChange; reason: string }
  | { kind: 'refused'; change: JiraChange; reason: string; comment: string }
  | {
      kind: 'event';
      change: JiraChange;
      event: PersonEvent;
      catchUp: boolean;
      /**
       * The event is a step Jira took before the delivery's own change (whose delivery has not arrived):
       * once it is applied, the same delivery is interpreted again and its own change applies.
       */
      replay?: true;
    };

/** Who a step is attributed to when only a re-read of Jira showed it (its delivery has not arrived). */
export const seenOnReadingJira = 'unknown (seen on re-reading Jira)';

export function interpretJiraDelivery(
  release: DeliveredRelease,
  hint: JiraDeliveryHint,
  jiraNow: string,
  options: JiraDeliveryOptions = {},
): JiraDeliveryInterpretation {
  const names = options.names ?? defaultJiraWorkflowNames;
  const machineStatus = jiraStatusForState(release.state, names);
  if (jiraNow === machineStatus) return { kind: 'in-sync' };
  const by = hint.by ?? 'unknown';
  const mirror = release.context.jiraMirror;
  // Where cdflow last put the issue: the person's move starts there.
  const from = mirror ? jiraStatusForState(mirror, names) : (hint.change?.from ?? machineStatus);
  const current = { state: release.state, context: release.context };
  const mapping = { names, ...(options.cdflowUser === undefined ? {} : { cdflowUser: options.cdflowUser }) };
  // The delivery's own change, when it starts where the release is, says exactly what the person did
  // (Jira may show more since: two quick moves). It comes first; the re-read status is caught up after.
  const own = hint.change;
  if (own !== null && own.from === from && own.to !== from) {
    const change = { from, to: own.to, by };
    const step = interpretJiraChange(
      current,
      { ...change, transitionName: hint.transitionName ?? null },
      mapping,
    );
    if (step.kind === 'event')
      return { kind: 'event', change, event: step.event, catchUp: own.to !== jiraNow };
  }
  // A change that starts elsewhere and ends where Jira is now: Jira went from the mirror to its start
  // first (deliveries race; that one has not arrived). That step is the person's first decision; the
  // delivery's own change is interpreted after it.
  if (own !== null && own.from !== from && own.to === jiraNow && own.to !== from && own.from !== own.to) {
    const change = { from, to: own.from, by: seenOnReadingJira };
    const step = interpretJiraChange(current, { ...change, transitionName: null }, mapping);
    if (step.kind === 'event')
      return { kind: 'event', change, event: step.event, catchUp: true, replay: true };
  }
  // Otherwise (out of order, or no usable change) the re-read status is interpreted from the mirror.
  const change = { from, to: jiraNow, by };
  const read = interpretJiraChange(current, change, mapping);
  switch (read.kind) {
    case 'echo':
      return { kind: 'echo', change };
    case 'ignored':
      return { kind: 'ignored', change, reason: read.reason };
    case 'refused':
      return {
        kind: 'refused',
        change,
        reason: read.reason,
        comment: jiraMoveRefusedComment({
          state: release.state,
          change,
          reason: read.reason,
          acceptedEvents: release.acceptedEvents,
          names,
        }),
      };
    case 'event':
      return { kind: 'event', change, event: read.event, catchUp: false };
  }
}

/**
 * The comment answering a person's move that mapped to an event the machine then refused (`decide`'s
 * refusal): the same text as a refused move.
 */
export function jiraDecisionRefusedComment(
  release: DeliveredRelease,
  change: JiraChange,
  refusal: { message: string; acceptedEvents: readonly string[] },
  names: JiraWorkflowNames = defaultJiraWorkflowNames,
): string {
  return jiraMoveRefusedComment({
    state: release.state,
    change,
    reason: refusal.message,
    acceptedEvents: refusal.acceptedEvents,
    names,
  });
}
