/**
 * Runs the outbox. Each release has at most one worker, which takes the release's oldest unfinished
 * effect, executes it, and hands the outcome back to the runtime (which records it in the same
 * transaction as the decision it causes) before moving on: a release's effects run strictly in order,
 * different releases in parallel. A retryable failure leaves the effect pending with a back-off and the
 * error in the history; the release's later effects wait behind it.
 *
 * The queue is the release's head in memory (release-heads.ts): the rows a commit inserted are run as
 * they were written, without reading them back.
 */
import {
  type EffectResultEvent,
  effectFailedEvent,
  isSupersededEffect,
  type ReleaseEffect,
  type RetryPolicy,
  retryDelayMs,
  shouldRetry,
} from '@cdflow/core';
import type { Logger } from 'pino';
import type { OutboxRow, ReleaseRepository } from '../store/release-repository.js';
import { describeError } from './effects/effect-errors.js';
import type { EffectDeps, EffectOutcome } from './effects/effect-handler.js';
import { outcomeUnknownAfterStop, performEffect } from './effects/effect-handlers.js';
import type { ReleaseHeads } from './release-heads.js';

/** What happened to an effect, for the runtime to record. */
export type EffectResult =
  | Exclude<EffectOutcome, { kind: 'later' }>
  | { kind: 'failed'; reason: string; event: EffectResultEvent };

/** Effects that go first in a burst (a new release's Jira issue: the intake answer carries its key). */
const firstEffects: ReadonlySet<string> = new Set(['jira.ensureIssue']);
/** Longest a release's later effect gives way to others' issue creations. */
const maxYieldMs = 500;

export interface EffectRunnerOptions {
  repo: ReleaseRepository;
  heads: ReleaseHeads;
  deps: EffectDeps;
  /** Records the outcome (and marks the outbox row) in one transaction, through the release's queue. */
  record: (row: OutboxRow, effect: ReleaseEffect, result: EffectResult) => Promise<void>;
  /** How a retryable failure is tried again (attempts, intervals, back-off). */
  retryPolicy: RetryPolicy;
  logger: Logger;
}

export class EffectRunner {
  private readonly workers = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly wakeups = new Map<string, NodeJS.Timeout>();
  /** Releases whose next effect creates their Jira issue: someone (intake) waits for its key. */
  private readonly issuesDue = new Set<string>();
  private issuesSettled: { promise: Promise<void>; resolve: () => void } | null = null;
  private stopping = false;

  constructor(private readonly options: EffectRunnerOptions) {}

  /** Releases with a worker running now. */
  get busy(): boolean {
    return this.workers.size > 0;
  }

  /** Make sure the release's queue is being worked on (cheap when it already is). */
  kick(releaseId: string): void {
    if (this.stopping) return;
    const wakeup = this.wakeups.get(releaseId);
    if (wakeup) {
      clearTimeout(wakeup);
      this.wakeups.delete(releaseId);
    }
    if (this.workers.has(releaseId)) {
      // The worker may have looked at the queue before the new rows were committed: look again after.
      this.again.add(releaseId);
      return;
    }
    const worker = this.drain(releaseId)
      .catch((error: unknown) => {
        this.options.logger.error(
          { releaseId, err: describeError(error) },
          'effect worker stopped on an error',
        );
      })
      .finally(() => {
        this.workers.delete(releaseId);
        if (this.again.delete(releaseId)) this.kick(releaseId);
      });
    this.workers.set(releaseId, worker);
  }

  kickAll(): void {
    for (const releaseId of this.options.repo.releasesWithPendingEffects()) this.kick(releaseId);
  }

