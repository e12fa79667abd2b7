/**
 * Reads and writes of releases, their requests, audit trail, outbox and timers. `commitDecision` is the
 * one transaction that makes a decision durable: snapshot (with the revision check), audit entries,
 * effects and timers, and the completion of the effect or timer whose outcome caused it.
 */
import { and, asc, count, desc, eq, inArray, isNotNull, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Store, StoreDb } from './open-store.js';
import { audit, type OutboxStatus, outbox, releases, requests, timers, webhookDeliveries } from './schema.js';

export type ReleaseRow = typeof releases.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type TimerRow = typeof timers.$inferSelect;
export type AuditRow = typeof audit.$inferSelect;

export interface AuditInput {
  source: string;
  actor: string;
  event: string;
  fromState: string | null;
  toState: string | null;
  accepted: boolean;
  detail?: unknown;
}

export interface EffectInput {
  idempotencyKey: string;
  type: string;
  payload: unknown;
}

export interface TimerInput {
  name: string;
  dueAt: number;
  scheduleKey: string;
}

/** Everything one decision writes, atomically. */
export interface DecisionWrite {
  releaseId: string;
  /** New snapshot; absent when the event was refused (nothing about the release changes). */
  release?: {
    /** Revision read before deciding; the write fails when another writer got there first. */
    expectedRevision: number;
    state: string;
    iteration: number;
    issueKey: string | null;
    machineVersion: number;
    snapshot: unknown;
    /** Set when this decision completes the UAT upgrade with a versioned request. */
    appliedVersion?: string;
  };
  audit: AuditInput[];
  effects: EffectInput[];
  scheduleTimers: TimerInput[];
  cancelTimers: string[];
  /** The outbox row whose outcome this decision records. */
  completeEffect?: { id: number; status: 'done' | 'failed'; error?: string | null };
  /** The timer row that fired (deleted when still the same schedule). */
  firedTimer?: { id: number; scheduleKey: string };
  /** The Jira delivery this decision answers, marked processed in the same transaction. */
  finishDelivery?: { id: number; outcome: string; detail: unknown };
  /** An accepted request of the release system, kept for the record. */
  request?: { iteration: number; by: string; body: unknown };
}

export class RevisionConflictError extends Error {
  readonly code = 'REVISION_CONFLICT';
  constructor(releaseId: string, expected: number) {
    super(
      `Release ${releaseId} changed while an event was being decided (expected revision ${expected}). ` +
        'Another writer shares this database; run one cdflow server per database file.',
    );
    this.name = 'RevisionConflictError';
  }
}

type Tx = Parameters<Parameters<StoreDb['transaction']>[0]>[0];

const now = () => new Date().toISOString();

export class ReleaseRepository {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  getById(releaseId: string): ReleaseRow | undefined {
    return this.db.select().from(releases).where(eq(releases.releaseId, releaseId)).get();
  }

  getBySummary(summary: string): ReleaseRow | undefined {
    return this.db.select().from(releases).where(eq(releases.summary, summary)).get();
  }

  getByIssueKey(issueKey: string): ReleaseRow | undefined {
    return this.db
      .select()
      .from(releases)
      .where(eq(releases.issueKey, issueKey))
      .orderBy(desc(releases.createdAt))
      .get();
  }

  /** A release by Jira issue key, release id or summary. */
  find(ref: string): ReleaseRow | undefined {
    return this.getByIssueKey(ref) ?? this.getById(ref) ?? this.getBySummary(ref);
  }

  list(filter: { state?: string; project?: string; env?: 'UAT' | 'PRO'; limit: number; offset: number }): {
    total: number;
    rows: ReleaseRow[];
  } {
    const conditions: SQL[] = [];
    // A product state covers the machine's steps inside it (`sqlPending` matches `sqlPending.failed`).
    if (filter.state) {
      const prefix = `${filter.state}.`;
      conditions.push(
        or(
          eq(releases.state, filter.state),
          sql`substr(${releases.state}, 1, ${prefix.length}) = ${prefix}`,
        )!,
      );
    }
    if (filter.project) conditions.push(eq(releases.project, filter.project));
    if (filter.env) conditions.push(eq(releases.env, filter.env));
    const where = conditions.length > 0 ? and(...conditions) : undefined;
    const total = this.db.select({ n: count() }).from(releases).where(where).get()?.n ?? 0;
    const rows = this.db
      .select()
      .from(releases)
      .where(where)
      .orderBy(desc(releases.createdAt), desc(releases.releaseId))
      .limit(filter.limit)
      .offset(filter.offset)
      .all();
    return { total, rows };
  }

