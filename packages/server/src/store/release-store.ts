/**
 * The store the runtime uses, the same for both dialects: one cdflow process on a SQLite file
 * (SqliteReleaseStore, around the synchronous repositories) or any number of replicas on one PostgreSQL
 * database (PgReleaseStore). Every operation returns a Promise.
 *
 * Beside the operations of ReleaseRepository, DeliveryRepository and the notification outbox, it has
 * what replicas need:
 * - `withReleaseLock`: one release's decisions are applied one at a time across every process (on
 *   PostgreSQL a transaction-scoped advisory lock; the revision check stays).
 * - Claims with leases: effects (only each release's oldest unfinished one, so a release's effects still
 *   run in order), timers, deliveries and notifications are taken by one owner (a replica) for a while;
 *   an owner that dies loses them when the lease runs out and another owner takes them over. An outcome
 *   is recorded only by the owner that holds the claim (`owner` on the writes): a replica whose lease
 *   was taken over gets a LeaseLostError and records nothing.
 * - Named sweep leases: the Jira reconciliation and the stuck sweep run where their lease is held.
 *
 * On SQLite there is one process, so claims and leases are kept in that process's memory and are
 * exclusive between the owners of that process only (the tests use two owners on one store).
 */
import { CdflowError } from '@cdflow/core';
import type { NotificationInput, NotificationRow } from '../notifications/notification-outbox.js';
import type { DeliveryRow } from './delivery-repository.js';
import type {
  AuditInput,
  AuditRow,
  CommitResult,
  DecisionRow,
  DecisionWrite,
  OutboxRow,
  ReleaseHead,
  ReleaseRow,
  TimerRow,
} from './release-repository.js';
import type { OutboxStatus } from './schema.js';
import type { StoreStats } from './store-stats.js';

export type StoreDialect = 'sqlite' | 'postgres';

/** A new release's row: the columns the first decision sets (times, revision and applied version follow). */
export type NewRelease = Omit<
  ReleaseRow,
  'createdAt' | 'updatedAt' | 'revision' | 'appliedVersion' | 'appliedAt'
>;

/** The summary's release in one environment, as the store has it (no snapshot). */
export interface ReleaseLink {
  releaseId: string;
  issueKey: string | null;
  state: string;
  env: 'UAT' | 'PRO';
}

export interface ReleaseListFilter {
  state?: string;
  project?: string;
  env?: 'UAT' | 'PRO';
  limit: number;
  offset: number;
  /**
   * Keyset paging: only releases after this one in the list's order (newest first), instead of `offset`
   * rows skipped (which reads them all again, page after page). With it, `total` is not counted (-1).
   */
  after?: { createdAt: string; releaseId: string };
}

/** A write of an effect's state; `owner`: the claim it is made under (checked, LeaseLostError else). */
export interface EffectWriteOptions {
  /** false: not fsync'd on SQLite (see TransactionOptions); PostgreSQL commits are always durable. */
  durable?: boolean;
  owner?: string;
}

export interface Lease {
  /** Who holds it (a replica's id). */
  leaseOwner: string;
  /** Epoch ms when it runs out (by the database's clock on PostgreSQL). */
  leaseUntil: number;
}

/** The head effect of a release, claimed. */
export type ClaimedEffect = OutboxRow & Lease;

/** A due timer, claimed. */
export type ClaimedTimer = TimerRow & Lease;

/** The claims an owner says it holds, for `renewLease`. */
export interface HeldClaims {
  effects?: readonly number[];
  timers?: readonly number[];
  deliveries?: readonly number[];
}

/** Of the claims named, the ones still held by the owner (their leases now extended). */
export interface RenewedClaims {
  effects: number[];
  timers: number[];
  deliveries: number[];
}

export interface DeliveryInput {
  dedupeKey: string;
  webhookEvent: string;
  issueKey: string | null;
  delivery: unknown;
  rawSize: number;
  /**
   * The delivery's outcome when it is known as it arrives (no issue, an issue cdflow does not manage, no
   * status change): stored processed at once, in the insert, with nothing left to do after the answer.
   */
  processed?: { outcome: string; detail: unknown };
}

export interface DeliveryStore {
  /**
   * Insert a delivery; null when its dedupe key was seen before (by any replica: the database's unique
   * index decides). `batched` (SQLite): made durable by the next `flush()`.
   */
  insert(input: DeliveryInput, options?: { durable?: boolean | 'batched' }): Promise<number | null>;
  get(id: number): Promise<DeliveryRow | undefined>;
  getByDedupeKey(dedupeKey: string): Promise<DeliveryRow | undefined>;
  /** The last delivery about this issue (the newest received). */
  latestFor(issueKey: string): Promise<DeliveryRow | undefined>;
  /** The Jira status the newest processed delivery of the issue found on re-reading it, or null. */
  lastSeenStatus(issueKey: string): Promise<string | null>;
  /** Deliveries accepted and not processed, oldest first. */
  unprocessed(): Promise<DeliveryRow[]>;
  /**
   * Take a received delivery for processing: false when it is processed already or another owner's
   * lease on it is live. Processing is idempotent (the issue is re-read), so the lease only keeps two
   * replicas from doing the same work at once.
   */
  claim(id: number, owner: string, leaseMs: number): Promise<boolean>;
  finish(id: number, outcome: string, detail: unknown, options?: { durable?: boolean }): Promise<void>;
  recordAttempt(id: number, attempts: number, error: string): Promise<void>;
}

