/**
 * A committed decision as Stately inspection records: the release is an actor (its session id is the
 * release id, its definition the release machine, so the inspector draws the chart), each decided event
 * an `@xstate.event`, each accepted decision an `@xstate.snapshot` with the state value and context.
 * Core stays pure: these records are built from what the runtime committed, not from a running actor.
 */
import {
  type Decision,
  describeRelease,
  type ReleaseEvent,
  releaseMachine,
  stateValueOf,
} from '@cdflow/core';
import type { createInspector } from '@statelyai/inspect';

export type StatelyInspector = Pick<ReturnType<typeof createInspector>, 'actor' | 'event' | 'snapshot'>;

/** What a decision looks like to the inspector: the machine's snapshot shape (done once final). */
export function inspectedSnapshot(decision: Pick<Decision, 'state' | 'context' | 'next'>) {
  // The snapshot `decide` returned is cached by core: describing it costs no second resolve.
  const final = describeRelease(decision.next).final;
  return {
    status: final ? ('done' as const) : ('active' as const),
    value: stateValueOf(decision.state),
    context: decision.context,
  };
}

/**
 * The actor the inspector registers: @statelyai/inspect reads the definition from `logic.config` of
 * an actor ref, so the release is presented as one (it is never started: no actor runs in cdflow).
 */
function releaseActorRef(releaseId: string) {
  return {
    id: releaseId,
    sessionId: releaseId,
    logic: releaseMachine,
    send: () => undefined,
    getSnapshot: () => undefined,
    subscribe: () => ({ unsubscribe: () => undefined }),
  } as unknown as Parameters<StatelyInspector['actor']>[0];
}

export interface InspectedDecision {
  releaseId: string;
  /** The event decided; null for the release's first decision. */
  event: ReleaseEvent | null;
  decision: Pick<Decision, 'accepted' | 'state' | 'context' | 'next'>;
  /** Who sent it (the history's source: intake, jira, operator, runner, system), when known. */
  source?: string;
}

/**
 * Send the records of one decision. `announce` registers the release first (its first decision, or the
 * first one since the inspector connected).
 */
export function inspectDecision(
  inspector: StatelyInspector,
  item: InspectedDecision,
  announce: boolean,
): void {
  const snapshot = inspectedSnapshot(item.decision);
  if (announce) inspector.actor(releaseActorRef(item.releaseId), snapshot);
  const event = item.event ?? { type: 'xstate.init' };
  inspector.event(item.releaseId, event, item.source ? { source: item.source } : {});
  // A refused event leaves the release as it was: the inspector shows the event, no new snapshot.
  if (item.decision.accepted) inspector.snapshot(item.releaseId, snapshot, { event });
}