  /**
   * Releases whose next step is a person's (the states named), last changed inside (since, before):
   * what the Jira reconciliation looks at. Oldest change first, at most `limit`; `since` moves forward as
   * a cursor so every release gets its turn.
   */
  awaitingPeople(states: readonly string[], since: string, before: string, limit: number): ReleaseRow[] {
    const inStates = states.map((s) =>
      or(eq(releases.state, s), sql`substr(${releases.state}, 1, ${s.length + 1}) = ${`${s}.`}`),
    );
    return this.db
      .select()
      .from(releases)
      .where(
        and(
          or(...inStates),
          isNotNull(releases.issueKey),
          sql`${releases.updatedAt} > ${since}`,
          sql`${releases.updatedAt} < ${before}`,
        ),
      )
      .orderBy(asc(releases.updatedAt))
      .limit(limit)
      .all();
  }

  /** The version most recently brought to uatComplete by another release of the same project and env. */
  lastAppliedVersion(project: string, env: 'UAT' | 'PRO', exceptReleaseId: string): string | null {
    const row = this.db
      .select({ version: releases.appliedVersion })
      .from(releases)
      .where(
        and(
          eq(releases.project, project),
          eq(releases.env, env),
          isNotNull(releases.appliedVersion),
          ne(releases.releaseId, exceptReleaseId),
        ),
      )
      .orderBy(desc(releases.appliedAt))
      .limit(1)
      .get();
    return row?.version ?? null;
  }

  history(releaseId: string): AuditRow[] {
    return this.db.select().from(audit).where(eq(audit.releaseId, releaseId)).orderBy(asc(audit.seq)).all();
  }

  /** Insert a new release with its first decision, in one transaction. */
  createRelease(
    row: Omit<ReleaseRow, 'createdAt' | 'updatedAt' | 'revision' | 'appliedVersion' | 'appliedAt'>,
    write: Omit<DecisionWrite, 'release' | 'releaseId'>,
  ): void {
    this.db.transaction(
      (tx) => {
        const at = now();
        tx.insert(releases)
          .values({ ...row, revision: 1, createdAt: at, updatedAt: at })
          .run();
        this.writeParts(tx, { ...write, releaseId: row.releaseId }, at);
      },
      { behavior: 'immediate' },
    );
  }

  commitDecision(write: DecisionWrite): void {
    this.db.transaction(
      (tx) => {
        const at = now();
        if (write.release) {
          const r = write.release;
          const result = tx
            .update(releases)
            .set({
              state: r.state,
              iteration: r.iteration,
              issueKey: r.issueKey,
              machineVersion: r.machineVersion,
              snapshot: r.snapshot,
              revision: r.expectedRevision + 1,
              updatedAt: at,
              ...(r.appliedVersion === undefined ? {} : { appliedVersion: r.appliedVersion, appliedAt: at }),
            })
            .where(and(eq(releases.releaseId, write.releaseId), eq(releases.revision, r.expectedRevision)))
            .run();
          if (result.changes !== 1) throw new RevisionConflictError(write.releaseId, r.expectedRevision);
        }
        this.writeParts(tx, write, at);
      },
      { behavior: 'immediate' },
    );
  }

  private writeParts(tx: Tx, write: DecisionWrite, at: string): void {
    const releaseId = write.releaseId;
    for (const entry of write.audit) {
      tx.insert(audit)
        .values({
          releaseId,
          at,
          source: entry.source,
          actor: entry.actor,
          event: entry.event,
          fromState: entry.fromState,
          toState: entry.toState,
          accepted: entry.accepted,
          detail: entry.detail ?? null,
        })
        .run();
    }
    if (write.request) {
      tx.insert(requests)
        .values({
          releaseId,
          iteration: write.request.iteration,
          by: write.request.by,
          body: write.request.body,
          receivedAt: at,
        })
        .run();
    }
    if (write.finishDelivery) {
      const d = write.finishDelivery;
      tx.update(webhookDeliveries)
        .set({ status: 'processed', outcome: d.outcome, detail: d.detail ?? null, processedAt: at })
        .where(eq(webhookDeliveries.id, d.id))
        .run();
    }
    if (write.completeEffect) {
      tx.update(outbox)
        .set({
          status: write.completeEffect.status,
          lastError: write.completeEffect.error ?? null,
          updatedAt: at,
        })
        .where(eq(outbox.id, write.completeEffect.id))
        .run();
    }
    if (write.firedTimer) {
      tx.delete(timers)
        .where(and(eq(timers.id, write.firedTimer.id), eq(timers.scheduleKey, write.firedTimer.scheduleKey)))
        .run();
    }
    for (const name of write.cancelTimers) {
      tx.delete(timers)
        .where(and(eq(timers.releaseId, releaseId), eq(timers.name, name)))
        .run();
    }
    for (const timer of write.scheduleTimers) {
      tx.insert(timers)
        .values({
          releaseId,
          name: timer.name,
          dueAt: timer.dueAt,
          scheduleKey: timer.scheduleKey,
          createdAt: at,
        })
        .onConflictDoUpdate({
          target: [timers.releaseId, timers.name],
          set: { dueAt: timer.dueAt, scheduleKey: timer.scheduleKey, createdAt: at },
        })
        .run();
    }
    for (const effect of write.effects) {
      const existing = tx.select().from(outbox).where(eq(outbox.idempotencyKey, effect.idempotencyKey)).get();
      if (existing && (existing.status === 'pending' || existing.status === 'running')) {
        // The same upstream side effect is already queued: queueing it twice would run it twice.
        continue;
      }
      if (existing) {
        // Decided again after it finished (e.g. a retried submission): keep the old row for the record
        // under a suffixed key and queue a fresh one at the end of the release's queue, in order.
        tx.update(outbox)
          .set({ idempotencyKey: `${existing.idempotencyKey}#${existing.id}`, updatedAt: at })
          .where(eq(outbox.id, existing.id))
          .run();
      }
      tx.insert(outbox)
        .values({
          releaseId,
          idempotencyKey: effect.idempotencyKey,
          type: effect.type,
          payload: effect.payload,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: 0,
          createdAt: at,
          updatedAt: at,
        })
        .run();
    }
  }