  /** Stop starting effects; wait (at most `boundMs`) for the ones in flight to be recorded. */
  async stop(boundMs: number): Promise<boolean> {
    this.stopping = true;
    for (const t of this.wakeups.values()) clearTimeout(t);
    this.wakeups.clear();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), boundMs);
    });
    const finished = Promise.allSettled([...this.workers.values()]).then(() => true as const);
    const result = await Promise.race([finished, bound]);
    clearTimeout(timer);
    return result;
  }

  private async drain(releaseId: string): Promise<void> {
    while (!this.stopping) {
      this.again.delete(releaseId);
      const row = this.options.heads.nextEffect(releaseId);
      if (!row) return;
      const wait = row.nextAttemptAt - Date.now();
      // A poll waiting for a change gives way at once to a later decision's effects.
      if (wait > 0 && !this.superseded(row)) {
        this.wakeups.set(
          releaseId,
          setTimeout(() => {
            this.wakeups.delete(releaseId);
            this.kick(releaseId);
          }, wait),
        );
        return;
      }
      if (firstEffects.has(row.type)) {
        this.issuesDue.add(releaseId);
        try {
          await this.runOne(row);
        } finally {
          this.issueDone(releaseId);
        }
      } else {
        await this.afterDueIssues();
        await this.runOne(row);
      }
    }
  }

  /**
   * The release system's answer waits for the Jira issue of a new release: during a burst, issue
   * creations go before the other releases' later work (bounded, so nothing starves).
   */
  private async afterDueIssues(): Promise<void> {
    if (this.issuesDue.size === 0) return;
    if (!this.issuesSettled) {
      let resolve: () => void = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.issuesSettled = { promise, resolve };
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.issuesSettled.promise,
      new Promise<void>((r) => {
        timer = setTimeout(r, maxYieldMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private issueDone(releaseId: string): void {
    this.issuesDue.delete(releaseId);
    if (this.issuesDue.size === 0 && this.issuesSettled) {
      this.issuesSettled.resolve();
      this.issuesSettled = null;
    }
  }

  private async runOne(row: OutboxRow): Promise<void> {
    const { repo, heads, deps, logger } = this.options;
    const effect = row.payload as ReleaseEffect;
    const head = heads.get(row.releaseId);
    if (!head) {
      repo.markEffect(row.id, 'failed', { lastError: 'release not found' }, { durable: false });
      return;
    }
    // Started before the last stop with its outcome unknown (its row was left running).
    const rerun = row.status === 'running';
    // Only where an outcome can be unknown upstream is the start recorded (no idempotency key there).
    if (!rerun && outcomeUnknownAfterStop(effect)) {
      repo.markEffect(row.id, 'running', {}, { durable: false });
      row.status = 'running';
    }
    logger.debug(
      { releaseId: row.releaseId, effect: effect.type, key: row.idempotencyKey },
      'effect started',
    );
    if (this.superseded(row)) {
      await this.options.record(row, effect, {
        kind: 'done',
        detail: {
          skipped:
            effect.type === 'jira.moveTo'
              ? 'a later decision moves the issue on; this move is out of date'
              : 'a later decision moved the release on; nothing waits for this any more',
        },
      });
      return;
    }
    let result: EffectResult;
    try {
      const outcome = await performEffect(
        effect,
        {
          releaseId: row.releaseId,
          issueKey: head.issueKey,
          env: head.context.request.env,
          attempts: row.attempts,
          rerun,
        },
        deps,
      );
      if (outcome.kind === 'later') {
        if (outcome.quiet) {
          // Nothing to record: the row waits in memory (after a restart it simply runs again).
          row.nextAttemptAt = Date.now() + outcome.delayMs;
          return;
        }
        this.tryAgainLater(row, effect, head.state, outcome.delayMs, outcome.reason, 'waiting');
        return;
      }
      result = outcome;
    } catch (error) {
      const reason = describeError(error);
      const attempts = row.attempts + 1;
      if (shouldRetry(this.options.retryPolicy, attempts, error)) {
        const delay = retryDelayMs(this.options.retryPolicy, attempts, error);
        logger.warn(
          { releaseId: row.releaseId, effect: effect.type, attempts, retryInMs: delay, err: reason },
          'effect failed, will retry',
        );
        this.tryAgainLater(row, effect, head.state, delay, reason, 'retrying');
        return;
      }
      logger.warn({ releaseId: row.releaseId, effect: effect.type, err: reason }, 'effect failed for good');
      result = { kind: 'failed', reason, event: effectFailedEvent(effect, reason) };
    }
    await this.options.record(row, effect, result);
  }

  /** Whether a later decision made this queued effect moot (core's rule). */
  private superseded(row: OutboxRow): boolean {
    const head = this.options.heads.get(row.releaseId);
    if (!head) return false;
    const later = head.pending.filter((o) => o.id > row.id).map((o) => o.payload as ReleaseEffect);
    return isSupersededEffect(row.payload as ReleaseEffect, later, head.context);
  }

  /** Some release has an effect to run now (for `idle`: a poll waiting for a change is not due). */
  hasDueWork(now: number): boolean {
    if (this.workers.size > 0) return true;
    return this.options.heads.dueEffect(now);
  }

  /** The effect stays at the head of its release's queue until `delayMs` from now; the history says why. */
  private tryAgainLater(
    row: OutboxRow,
    effect: ReleaseEffect,
    state: string,
    delayMs: number,
    reason: string,
    outcome: 'retrying' | 'waiting',
  ): void {
    const attempts = row.attempts + 1;
    const retryAt = Date.now() + delayMs;
    this.options.repo.deferEffect(
      row.id,
      attempts,
      retryAt,
      reason,
      {
        releaseId: row.releaseId,
        source: 'runner',
        actor: 'cdflow',
        event: `effect:${effect.type}`,
        fromState: state,
        toState: state,
        accepted: false,
        detail: {
          outcome,
          idempotencyKey: row.idempotencyKey,
          attempts,
          ...(outcome === 'retrying' ? { error: reason } : { reason }),
          retryAt: new Date(retryAt).toISOString(),
        },
      },
      { durable: false },
    );
    // The row in memory is the queue: it waits there, with the store's numbers.
    row.attempts = attempts;
    row.nextAttemptAt = retryAt;
    row.status = 'pending';
    row.lastError = reason;
  }
}
