/**
 * Runs the outbox. A release's effects run strictly in order, one at a time; different releases in
 * parallel. The outcome goes back to the runtime, which records it in the same transaction as the
 * decision it causes, before the release's next effect starts. A retryable failure leaves the effect
 * pending with a back-off and the error in the history; the release's later effects wait behind it.
 *
 * Where the work comes from depends on who else writes the store:
 * - one process (SQLite): the release's head in memory (release-heads.ts) is the queue — the rows a
 *   commit inserted run as they were written, without reading them back;
 * - replicas (PostgreSQL): each replica claims due head effects from the store under a lease it renews
 *   while it runs them (`claimEffects`); an outcome is recorded only under a lease still held, so a
 *   replica that died (or lost its lease) never records over the one that took its work over, and that
 *   one runs it again with the same idempotency key.
 */
import {
  type EffectResultEvent,
  effectFailedEvent,
  isSupersededEffect,
  type ReleaseEffect,
  type RetryPolicy,
  retryDelayMs,
  shouldRetry,
  waitGivesWay,
} from '@cdflow/core';
import type { Logger } from 'pino';
import type { OutboxRow } from '../store/release-repository.js';
import type { ReleaseStore } from '../store/release-store.js';
import { ClaimBackoff } from './claim-backoff.js';
import { describeError } from './effects/effect-errors.js';
import type { EffectDeps, EffectOutcome } from './effects/effect-handler.js';
import { outcomeUnknownAfterStop, performEffect } from './effects/effect-handlers.js';
import type { ReleaseHead, ReleaseHeads } from './release-heads.js';

/** What happened to an effect, for the runtime to record. */
export type EffectResult =
  | Exclude<EffectOutcome, { kind: 'later' }>
  | { kind: 'failed'; reason: string; event: EffectResultEvent };

/** How a replica takes its share of the work from a store other processes share. */
export interface ReplicaClaims {
  /** This replica's id: the owner of its leases. */
  owner: string;
  /** How long a claim lasts unless renewed (renewed every third of it while the effect runs). */
  leaseMs: number;
  /** How often the store is asked for due work when nothing else wakes the replica. */
  pollMs: number;
  /** Effects this replica runs at once. */
  concurrency: number;
}

export interface EffectRunnerOptions {
  store: ReleaseStore;
  heads: ReleaseHeads;
  deps: EffectDeps;
  /** Records the outcome (and marks the outbox row) in one transaction, through the release's queue. */
  record: (
    row: OutboxRow,
    effect: ReleaseEffect,
    result: EffectResult,
    owner: string | null,
  ) => Promise<void>;
  /**
   * The runner leaves the release (nothing of its queue runs now): the outcomes it carries are written
   * (see `ReleaseDecisions.carry`).
   */
  leaving?: (releaseId: string) => Promise<void>;
  /** How a retryable failure is tried again (attempts, intervals, back-off). */
  retryPolicy: RetryPolicy;
  logger: Logger;
  /** Set when replicas share the store: work is claimed from it (see the file comment). */
  replica?: ReplicaClaims;
}

/** Effects that go first in a burst (a new release's Jira issue: the intake answer carries its key). */
const firstEffects: ReadonlySet<string> = new Set(['jira.ensureIssue']);
/** Longest a release's later effect gives way to others' issue creations. */
const maxYieldMs = 500;

export class EffectRunner {
  private readonly workers = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly wakeups = new Map<string, NodeJS.Timeout>();
  /** Releases whose next effect creates their Jira issue: someone (intake) waits for its key. */
  private readonly issuesDue = new Set<string>();
  private issuesSettled: { promise: Promise<void>; resolve: () => void } | null = null;
  /** Replicas: the effects claimed and running here, by outbox id. */
  private readonly claimed = new Map<number, Promise<void>>();
  private claimTimer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private claiming: Promise<void> | null = null;
  private claimAgain = false;
  private stopping = false;
  /** Replicas: how long the next claim round waits (longer while the store fails). */
  private readonly backoff: ClaimBackoff | null;

  constructor(private readonly options: EffectRunnerOptions) {
    this.backoff = options.replica ? new ClaimBackoff(options.replica.pollMs) : null;
  }

  /** Effects being run now. */
  get busy(): boolean {
    return this.workers.size > 0 || this.claimed.size > 0;
  }