  /** The next effect of a release to run (its queue is strictly FIFO). */
  headEffect(releaseId: string): OutboxRow | undefined {
    return this.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.releaseId, releaseId), inArray(outbox.status, ['pending', 'running'])))
      .orderBy(asc(outbox.id))
      .limit(1)
      .get();
  }

  /** Releases that have effects waiting (for the runner at start). */
  releasesWithPendingEffects(): string[] {
    return this.db
      .selectDistinct({ releaseId: outbox.releaseId })
      .from(outbox)
      .where(inArray(outbox.status, ['pending', 'running']))
      .all()
      .map((r) => r.releaseId);
  }

  /** True when an effect is pending and due at `at` (for `idle`). */
  hasDueEffects(at: number): boolean {
    const row = this.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(inArray(outbox.status, ['pending', 'running']), lte(outbox.nextAttemptAt, at)))
      .limit(1)
      .get();
    return row !== undefined;
  }

  /** Effects left `running` by a previous process go back to `pending`: they are idempotent. */
  resetRunningEffects(): number {
    return this.db
      .update(outbox)
      .set({ status: 'pending', updatedAt: now() })
      .where(eq(outbox.status, 'running'))
      .run().changes;
  }

  markEffect(
    id: number,
    status: OutboxStatus,
    fields: { attempts?: number; nextAttemptAt?: number; lastError?: string | null } = {},
  ): void {
    this.db
      .update(outbox)
      .set({ status, ...fields, updatedAt: now() })
      .where(eq(outbox.id, id))
      .run();
  }

  /** Record a retryable failure: the effect stays pending until `nextAttemptAt`. */
  deferEffect(
    id: number,
    attempts: number,
    nextAttemptAt: number,
    error: string,
    entry: AuditInput & { releaseId: string },
  ): void {
    this.db.transaction(
      (tx) => {
        const at = now();
        tx.update(outbox)
          .set({ status: 'pending', attempts, nextAttemptAt, lastError: error, updatedAt: at })
          .where(eq(outbox.id, id))
          .run();
        tx.insert(audit)
          .values({ ...entry, at, detail: entry.detail ?? null })
          .run();
      },
      { behavior: 'immediate' },
    );
  }

  appendAudit(releaseId: string, entry: AuditInput): void {
    this.db
      .insert(audit)
      .values({ releaseId, at: now(), ...entry, detail: entry.detail ?? null })
      .run();
  }

  dueTimers(at: number): TimerRow[] {
    return this.db.select().from(timers).where(lte(timers.dueAt, at)).orderBy(asc(timers.dueAt)).all();
  }

  /** The earliest timers, soonest first. */
  nextTimers(limit: number): TimerRow[] {
    return this.db.select().from(timers).orderBy(asc(timers.dueAt)).limit(limit).all();
  }

  getTimer(id: number): TimerRow | undefined {
    return this.db.select().from(timers).where(eq(timers.id, id)).get();
  }

  timersOf(releaseId: string): TimerRow[] {
    return this.db.select().from(timers).where(eq(timers.releaseId, releaseId)).all();
  }

  effectsOf(releaseId: string): OutboxRow[] {
    return this.db.select().from(outbox).where(eq(outbox.releaseId, releaseId)).orderBy(asc(outbox.id)).all();
  }
}
