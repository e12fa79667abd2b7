/**
 * Every `sweepMs`, the releases waiting on a person are read with the console's notion of "waiting since"
 * (PersonWaitClock: the history's last move into the wait); those waiting longer than the threshold are
 * stuck. Core says whether and what to tell (`stuckNotification`); the notifier keys it by the wait, so a
 * release is reported once per wait however many sweeps see it. The count feeds the metrics.
 */
import { type ReleaseNotification, stuckCandidateStates, stuckNotification } from '@cdflow/core';
import type { Logger } from 'pino';
import { PersonWaitClock } from '../http/console/person-wait-clock.js';
import type { ReleaseRuntimeApi, ReleaseView } from '../runtime/runtime-api.js';

export interface StuckSweepOptions {
  runtime: Pick<ReleaseRuntimeApi, 'listReleases' | 'history'>;
  thresholdMs: number;
  sweepMs: number;
  logger: Logger;
  /** Called for each stuck release (the notifier queues it once per wait). */
  stuck: (notification: ReleaseNotification) => void;
  now?: () => number;
}

const pageSize = 200;

export class StuckSweep {
  private timer: NodeJS.Timeout | null = null;
  private lastCount = 0;

  constructor(private readonly options: StuckSweepOptions) {}

  /** Releases found stuck by the last sweep. */
  get stuckCount(): number {
    return this.lastCount;
  }

  start(): void {
    if (this.timer) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.sweepMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One sweep now; returns the stuck releases' ids. */
  async sweep(): Promise<string[]> {
    const now = (this.options.now ?? Date.now)();
    // A fresh clock per sweep: each waiting release costs one history read per sweep, never a stale start.
    const clock = new PersonWaitClock(this.options.runtime, this.options.thresholdMs, () => now);
    const stuck: string[] = [];
    try {
      // Resting states (uatComplete, …) are never stuck: a store of finished releases costs no sweep.
      for (const state of stuckCandidateStates) {
        for await (const view of this.releasesIn(state)) {
          const annotated = await clock.annotate(view);
          if (!annotated.stuck || annotated.waitingSince === null) continue;
          const notification = stuckNotification(
            {
              releaseId: view.releaseId,
              summary: view.summary,
              issueKey: view.key,
              project: view.project,
              env: view.env,
              iteration: view.iteration,
              failure: view.failure,
              state: view.step,
              waitingSince: annotated.waitingSince,
            },
            now,
            this.options.thresholdMs,
          );
          if (notification === null) continue;
          stuck.push(view.releaseId);
          this.options.stuck(notification);
        }
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'stuck sweep failed; the next one tries again');
      return stuck;
    }
    this.lastCount = stuck.length;
    return stuck;
  }

  /** Page after page, each after the last release of the one before (no row read twice, no count). */
  private async *releasesIn(state: string): AsyncGenerator<ReleaseView> {
    let after: { createdAt: string; releaseId: string } | undefined;
    for (;;) {
      const page = await this.options.runtime.listReleases({
        state,
        limit: pageSize,
        offset: 0,
        ...(after ? { after } : {}),
      });
      yield* page.items;
      const last = page.items.at(-1);
      if (!last || page.items.length < pageSize) return;
      after = { createdAt: last.createdAt, releaseId: last.releaseId };
    }
  }
}
