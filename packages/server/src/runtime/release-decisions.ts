/**
 * How the runtime's collaborators (the Jira delivery processor, the outcome recorder) write what they
 * decide: through the runtime's own commit, so that a decision is written one way only, in one
 * transaction, and its effects and timers are started after it. Called inside the release's queue slot.
 */
import type { Decision, NormalizedRequest, ReleaseEffect, ReleaseEvent } from '@cdflow/core';
import type { AuditInput, DecisionWrite, EffectCompletion } from '../store/release-repository.js';
import type { ReleaseHead } from './release-heads.js';

export interface ApplyMeta {
  source: string;
  actor: string;
  completeEffect?: DecisionWrite['completeEffect'];
  firedTimer?: DecisionWrite['firedTimer'];
  finishDelivery?: (decision: Decision) => DecisionWrite['finishDelivery'];
  /** Extra effects written with the decision (e.g. a Jira comment answering a refused move). */
  extraEffects?: (decision: Decision) => ReleaseEffect[];
  /** Failed outbox rows the decision runs again (a person's retry), given the decision. */
  requeueEffects?: (decision: Decision) => number[];
  extraAudit?: AuditInput[];
  /** The effect outcome that caused the event: recorded in the decision's own history row (one row). */
  effect?: Record<string, unknown>;
  /** Keep the request body when the decision accepts it (intake). */
  request?: { by: string; body: NormalizedRequest };
  /**
   * false for internal work that would simply be done again after a power loss (an effect's outcome, a
   * timer firing): committed without fsync, which still survives kill -9. Default true (a person's
   * decision, a request, a delivery: acknowledged to someone).
   */
  durable?: boolean;
}

/** A write that decides no event: its effects are given as core's effects and split on commit. */
export type WriteWithoutEvent = Omit<DecisionWrite, 'effects' | 'scheduleTimers' | 'cancelTimers'>;

export interface ReleaseDecisions {
  /**
   * Run `task` holding the release: one task at a time per release in this process (in arrival order)
   * and, when replicas share the store, across all of them (the store's release lock). `apply` and
   * `commit` of that release must run inside.
   */
  exclusive<T>(releaseId: string, task: () => Promise<T> | T): Promise<T>;
  /** One task at a time per release in this process, in arrival order (no store lock: upstream calls go here). */
  serial<T>(releaseId: string, task: () => Promise<T> | T): Promise<T>;
  /** Hold the store's lock on the release (replicas) for `task`; call it inside `serial`. */
  locked<T>(releaseId: string, task: () => Promise<T> | T): Promise<T>;
  /** The release's head to decide on (checked against the store when replicas share it). Inside `locked`. */
  head(releaseId: string): Promise<ReleaseHead | undefined>;
  /**
   * Decide `event` on the release and commit the decision. Must run inside the release's exclusive
   * section. A refused event changes nothing but is recorded.
   */
  apply(releaseId: string, event: ReleaseEvent, meta: ApplyMeta): Promise<Decision>;
  /** Commit a write that decides no event (e.g. an echo, or a refused move and its comment), then run `effects`. */
  commit(write: WriteWithoutEvent, effects: ReleaseEffect[]): Promise<void>;
  /**
   * Keep the outcome of an effect that brings no event (its history row, its finished outbox row) for
   * the release's next write, which records it first; the effect leaves the queue in memory now. Only
   * for effects that look before they act (`outcomeMayWait`), in one process. Inside the exclusive section.
   */
  carry(releaseId: string, entry: AuditInput, completion: EffectCompletion): void;
}
