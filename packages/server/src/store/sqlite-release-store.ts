/**
 * The ReleaseStore on one SQLite file: today's synchronous repositories (ReleaseRepository,
 * DeliveryRepository, the notification outbox) behind the async interface. Their behaviour is
 * unchanged: every call runs at once on the store's connection, a thrown error becomes a rejection.
 *
 * One process writes the file, so what replicas need is local here: the release lock is a queue per
 * release in this process, and claims and leases live in memory (LocalClaims) with the same rules as on
 * PostgreSQL, so code written against the interface behaves the same on both.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import { count, max } from 'drizzle-orm';
import { NotificationOutbox } from '../notifications/notification-outbox.js';
import { DeliveryRepository, type DeliveryRow } from './delivery-repository.js';
import { LocalClaims } from './local-claims.js';
import type { Store } from './open-store.js';
import {
  type AuditInput,
  type AuditRow,
  type CommitResult,
  type DecisionRow,
  type DecisionWrite,
  type OutboxRow,
  type ReleaseHead,
  ReleaseRepository,
  type ReleaseRow,
  RevisionConflictError,
  type TimerRow,
} from './release-repository.js';
import {
  type ClaimedEffect,
  type ClaimedTimer,
  type DeliveryInput,
  type DeliveryStore,
  type EffectWriteOptions,
  type HeldClaims,
  LeaseLostError,
  type NewRelease,
  type NotificationInput,
  type NotificationRow,
  type NotificationStore,
  type QueueDepths,
  type ReleaseLink,
  type ReleaseListFilter,
  type ReleaseStore,
  type RenewedClaims,
} from './release-store.js';
import { audit, type OutboxStatus, releases } from './schema.js';
import { type OutboxRecord, outboxRowOf, outboxSelect } from './store-records.js';
import type { StoreStats } from './store-stats.js';

/** The releases whose lock the current async context holds (a nested lock of the same release is a no-op). */
const heldLocks = new AsyncLocalStorage<ReadonlySet<string>>();

interface TimerClaimKey {
  releaseId: string;
  name: string;
  scheduleKey: string;
}

export class SqliteReleaseStore implements ReleaseStore {
  readonly dialect = 'sqlite' as const;
  readonly location: string;
  readonly deliveries: DeliveryStore;
  readonly notifications: NotificationStore;
  /** The repositories, for code that still uses them directly. */
  readonly repo: ReleaseRepository;
  readonly deliveryRepo: DeliveryRepository;
  private readonly effectClaims = new LocalClaims<number>();
  private readonly timerClaims = new LocalClaims<number>();
  /** Timer id → its schedule, for the check of a fired timer's claim (a firing names the schedule). */
  private readonly claimedTimers = new Map<number, TimerClaimKey>();
  private readonly sweepLeases = new LocalClaims<string>();
  private readonly lockTails = new Map<string, Promise<void>>();

  constructor(readonly store: Store) {
    this.location = store.path;
    this.repo = new ReleaseRepository(store);
    this.deliveryRepo = new DeliveryRepository(store);
    this.deliveries = new SqliteDeliveries(store, this.deliveryRepo);
    this.notifications = new SqliteNotifications(store, new NotificationOutbox(store));
  }

  // ---- health and lifecycle ----

  isOpen(): boolean {
    return this.store.isOpen();
  }

