/** What `decide` and `startRelease` return, and how a snapshot is persisted. */
import type { ReleaseEffect } from './release-effects.js';
import type { ReleaseContext } from './release-types.js';

/** A persisted release snapshot: the machine's version plus XState's persisted snapshot (plain JSON). */
export interface PersistedRelease {
  machineVersion: number;
  /** `releaseMachine`'s persisted snapshot (`getPersistedSnapshot`), JSON-serialisable. */
  snapshot: unknown;
}

export interface Refusal {
  /** Current state as docs/product.md names it, e.g. `sqlExecuting` or `sqlPending.failed`. */
  state: string;
  /** Event types the current state accepts. */
  acceptedEvents: string[];
  /** A sentence for an operator: why and what to do (e.g. when to retry). */
  message: string;
  /**
   * A refusal with a reason of its own (a production approval by someone outside the step's group,
   * twice, by the publisher; a promotion without production upstreams): a stable code the API answers
   * with, and whether it is about who asked (403) rather than when (409).
   */
  code?: string;
  forbidden?: boolean;
  /**
   * Why, as a host answers it: `final` (the release ended: closed, or handed to production — nothing it
   * takes any more), `mid-stage` (a new request while a stage runs: retry when it ends), `not-accepted`
   * (the state takes other events).
   */
  kind: 'final' | 'mid-stage' | 'not-accepted';
}

export interface Decision {
  /** True when the event changed the release (or produced effects); false when refused. */
  accepted: boolean;
  refusal: Refusal | null;
  /** The next persisted snapshot (unchanged when refused). */
  next: PersistedRelease;
  /** Machine state id after the event, dotted for substates (`sqlPending.failed`). */
  state: string;
  context: ReleaseContext;
  /** Effects to run, in order. */
  effects: ReleaseEffect[];
  /**
   * The request version this decision brought to the environment (it entered uatComplete with a
   * versioned request), for the host to index (DF-V002 across releases); null otherwise.
   */
  appliedVersion: string | null;
}
