/**
 * Since when a release has been waiting on a person, and whether that is longer than
 * `console.stuckAfterMinutes`. Waiting on a person: the DBA (sqlExecuting, sqlPending.failed), ops
 * (configExecuting.awaitingConfirmation), the developers (fixing). uatComplete is a resting state, not a
 * wait. The moment a release entered its wait is read from its history once per wait and remembered until
 * the live feed shows the release in another wait or none (a release polled every few seconds while it
 * waits, as sqlExecuting in watch mode, costs one history read, not one per poll).
 */
import { personWaitOf } from '@cdflow/core';
import type { HistoryEntry, ReleaseRuntimeApi, ReleaseView } from '../../runtime/runtime-api.js';

export interface WaitingView extends ReleaseView {
  /** When the release started waiting on a person (ISO time), or null when it does not wait on one. */
  waitingSince: string | null;
  /** Waiting on a person for longer than `console.stuckAfterMinutes`. */
  stuck: boolean;
}

/** The person wait a machine step belongs to, or null when cdflow (or nobody) has the next move (core's rule). */
export { personWaitOf };

/** When the current wait began according to the history: the last accepted move into it from elsewhere. */
function enteredAt(history: readonly HistoryEntry[], wait: string): string | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const entry = history[i]!;
    if (!entry.accepted) continue;
    if (personWaitOf(entry.toState) === wait && personWaitOf(entry.fromState) !== wait) return entry.at;
  }
  return null;
}

export class PersonWaitClock {
  private readonly since = new Map<string, { wait: string; since: string }>();

  constructor(
    private readonly runtime: Pick<ReleaseRuntimeApi, 'history'>,
    private readonly stuckAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A fresh view from the live feed: a different wait (or none) forgets the remembered start, so the next
   * answer reads it from the history. Polls inside one wait (sqlExecuting) keep it, without a history read.
   * Caveat: a round trip out of a wait and back within one coalescing window (≈100 ms) keeps the old start.
   */
  /** Whether a start is remembered for the release (only those need `observe`). */
  remembers(releaseId: string): boolean {
    return this.since.has(releaseId);
  }

  observe(view: ReleaseView): void {
    if (this.since.get(view.releaseId)?.wait !== personWaitOf(view.step)) this.since.delete(view.releaseId);
  }

  async annotate(view: ReleaseView): Promise<WaitingView> {
    const wait = personWaitOf(view.step);
    if (wait === null) return { ...view, waitingSince: null, stuck: false };
    let known = this.since.get(view.releaseId);
    if (known?.wait !== wait) {
      const since = enteredAt((await this.runtime.history(view.releaseId)) ?? [], wait) ?? view.createdAt;
      known = { wait, since };
      this.since.set(view.releaseId, known);
    }
    const stuck = this.now() - Date.parse(known.since) > this.stuckAfterMs;
    return { ...view, waitingSince: known.since, stuck };
  }
}