  async ping(): Promise<boolean> {
    if (!this.store.isOpen()) return false;
    try {
      this.store.statement('select 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.store.close();
  }

  stats(): StoreStats {
    return this.store.stats();
  }

  resetStats(): void {
    this.store.resetStats();
  }

  async flush(): Promise<boolean> {
    return this.store.isOpen() ? await this.store.flush() : false;
  }

  settled(): Promise<void> {
    return this.store.settled();
  }

  // ---- releases ----

  async getById(releaseId: string): Promise<ReleaseRow | undefined> {
    return this.repo.getById(releaseId);
  }

  async getBySummary(summary: string, env?: 'UAT' | 'PRO'): Promise<ReleaseRow | undefined> {
    return this.repo.getBySummary(summary, env);
  }

  async linkOf(summary: string, env: 'UAT' | 'PRO'): Promise<ReleaseLink | undefined> {
    return this.repo.linkOf(summary, env);
  }

  async getByIssueKey(issueKey: string): Promise<ReleaseRow | undefined> {
    return this.repo.getByIssueKey(issueKey);
  }

  async releaseIdOfIssue(issueKey: string): Promise<string | undefined> {
    return this.repo.releaseIdOfIssue(issueKey);
  }

  async find(ref: string, env?: 'UAT' | 'PRO'): Promise<ReleaseRow | undefined> {
    return this.repo.find(ref, env);
  }

  async getForDecision(releaseId: string): Promise<DecisionRow | undefined> {
    return this.repo.getForDecision(releaseId);
  }

  async getHead(releaseId: string): Promise<ReleaseHead | undefined> {
    return this.repo.getHead(releaseId);
  }

  async list(filter: ReleaseListFilter): Promise<{ total: number; rows: ReleaseRow[] }> {
    return this.repo.list(filter);
  }

  async awaitingPeople(
    states: readonly string[],
    since: string,
    before: string,
    limit: number,
  ): Promise<ReleaseRow[]> {
    return this.repo.awaitingPeople(states, since, before, limit);
  }

  async lastAppliedVersion(
    project: string,
    env: 'UAT' | 'PRO',
    exceptReleaseId: string,
  ): Promise<string | null> {
    return this.repo.lastAppliedVersion(project, env, exceptReleaseId);
  }

  async history(releaseId: string): Promise<AuditRow[]> {
    return this.repo.history(releaseId);
  }

  // ---- decisions ----

  async createRelease(
    row: NewRelease,
    write: Omit<DecisionWrite, 'release' | 'releaseId'>,
  ): Promise<CommitResult> {
    this.checkClaims({ ...write, releaseId: row.releaseId });
    let result: CommitResult;
    try {
      result = this.repo.createRelease(row, write);
    } catch (error) {
      // Created meanwhile (by this process: the caller's view of it was stale): decide again on it.
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT'))
        throw new RevisionConflictError(row.releaseId, 0);
      throw error;
    }
    this.dropFinishedClaims({ ...write, releaseId: row.releaseId });
    return result;
  }

  async commitDecision(write: DecisionWrite): Promise<CommitResult> {
    this.checkClaims(write);
    const result = this.repo.commitDecision(write);
    this.dropFinishedClaims(write);
    return result;
  }

  async appendAudit(releaseId: string, entry: AuditInput): Promise<void> {
    this.repo.appendAudit(releaseId, entry);
  }

  async withReleaseLock<T>(releaseId: string, fn: (store: ReleaseStore) => Promise<T>): Promise<T> {
    const held = heldLocks.getStore();
    if (held?.has(releaseId)) return fn(this);
    const previous = this.lockTails.get(releaseId) ?? Promise.resolve();
    let unlock: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    const tail = previous.then(() => mine);
    this.lockTails.set(releaseId, tail);
    await previous;
    try {
      return await heldLocks.run(new Set([...(held ?? []), releaseId]), () => fn(this));
    } finally {
      unlock();
      if (this.lockTails.get(releaseId) === tail) this.lockTails.delete(releaseId);
    }
  }

  // ---- effects ----

  async headEffect(releaseId: string): Promise<OutboxRow | undefined> {
    return this.repo.headEffect(releaseId);
  }

  async pendingEffects(releaseId: string): Promise<OutboxRow[]> {
    return this.repo.pendingEffects(releaseId);
  }

  async effectsOf(releaseId: string): Promise<OutboxRow[]> {
    return this.repo.effectsOf(releaseId);
  }

  async releasesWithPendingEffects(): Promise<string[]> {
    return this.repo.releasesWithPendingEffects();
  }

  async hasDueEffects(at: number): Promise<boolean> {
    return this.repo.hasDueEffects(at);
  }

  async resetRunningEffects(): Promise<number> {
    return this.repo.resetRunningEffects();
  }

  async markEffect(
    id: number,
    status: OutboxStatus,
    fields: { attempts?: number; nextAttemptAt?: number; lastError?: string | null } = {},
    options: EffectWriteOptions = {},
  ): Promise<void> {
    this.checkEffectOwner(id, options.owner);
    this.repo.markEffect(
      id,
      status,
      fields,
      options.durable === undefined ? {} : { durable: options.durable },
    );
    if (status !== 'running') this.effectClaims.drop(id);
  }

  async deferEffect(
    id: number,
    attempts: number,
    nextAttemptAt: number,
    error: string,
    entry: AuditInput & { releaseId: string },
    options: EffectWriteOptions = {},
  ): Promise<void> {
    this.checkEffectOwner(id, options.owner);
    this.repo.deferEffect(
      id,
      attempts,
      nextAttemptAt,
      error,
      entry,
      options.durable === undefined ? {} : { durable: options.durable },
    );
    this.effectClaims.drop(id);
  }

  async claimEffects(
    owner: string,
    leaseMs: number,
    limit: number,
    now = Date.now(),
  ): Promise<ClaimedEffect[]> {
    const heads = this.store
      .statement<OutboxRecord>(
        `${outboxSelect}
         where o.id in (select min(id) from outbox where status in ('pending', 'running') group by release_id)
           and o.next_attempt_at <= ?
         order by o.next_attempt_at, o.id`,
      )
      .all(now)
      .map(outboxRowOf);
    const claimed: ClaimedEffect[] = [];
    const clock = Date.now();
    for (const row of heads) {
      if (claimed.length >= limit) break;
      if (this.effectClaims.heldByOther(row.id, owner, clock)) continue;
      const lease = this.effectClaims.take(row.id, owner, leaseMs, clock);
      claimed.push({ ...row, leaseOwner: owner, leaseUntil: lease.until });
    }
    return claimed;
  }

  async renewLease(owner: string, leaseMs: number, held: HeldClaims): Promise<RenewedClaims> {
    return {
      effects: (held.effects ?? []).filter((id) => this.effectClaims.renew(id, owner, leaseMs)),
      timers: (held.timers ?? []).filter((id) => this.timerClaims.renew(id, owner, leaseMs)),
      deliveries: (held.deliveries ?? []).filter((id) =>
        (this.deliveries as SqliteDeliveries).renew(id, owner, leaseMs),
      ),
    };
  }

  async releaseClaims(owner: string): Promise<void> {
    this.effectClaims.dropOwner(owner);
    this.timerClaims.dropOwner(owner);
    (this.deliveries as SqliteDeliveries).dropOwner(owner);
    this.sweepLeases.dropOwner(owner);
  }

  // ---- timers ----

  async allTimers(): Promise<TimerRow[]> {
    return this.repo.allTimers();
  }

  async dueTimers(at: number): Promise<TimerRow[]> {
    return this.repo.dueTimers(at);
  }

  async nextTimers(limit: number): Promise<TimerRow[]> {
    return this.repo.nextTimers(limit);
  }

  async getTimer(id: number): Promise<TimerRow | undefined> {
    return this.repo.getTimer(id);
  }

  async timersOf(releaseId: string): Promise<TimerRow[]> {
    return this.repo.timersOf(releaseId);
  }

  async claimTimers(owner: string, leaseMs: number, now: number, limit = 100): Promise<ClaimedTimer[]> {
    const claimed: ClaimedTimer[] = [];
    const clock = Date.now();
    for (const timer of this.repo.dueTimers(now)) {
      if (claimed.length >= limit) break;
      if (this.timerClaims.heldByOther(timer.id, owner, clock)) continue;
      const lease = this.timerClaims.take(timer.id, owner, leaseMs, clock);
      this.claimedTimers.set(timer.id, {
        releaseId: timer.releaseId,
        name: timer.name,
        scheduleKey: timer.scheduleKey,
      });
      claimed.push({ ...timer, leaseOwner: owner, leaseUntil: lease.until });
    }
    return claimed;
  }

  // ---- sweeps ----

  async acquireSweepLease(name: string, owner: string, leaseMs: number): Promise<boolean> {
    if (this.sweepLeases.heldByOther(name, owner)) return false;
    this.sweepLeases.take(name, owner, leaseMs);
    return true;
  }

  async releaseSweepLease(name: string, owner: string): Promise<void> {
    if (this.sweepLeases.holds(name, owner)) this.sweepLeases.drop(name);
  }

  // ---- gauges and the audit tail ----

  async releasesByState(): Promise<Array<{ state: string; count: number }>> {
    return this.store.db
      .select({ state: releases.state, count: count() })
      .from(releases)
      .groupBy(releases.state)
      .all();
  }

  async queueDepths(): Promise<QueueDepths> {
    const effects = this.store
      .statement<{ status: string; n: number }>(
        `select status, count(*) as n from outbox where status in ('pending', 'running') group by status`,
      )
      .all();
    const one = (source: string) => this.store.statement<{ n: number }>(source).get()?.n ?? 0;
    return {
      effectsPending: effects.find((e) => e.status === 'pending')?.n ?? 0,
      effectsRunning: effects.find((e) => e.status === 'running')?.n ?? 0,
      timers: one('select count(*) as n from timers'),
      deliveriesReceived: one(`select count(*) as n from webhook_deliveries where status = 'received'`),
    };
  }

  async lastAuditSeq(): Promise<number> {
    this.store.insertDeferred();
    return (
      this.store.db
        .select({ seq: max(audit.seq) })
        .from(audit)
        .get()?.seq ?? 0
    );
  }

  async auditAfter(after: number, limit: number): Promise<AuditRow[]> {
    return this.repo.auditAfter(after, limit);
  }

  async compactHistory(minRows: number, limit: number): Promise<number> {
    return this.store.isOpen() ? this.repo.compactHistory(minRows, limit) : 0;
  }

  // ---- claims checked on writes ----

  private checkEffectOwner(id: number, owner: string | undefined): void {
    if (owner !== undefined && !this.effectClaims.holds(id, owner))
      throw new LeaseLostError('Effect', id, owner);
  }

  private checkClaims(write: DecisionWrite): void {
    for (const c of [
      ...(write.completeEffect ? [write.completeEffect] : []),
      ...(write.completeEffects ?? []),
    ])
      this.checkEffectOwner(c.id, c.owner);
    const fired = write.firedTimer;
    if (fired?.owner === undefined) return;
    for (const [id, key] of this.claimedTimers) {
      if (
        key.releaseId === write.releaseId &&
        key.name === fired.name &&
        key.scheduleKey === fired.scheduleKey
      ) {
        if (this.timerClaims.holds(id, fired.owner)) return;
      }
    }
    throw new LeaseLostError('Timer', `${write.releaseId}/${fired.name}`, fired.owner);
  }

  private dropFinishedClaims(write: DecisionWrite): void {
    for (const c of [
      ...(write.completeEffect ? [write.completeEffect] : []),
      ...(write.completeEffects ?? []),
    ])
      this.effectClaims.drop(c.id);
    const fired = write.firedTimer;
    if (!fired) return;
    for (const [id, key] of this.claimedTimers) {
      if (
        key.releaseId === write.releaseId &&
        key.name === fired.name &&
        key.scheduleKey === fired.scheduleKey
      ) {
        this.claimedTimers.delete(id);
        this.timerClaims.drop(id);
      }
    }
  }
}

class SqliteDeliveries implements DeliveryStore {
  private readonly claims = new LocalClaims<number>();

  constructor(
    private readonly store: Store,
    private readonly repo: DeliveryRepository,
  ) {}

  async insert(
    input: DeliveryInput,
    options: { durable?: boolean | 'batched' } = {},
  ): Promise<number | null> {
    return this.repo.insert(input, options);
  }

  async get(id: number): Promise<DeliveryRow | undefined> {
    return this.repo.get(id);
  }

  async getByDedupeKey(dedupeKey: string): Promise<DeliveryRow | undefined> {
    return this.repo.getByDedupeKey(dedupeKey);
  }

  async latestFor(issueKey: string): Promise<DeliveryRow | undefined> {
    return this.repo.latestFor(issueKey);
  }

  async lastSeenStatus(issueKey: string): Promise<string | null> {
    return this.repo.lastSeenStatus(issueKey);
  }

  async unprocessed(): Promise<DeliveryRow[]> {
    return this.repo.unprocessed();
  }

  async claim(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const row = this.store
      .statement<{ status: string }>('select status from webhook_deliveries where id = ?')
      .get(id);
    if (row?.status !== 'received' || this.claims.heldByOther(id, owner)) return false;
    this.claims.take(id, owner, leaseMs);
    return true;
  }

  async finish(
    id: number,
    outcome: string,
    detail: unknown,
    options: { durable?: boolean } = {},
  ): Promise<void> {
    this.repo.finish(id, outcome, detail, options);
    this.claims.drop(id);
  }

  async recordAttempt(id: number, attempts: number, error: string): Promise<void> {
    this.repo.recordAttempt(id, attempts, error);
  }

  renew(id: number, owner: string, leaseMs: number): boolean {
    return this.claims.renew(id, owner, leaseMs);
  }

  dropOwner(owner: string): void {
    this.claims.dropOwner(owner);
  }
}

class SqliteNotifications implements NotificationStore {
  private readonly claims = new LocalClaims<number>();

  constructor(
    private readonly store: Store,
    private readonly outbox: NotificationOutbox,
  ) {}

  async add(inputs: readonly NotificationInput[], now?: number): Promise<number> {
    return this.outbox.add(inputs, now);
  }

  async due(now: number, limit: number): Promise<NotificationRow[]> {
    return this.outbox.due(now, limit);
  }

  async nextDueAt(): Promise<number | null> {
    return this.outbox.nextDueAt();
  }

  async markSending(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const row = this.store
      .statement<{ status: string }>('select status from notification_outbox where id = ?')
      .get(id);
    if (row?.status !== 'pending' && row?.status !== 'sending') return false;
    if (this.claims.heldByOther(id, owner)) return false;
    this.outbox.markSending(id);
    this.claims.take(id, owner, leaseMs);
    // The notification goes out once the decision that queued it (and this mark) is committed.
    await this.store.settled();
    return true;
  }

  async markSent(row: NotificationRow, now?: number): Promise<void> {
    this.outbox.markSent(row, now);
    this.claims.drop(row.id);
  }

  async defer(row: NotificationRow, retryAt: number, error: string): Promise<void> {
    this.outbox.defer(row, retryAt, error);
    this.claims.drop(row.id);
  }

  async markFailed(row: NotificationRow, error: string): Promise<void> {
    this.outbox.markFailed(row, error);
    this.claims.drop(row.id);
  }

  async recover(): Promise<number> {
    return this.outbox.recover();
  }

  async ofRelease(releaseId: string): Promise<NotificationRow[]> {
    return this.outbox.ofRelease(releaseId);
  }

  async depth(): Promise<{ pending: number; sending: number }> {
    return this.outbox.depth();
  }
}