export type { NotificationInput, NotificationRow };

export interface NotificationStore {
  /** Add the rows whose idempotency keys are new; how many were added. */
  add(inputs: readonly NotificationInput[], now?: number): Promise<number>;
  due(now: number, limit: number): Promise<NotificationRow[]>;
  /** Epoch ms of the earliest pending row, or null. */
  nextDueAt(): Promise<number | null>;
  /**
   * Take a due row for sending: false when another owner is sending it (its lease is live) or it is no
   * longer pending. A row whose sender died goes back to the others when the lease runs out.
   */
  markSending(id: number, owner: string, leaseMs: number): Promise<boolean>;
  markSent(row: NotificationRow, now?: number): Promise<void>;
  defer(row: NotificationRow, retryAt: number, error: string): Promise<void>;
  markFailed(row: NotificationRow, error: string): Promise<void>;
  /** Rows left `sending` by a sender that stopped go back to pending (on PostgreSQL: whose lease ran out). */
  recover(): Promise<number>;
  ofRelease(releaseId: string): Promise<NotificationRow[]>;
  depth(): Promise<{ pending: number; sending: number }>;
}

export interface QueueDepths {
  effectsPending: number;
  effectsRunning: number;
  timers: number;
  deliveriesReceived: number;
}

export interface ReleaseStore {
  readonly dialect: StoreDialect;
  /** Where the data is: the file's absolute path, or the URL with its password masked. */
  readonly location: string;
  readonly deliveries: DeliveryStore;
  readonly notifications: NotificationStore;

  // ---- health and lifecycle ----
  /** True until `close()`. */
  isOpen(): boolean;
  /** The database answers now (PostgreSQL: a connection from the pool runs `select 1`); never throws. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** What the store did since it was opened (PostgreSQL: statements and commits; walBytes null). */
  stats(): StoreStats;
  resetStats(): void;
  /** Make 'batched' commits durable (one fsync on SQLite); false when nothing waited. No-op on PostgreSQL. */
  flush(): Promise<boolean>;
  /**
   * Resolves once every write made so far is committed (SQLite groups the writes of a turn of the event
   * loop in one transaction: see `Store.transaction`); at once on PostgreSQL, where each write commits.
   * Await it before anything outside the process acts on a write (an upstream call, a notification).
   */
  settled(): Promise<void>;

  // ---- releases ----
  getById(releaseId: string): Promise<ReleaseRow | undefined>;
  /** The release of `summary` in `env`; without `env`, its UAT release if it has one, else its production one. */
  getBySummary(summary: string, env?: 'UAT' | 'PRO'): Promise<ReleaseRow | undefined>;
  /** Where the release of `summary` in `env` is, without its snapshot (the link between UAT and production). */
  linkOf(summary: string, env: 'UAT' | 'PRO'): Promise<ReleaseLink | undefined>;
  getByIssueKey(issueKey: string): Promise<ReleaseRow | undefined>;
  releaseIdOfIssue(issueKey: string): Promise<string | undefined>;
  /** A release by Jira issue key, release id or summary (a summary's UAT release unless `env` says). */
  find(ref: string, env?: 'UAT' | 'PRO'): Promise<ReleaseRow | undefined>;
  /** What `decide` needs, with the revision a write must check. */
  getForDecision(releaseId: string): Promise<DecisionRow | undefined>;
  /** State, issue, revision and times without the snapshot: the cheap check of a cached head. */
  getHead(releaseId: string): Promise<ReleaseHead | undefined>;
  list(filter: ReleaseListFilter): Promise<{ total: number; rows: ReleaseRow[] }>;
  awaitingPeople(
    states: readonly string[],
    since: string,
    before: string,
    limit: number,
  ): Promise<ReleaseRow[]>;
  lastAppliedVersion(project: string, env: 'UAT' | 'PRO', exceptReleaseId: string): Promise<string | null>;
  history(releaseId: string): Promise<AuditRow[]>;

  // ---- decisions ----
  /**
   * Insert a new release with its first decision. A release created meanwhile by another replica makes
   * it fail with RevisionConflictError (decide again, as an iteration of that release).
   */
  createRelease(row: NewRelease, write: Omit<DecisionWrite, 'release' | 'releaseId'>): Promise<CommitResult>;
  /**
   * Snapshot (revision-checked: RevisionConflictError), audit, effects, timers, completions, delivery,
   * request in one transaction. A completion or fired timer carrying `owner` is recorded only if that
   * owner still holds its claim (LeaseLostError, and nothing of the write is kept).
   */
  commitDecision(write: DecisionWrite): Promise<CommitResult>;
  appendAudit(releaseId: string, entry: AuditInput): Promise<void>;
  /**
   * Run `fn` holding the release's lock: no other process applies a decision to it meanwhile (every
   * `createRelease`/`commitDecision` of the release takes the same lock). Read the release inside `fn`
   * through the store it is given. On PostgreSQL `fn` runs in one transaction that holds the lock until
   * it commits: nothing it wrote is visible, or kept, before `withReleaseLock` resolves (it is all
   * rolled back if `fn` throws), so update what is kept in memory after it resolves. A commit inside
   * that fails (a revision conflict) rolls back only itself. On SQLite `fn` is queued behind the
   * release's other holders in this process and each commit is its own transaction.
   * Keep `fn` short: no call to an upstream while holding it. Inside `fn`, use only the store it is
   * given: on PostgreSQL this store's own commits on that release would wait for the lock `fn` holds.
   */
  withReleaseLock<T>(releaseId: string, fn: (store: ReleaseStore) => Promise<T>): Promise<T>;