  /** Make sure the release's queue is being worked on (cheap when it already is). */
  kick(releaseId: string): void {
    if (this.stopping) return;
    if (this.options.replica) {
      this.claimSoon();
      return;
    }
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

  async kickAll(): Promise<void> {
    if (this.options.replica) {
      this.claimSoon();
      this.renewTimer = setInterval(() => void this.renew(), Math.max(50, this.options.replica.leaseMs / 3));
      this.renewTimer.unref();
      return;
    }
    for (const releaseId of await this.options.store.releasesWithPendingEffects()) this.kick(releaseId);
  }

  /** Stop starting effects; wait (at most `boundMs`) for the ones in flight to be recorded. */
  async stop(boundMs: number): Promise<boolean> {
    this.stopping = true;
    for (const t of this.wakeups.values()) clearTimeout(t);
    this.wakeups.clear();
    if (this.claimTimer) clearTimeout(this.claimTimer);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), boundMs);
    });
    const finished = Promise.allSettled([...this.workers.values(), ...this.claimed.values()]).then(
      () => true as const,
    );
    const result = await Promise.race([finished, bound]);
    clearTimeout(timer);
    if (this.renewTimer) clearInterval(this.renewTimer);
    return result;
  }

  /** Some release has an effect to run now (for `idle`: a poll waiting for a change is not due). */
  async hasDueWork(now: number): Promise<boolean> {
    if (this.workers.size > 0 || this.claimed.size > 0 || this.claiming) return true;
    // Replicas: any replica may run it, so the store says (a claimed one counts until it is recorded).
    if (this.options.replica) return this.options.store.hasDueEffects(now);
    return this.options.heads.dueEffect(now);
  }

  // ---- one process: the release's queue in memory ----

  private async drain(releaseId: string): Promise<void> {
    try {
      await this.drainQueue(releaseId);
    } finally {
      await this.options.leaving?.(releaseId);
    }
  }

  private async drainQueue(releaseId: string): Promise<void> {
    while (!this.stopping) {
      this.again.delete(releaseId);
      const head = await this.options.heads.get(releaseId);
      const row = head?.pending[0];
      if (!head || !row) return;
      const wait = row.nextAttemptAt - Date.now();
      // A poll waiting for a change, or a deploy for a slot, gives way at once to a later decision's effects.
      if (wait > 0 && !this.givesWay(row, head)) {
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
          await this.runOne(row, head, null);
        } finally {
          this.issueDone(releaseId);
        }
      } else {
        await this.afterDueIssues();
        await this.runOne(row, head, null);
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

  // ---- replicas: claimed from the store ----

  /** Ask the store for due work at once (coalesced), then every `pollMs`. */
  private claimSoon(): void {
    if (this.stopping) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    if (this.claimTimer) clearTimeout(this.claimTimer);
    this.claimTimer = null;
    const backoff = this.backoff!;
    let failed = false;
    this.claiming = this.claimRound()
      .then(() => {
        if (backoff.succeeded()) this.options.logger.info('the store answers again: claiming effects');
      })
      .catch((error: unknown) => {
        // The store is away (or failing): no claim now, and the next rounds come further apart, so a
        // replica without its database neither spins nor fills its log.
        failed = true;
        const { first } = backoff.failed();
        if (first)
          this.options.logger.warn(
            { err: describeError(error) },
            'claiming effects failed: trying again, less often while the store fails',
          );
      })
      .finally(() => {
        this.claiming = null;
        if (this.stopping) return;
        if (this.claimAgain && !failed) {
          this.claimAgain = false;
          this.claimSoon();
          return;
        }
        this.claimAgain = false;
        this.claimTimer = setTimeout(() => this.claimSoon(), backoff.delayMs);
        this.claimTimer.unref();
      });
  }

  private async claimRound(): Promise<void> {
    const replica = this.options.replica!;
    const free = replica.concurrency - this.claimed.size;
    if (free <= 0) return;
    const rows = await this.options.store.claimEffects(replica.owner, replica.leaseMs, free);
    for (const row of rows) {
      if (this.claimed.has(row.id)) continue;
      const run = this.runClaimed(row)
        .catch((error: unknown) =>
          this.options.logger.error(
            { releaseId: row.releaseId, err: describeError(error) },
            'a claimed effect stopped on an error',
          ),
        )
        .finally(() => {
          this.claimed.delete(row.id);
          this.claimSoon();
        });
      this.claimed.set(row.id, run);
    }
  }

  private async runClaimed(row: OutboxRow): Promise<void> {
    const head = await this.options.heads.current(row.releaseId);
    if (!head) return;
    // The queue in memory is not the truth here: the store's rows behind this one are.
    head.pending = await this.options.store.pendingEffects(row.releaseId);
    if (row.nextAttemptAt > Date.now() && !this.givesWay(row, head)) return;
    await this.runOne(row, head, this.options.replica!.owner);
  }

  /** Keep the leases of the effects running here; one this replica lost is left to its new owner. */
  private async renew(): Promise<void> {
    const replica = this.options.replica;
    if (!replica || this.claimed.size === 0) return;
    try {
      await this.options.store.renewLease(replica.owner, replica.leaseMs, {
        effects: [...this.claimed.keys()],
      });
    } catch (error) {
      this.options.logger.warn({ err: describeError(error) }, 'renewing effect leases failed');
    }
  }

  // ---- running one effect (both) ----

  private async runOne(row: OutboxRow, head: ReleaseHead, owner: string | null): Promise<void> {
    const { store, deps, logger } = this.options;
    const effect = row.payload as ReleaseEffect;
    const own = owner === null ? {} : { owner };
    // Started before the last stop with its outcome unknown (its row was left running).
    const rerun = row.status === 'running';
    // Only where an outcome can be unknown upstream is the start recorded (no idempotency key there),
    // by the handler, right before it calls the upstream (a deploy waiting for a slot sends nothing).
    let started = false;
    const recordStart = async (): Promise<void> => {
      if (started || rerun || !outcomeUnknownAfterStop(effect)) return;
      started = true;
      await store.markEffect(row.id, 'running', {}, { durable: false, ...own });
      // The mark must be on file before the call goes out: a restart then knows it may have been made.
      await store.settled();
      row.status = 'running';
    };
    logger.debug(
      { releaseId: row.releaseId, effect: effect.type, key: row.idempotencyKey },
      'effect started',
    );
    if (this.superseded(row, head)) {
      await this.options.record(
        row,
        effect,
        {
          kind: 'done',
          detail: {
            skipped:
              effect.type === 'jira.moveTo'
                ? 'a later decision moves the issue on; this move is out of date'
                : 'a later decision moved the release on; nothing waits for this any more',
          },
        },
        owner,
      );
      return;
    }
    // The decision that queued this effect (and any write before it) is committed before an upstream
    // hears of it: a process killed meanwhile restarts from a file that has it (see `Store.settled`).
    await store.settled();
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
          queuedBehind: this.behind(row, head).length > 0,
          recordStart,
        },
        deps,
      );
      if (outcome.kind === 'later') {
        const at = Date.now() + outcome.delayMs;
        if (outcome.quiet) {
          // Nothing to record: the row waits in memory (after a restart it simply runs again); a
          // replica gives its claim back with the time it is due again.
          row.nextAttemptAt = at;
          if (owner !== null) await store.markEffect(row.id, 'pending', { nextAttemptAt: at }, { owner });
          return;
        }
        await this.tryAgainLater(row, effect, head.state, outcome.delayMs, outcome.reason, 'waiting', owner);
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
        await this.tryAgainLater(row, effect, head.state, delay, reason, 'retrying', owner);
        return;
      }
      logger.warn({ releaseId: row.releaseId, effect: effect.type, err: reason }, 'effect failed for good');
      result = { kind: 'failed', reason, event: effectFailedEvent(effect, reason) };
    }
    await this.options.record(row, effect, result, owner);
  }

  /** Whether a later decision made this queued effect moot (core's rule). */
  private superseded(row: OutboxRow, head: ReleaseHead): boolean {
    return isSupersededEffect(row.payload as ReleaseEffect, this.behind(row, head), head.context);
  }

  /** Whether an effect waiting for its next attempt runs now, because of the effects behind it (core's rule). */
  private givesWay(row: OutboxRow, head: ReleaseHead): boolean {
    return waitGivesWay(row.payload as ReleaseEffect, this.behind(row, head), head.context);
  }

  private behind(row: OutboxRow, head: ReleaseHead): ReleaseEffect[] {
    return head.pending.filter((o) => o.id > row.id).map((o) => o.payload as ReleaseEffect);
  }

  /** The effect stays at the head of its release's queue until `delayMs` from now; the history says why. */
  private async tryAgainLater(
    row: OutboxRow,
    effect: ReleaseEffect,
    state: string,
    delayMs: number,
    reason: string,
    outcome: 'retrying' | 'waiting',
    owner: string | null,
  ): Promise<void> {
    const attempts = row.attempts + 1;
    const retryAt = Date.now() + delayMs;
    await this.options.store.deferEffect(
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
      { durable: false, ...(owner === null ? {} : { owner }) },
    );
    // The row in memory is the queue: it waits there, with the store's numbers.
    row.attempts = attempts;
    row.nextAttemptAt = retryAt;
    row.status = 'pending';
    row.lastError = reason;
  }
}