  // ---- effects ----
  /** The next effect of a release to run (its queue is strictly FIFO). */
  headEffect(releaseId: string): Promise<OutboxRow | undefined>;
  /** Every pending or running effect of a release, in queue order. */
  pendingEffects(releaseId: string): Promise<OutboxRow[]>;
  effectsOf(releaseId: string): Promise<OutboxRow[]>;
  releasesWithPendingEffects(): Promise<string[]>;
  hasDueEffects(at: number): Promise<boolean>;
  /** Effects left `running` and not claimed by a live owner go back to `pending`. */
  resetRunningEffects(): Promise<number>;
  /** An effect's status; `running` keeps the owner's claim, `pending` (wait for `nextAttemptAt`) and `failed` give it up. */
  markEffect(
    id: number,
    status: OutboxStatus,
    fields?: { attempts?: number; nextAttemptAt?: number; lastError?: string | null },
    options?: EffectWriteOptions,
  ): Promise<void>;
  /** A retryable failure: pending until `nextAttemptAt`, the entry in the history; the claim is given up. */
  deferEffect(
    id: number,
    attempts: number,
    nextAttemptAt: number,
    error: string,
    entry: AuditInput & { releaseId: string },
    options?: EffectWriteOptions,
  ): Promise<void>;
  /**
   * Claim up to `limit` effects for `owner` for `leaseMs`: of each release, only its oldest unfinished
   * effect, when it is due at `now` and no live lease holds it (a lease that ran out is taken over),
   * soonest due first. Concurrent claimers get disjoint sets (`FOR UPDATE SKIP LOCKED`).
   */
  claimEffects(owner: string, leaseMs: number, limit: number, now?: number): Promise<ClaimedEffect[]>;
  /** Extend the owner's leases on the claims named; the ones it no longer holds are left out. */
  renewLease(owner: string, leaseMs: number, held: HeldClaims): Promise<RenewedClaims>;
  /** Give up every claim of the owner (a replica stopping cleanly): the others take them at once. */
  releaseClaims(owner: string): Promise<void>;

  // ---- timers ----
  allTimers(): Promise<TimerRow[]>;
  dueTimers(at: number): Promise<TimerRow[]>;
  nextTimers(limit: number): Promise<TimerRow[]>;
  getTimer(id: number): Promise<TimerRow | undefined>;
  timersOf(releaseId: string): Promise<TimerRow[]>;
  /** Claim due timers (due at `now`, no live lease), soonest first; fire them with `firedTimer.owner`. */
  claimTimers(owner: string, leaseMs: number, now: number, limit?: number): Promise<ClaimedTimer[]>;

  // ---- sweeps ----
  /** Take or keep the named lease: true while `owner` holds it (renew by calling again before it runs out). */
  acquireSweepLease(name: string, owner: string, leaseMs: number): Promise<boolean>;
  releaseSweepLease(name: string, owner: string): Promise<void>;

  // ---- gauges and the audit tail (metrics) ----
  releasesByState(): Promise<Array<{ state: string; count: number }>>;
  queueDepths(): Promise<QueueDepths>;
  /** The highest audit seq (0 when empty). */
  lastAuditSeq(): Promise<number>;
  /** Audit rows with seq above `after`, in seq order, at most `limit`. */
  auditAfter(after: number, limit: number): Promise<AuditRow[]>;
  /**
   * Fold the history of up to `limit` releases at rest with `minRows` rows or more into fewer pages
   * (SQLite: see `ReleaseRepository.compactHistory`); how many were folded. PostgreSQL: none (0).
   */
  compactHistory(minRows: number, limit: number): Promise<number>;
}

/** A decision meant to finish a Jira delivery that another replica has processed already: nothing is written. */
export class DeliveryProcessedError extends CdflowError {
  constructor(id: number) {
    super(
      'DELIVERY_PROCESSED',
      `Jira delivery ${id} was processed already (by another replica): this decision is dropped.`,
    );
    this.name = 'DeliveryProcessedError';
  }
}

export class LeaseLostError extends CdflowError {
  constructor(what: string, id: number | string, owner: string) {
    super(
      'LEASE_LOST',
      `${what} ${id} is no longer claimed by ${owner}: its lease ran out and another replica took it over. ` +
        'Its outcome here is dropped; the new owner runs it again with the same idempotency key.',
    );
    this.name = 'LeaseLostError';
  }
}
