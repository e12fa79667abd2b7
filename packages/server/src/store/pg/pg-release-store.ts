/**
 * The ReleaseStore on PostgreSQL (drizzle-orm over a node-postgres Pool), for any number of cdflow
 * replicas on one database. Rows and behaviour match the SQLite store (same tables, same row shapes, the
 * request stored once and referenced from the snapshot, finished effects leaving the outbox), plus:
 * - every decision on a release takes the release's advisory lock for its transaction
 *   (`pg_advisory_xact_lock(space, hashtext(release id))`), and still checks the revision;
 * - effects, timers, deliveries and notifications are claimed with a lease (`FOR UPDATE SKIP LOCKED`,
 *   lease times by the database's clock), and an outcome carrying `owner` is recorded only while that
 *   owner holds the claim;
 * - every commit is durable when it returns, so `flush()` has nothing to do.
 *
 * A store bound to a transaction (what `withReleaseLock` hands to its function) runs every statement in
 * that transaction; its own transactions are savepoints.
 */
import { and, asc, desc, eq, gt, isNotNull, ne, type SQL, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { BoundedMap } from '../bounded-map.js';
import type {
  AuditInput,
  AuditRow,
  CommitResult,
  DecisionRow,
  DecisionWrite,
  EffectCompletion,
  OutboxRow,
  ReleaseHead,
  ReleaseRow,
  TimerRow,
} from '../release-repository.js';
import { RevisionConflictError } from '../release-repository.js';
import {
  type ClaimedEffect,
  type ClaimedTimer,
  DeliveryProcessedError,
  type DeliveryStore,
  type EffectWriteOptions,
  type HeldClaims,
  LeaseLostError,
  type NewRelease,
  type NotificationStore,
  type QueueDepths,
  type ReleaseLink,
  type ReleaseListFilter,
  type ReleaseStore,
  type RenewedClaims,
} from '../release-store.js';
import type { OutboxStatus } from '../schema.js';
import { jsonOrNull, queuedRowOf } from '../store-records.js';
import type { StoreCounters, StoreStats } from '../store-stats.js';
import {
  attachRequest,
  encodeSnapshot,
  inlineRequestOf,
  matchStoredRequest,
  requestRefIn,
  type StoredRequest,
  StoredRequestMissingError,
} from '../stored-request.js';
import { PgDeliveries } from './pg-deliveries.js';
import { PgNotifications } from './pg-notifications.js';
import {
  changed,
  dbNowMs,
  isUniqueViolation,
  jsonParam,
  likeLiteral,
  lockRelease,
  num,
  type PgExecutor,
  pgText,
  rowsOf,
} from './pg-sql.js';
import * as pgSchema from './schema.js';

const { audit, outbox, releases, timers } = pgSchema;

/** What every store over one pool shares (the root store and those bound to a transaction). */
export interface PgShared {
  pool: pg.Pool;
  root: NodePgDatabase<typeof pgSchema>;
  location: string;
  counters: StoreCounters;
  /** releaseId → the request its snapshot refers to, as last read or written (request rows never change). */
  requestCache: BoundedMap<string, StoredRequest>;
  open: boolean;
  /** How long `ping` waits for the database. */
  pingTimeoutMs: number;
}

const now = () => new Date().toISOString();

/** Rows per multi-row INSERT. */
const rowsPerInsert = 32;

/** The stored request a snapshot refers to (null when its request is inline). */
const requestRef = `case when json_typeof(r.snapshot #> '{context,request,storedRequestId}') = 'number'
  then (r.snapshot #>> '{context,request,storedRequestId}')::numeric::bigint end`;

const releaseSelect = sql.raw(`select r.release_id, r.summary, r.issue_key, r.project, r.jira_project, r.env,
  r.state, r.iteration, r.machine_version, r.snapshot, r.applied_version, r.applied_at, r.revision,
  r.created_at, r.updated_at, q.id as request_id, q.body::text as request
  from releases r left join requests q on q.id = ${requestRef}`);

interface ReleaseRecord extends Record<string, unknown> {
  release_id: string;
  summary: string;
  issue_key: string | null;
  project: string;
  jira_project: string;
  env: 'UAT' | 'PRO';
  state: string;
  iteration: number;
  machine_version: number;
  snapshot: unknown;
  applied_version: string | null;
  applied_at: string | null;
  revision: number;
  created_at: string;
  updated_at: string;
  request_id: string | null;
  request: string | null;
}

const outboxColumns = {
  id: outbox.id,
  releaseId: outbox.releaseId,
  idempotencyKey: outbox.idempotencyKey,
  type: outbox.type,
  payload: outbox.payload,
  status: outbox.status,
  attempts: outbox.attempts,
  nextAttemptAt: outbox.nextAttemptAt,
  lastError: outbox.lastError,
  createdAt: outbox.createdAt,
  updatedAt: outbox.updatedAt,
};

const outboxReturning =
  sql.raw(`o.id, o.release_id, o.idempotency_key, o.type, o.payload, o.status, o.attempts,
  o.next_attempt_at, o.last_error, o.created_at, o.updated_at, o.lease_owner, o.lease_until`);

interface OutboxRecord extends Record<string, unknown> {
  id: string;
  release_id: string;
  idempotency_key: string;
  type: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  lease_owner: string;
  lease_until: string;
}

function claimedEffectOf(r: OutboxRecord): ClaimedEffect {
  return {
    id: num(r.id),
    releaseId: r.release_id,
    idempotencyKey: r.idempotency_key,
    type: r.type,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: num(r.next_attempt_at),
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    leaseOwner: r.lease_owner,
    leaseUntil: num(r.lease_until),
  };
}

const timerColumns = {
  id: timers.id,
  releaseId: timers.releaseId,
  name: timers.name,
  dueAt: timers.dueAt,
  scheduleKey: timers.scheduleKey,
  createdAt: timers.createdAt,
};

const unfinished = sql.raw(`status in ('pending', 'running')`);

/** A product state covers the machine's steps inside it (`sqlPending` matches `sqlPending.failed`). */
function inState(state: string): SQL {
  return sql`(r.state = ${state} or r.state like ${`${likeLiteral(state)}.%`})`;
}

export class PgReleaseStore implements ReleaseStore {
  readonly dialect = 'postgres' as const;
  readonly deliveries: DeliveryStore;
  readonly notifications: NotificationStore;

  /**
   * @param db the pool's database, or a transaction (then `inTransaction`): every statement runs on it.
   */
  constructor(
    private readonly shared: PgShared,
    private readonly db: PgExecutor,
    private readonly inTransaction = false,
  ) {
    this.deliveries = new PgDeliveries(db, () => this.wrote());
    this.notifications = new PgNotifications(db, () => this.wrote());
  }

  get location(): string {
    return this.shared.location;
  }

  // ---- health and lifecycle ----

  isOpen(): boolean {
    return this.shared.open;
  }

  async ping(): Promise<boolean> {
    if (!this.shared.open) return false;
    let timer: NodeJS.Timeout | undefined;
    const query = this.shared.pool.query('select 1').then(
      () => true,
      () => false,
    );
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.shared.pingTimeoutMs);
    });
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.shared.open) return;
    this.shared.open = false;
    await this.shared.pool.end();
  }

  stats(): StoreStats {
    const c = this.shared.counters;
    return {
      statements: c.statements,
      prepared: c.prepared,
      commits: c.commits,
      durableCommits: c.durableCommits,
      walBytes: null,
    };
  }

  resetStats(): void {
    this.shared.counters.reset();
  }

  /** PostgreSQL commits are durable when they return: nothing waits for a flush. */
  async flush(): Promise<boolean> {
    return false;
  }

  /** Every write here has committed when its call resolves. */
  async settled(): Promise<void> {}

  /** Rows are not folded here (PostgreSQL stores them compactly enough, and replicas share the table). */
  async compactHistory(): Promise<number> {
    return 0;
  }

  // ---- releases ----

  async getById(releaseId: string): Promise<ReleaseRow | undefined> {
    return this.oneRelease(sql`${releaseSelect} where r.release_id = ${releaseId}`);
  }

  async getBySummary(summary: string, env?: 'UAT' | 'PRO'): Promise<ReleaseRow | undefined> {
    if (env !== undefined)
      return this.oneRelease(sql`${releaseSelect} where r.summary = ${summary} and r.env = ${env}`);
    // A summary's UAT release if it has one, else its production one.
    return this.oneRelease(
      sql`${releaseSelect} where r.summary = ${summary} order by case r.env when 'UAT' then 0 else 1 end limit 1`,
    );
  }

  async linkOf(summary: string, env: 'UAT' | 'PRO'): Promise<ReleaseLink | undefined> {
    const [row] = await this.db
      .select({
        releaseId: releases.releaseId,
        issueKey: releases.issueKey,
        state: releases.state,
        env: releases.env,
      })
      .from(releases)
      .where(and(eq(releases.summary, summary), eq(releases.env, env)))
      .limit(1);
    return row;
  }

  async getByIssueKey(issueKey: string): Promise<ReleaseRow | undefined> {
    return this.oneRelease(
      sql`${releaseSelect} where r.issue_key = ${issueKey} order by r.created_at desc limit 1`,
    );
  }

  async releaseIdOfIssue(issueKey: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ releaseId: releases.releaseId })
      .from(releases)
      .where(eq(releases.issueKey, issueKey))
      .orderBy(desc(releases.createdAt))
      .limit(1);
    return row?.releaseId;
  }

  async find(ref: string, env?: 'UAT' | 'PRO'): Promise<ReleaseRow | undefined> {
    return (
      (await this.getByIssueKey(ref)) ?? (await this.getById(ref)) ?? (await this.getBySummary(ref, env))
    );
  }

  async getForDecision(releaseId: string): Promise<DecisionRow | undefined> {
    const row = await this.getById(releaseId);
    if (!row) return undefined;
    return {
      releaseId: row.releaseId,
      issueKey: row.issueKey,
      state: row.state,
      revision: row.revision,
      machineVersion: row.machineVersion,
      snapshot: row.snapshot,
    };
  }

  async getHead(releaseId: string): Promise<ReleaseHead | undefined> {
    const [row] = await this.db
      .select({
        releaseId: releases.releaseId,
        issueKey: releases.issueKey,
        state: releases.state,
        iteration: releases.iteration,
        revision: releases.revision,
        createdAt: releases.createdAt,
        updatedAt: releases.updatedAt,
      })
      .from(releases)
      .where(eq(releases.releaseId, releaseId));
    return row;
  }

  async list(filter: ReleaseListFilter): Promise<{ total: number; rows: ReleaseRow[] }> {
    const conditions: SQL[] = [];
    if (filter.state) conditions.push(inState(filter.state));
    if (filter.project) conditions.push(sql`r.project = ${filter.project}`);
    if (filter.env) conditions.push(sql`r.env = ${filter.env}`);
    const after = filter.after;
    const page = after
      ? [
          ...conditions,
          // "C": ISO times and ids compare byte by byte, as the index orders them (like awaitingPeople).
          sql`(r.created_at collate "C" < ${after.createdAt} or (r.created_at = ${after.createdAt} and r.release_id collate "C" < ${after.releaseId}))`,
        ]
      : conditions;
    const whereOf = (parts: SQL[]) => (parts.length > 0 ? sql` where ${sql.join(parts, sql` and `)}` : sql``);
    const [counted] = after
      ? [{ n: '-1' }]
      : await rowsOf<{ n: string }>(this.db, sql`select count(*) as n from releases r${whereOf(conditions)}`);
    const records = await rowsOf<ReleaseRecord>(
      this.db,
      sql`${releaseSelect}${whereOf(page)} order by r.created_at desc, r.release_id desc
        limit ${filter.limit} offset ${after ? 0 : filter.offset}`,
    );
    return { total: num(counted?.n ?? 0), rows: records.map((r) => this.releaseRowOf(r)) };
  }

  async awaitingPeople(
    states: readonly string[],
    since: string,
    before: string,
    limit: number,
  ): Promise<ReleaseRow[]> {
    if (states.length === 0) return [];
    const records = await rowsOf<ReleaseRecord>(
      this.db,
      sql`${releaseSelect}
        where (${sql.join(states.map(inState), sql` or `)}) and r.issue_key is not null
          and r.updated_at collate "C" > ${since} and r.updated_at collate "C" < ${before}
        order by r.updated_at asc limit ${limit}`,
    );
    return records.map((r) => this.releaseRowOf(r));
  }

  async lastAppliedVersion(
    project: string,
    env: 'UAT' | 'PRO',
    exceptReleaseId: string,
  ): Promise<string | null> {
    const [row] = await this.db
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
      .limit(1);
    return row?.version ?? null;
  }

  async history(releaseId: string): Promise<AuditRow[]> {
    return this.db.select().from(audit).where(eq(audit.releaseId, releaseId)).orderBy(asc(audit.seq));
  }

  // ---- decisions ----

  async createRelease(
    row: NewRelease,
    write: Omit<DecisionWrite, 'release' | 'releaseId'>,
  ): Promise<CommitResult> {
    const at = now();
    const remember: Array<[string, StoredRequest]> = [];
    let result: CommitResult;
    try {
      result = await this.transaction(async (db) => {
        await lockRelease(db, row.releaseId);
        const fresh = write.request && (await this.insertRequest(db, row.releaseId, write.request, at));
        const snapshot = await this.snapshotText(db, row.releaseId, row.snapshot, fresh, remember);
        await db.execute(sql`insert into releases (release_id, summary, issue_key, project, jira_project, env, state,
            iteration, machine_version, snapshot, revision, created_at, updated_at)
          values (${row.releaseId}, ${row.summary}, ${row.issueKey}, ${row.project}, ${row.jiraProject}, ${row.env},
            ${row.state}, ${row.iteration}, ${row.machineVersion}, ${snapshot}::json, 1, ${at}, ${at})`);
        return { revision: 1, queued: await this.writeParts(db, { ...write, releaseId: row.releaseId }, at) };
      });
    } catch (error) {
      // Another replica created it first (same summary, same id): decide again on what it wrote.
      if (isUniqueViolation(error)) throw new RevisionConflictError(row.releaseId, 0);
      throw error;
    }
    this.rememberRequests(remember);
    return result;
  }

  async commitDecision(write: DecisionWrite): Promise<CommitResult> {
    const at = now();
    const remember: Array<[string, StoredRequest]> = [];
    const result = await this.transaction(async (db) => {
      await lockRelease(db, write.releaseId);
      const fresh = write.request && (await this.insertRequest(db, write.releaseId, write.request, at));
      let revision: number | null = null;
      if (write.release) {
        const r = write.release;
        const snapshot = await this.snapshotText(db, write.releaseId, r.snapshot, fresh, remember);
        const applied =
          r.appliedVersion === undefined
            ? sql``
            : sql`, applied_version = ${r.appliedVersion}, applied_at = ${at}`;
        const updated = await changed(
          db,
          sql`update releases set state = ${r.state}, iteration = ${r.iteration}, issue_key = ${r.issueKey},
              machine_version = ${r.machineVersion}, snapshot = ${snapshot}::json, revision = ${r.expectedRevision + 1},
              updated_at = ${at}${applied}
            where release_id = ${write.releaseId} and revision = ${r.expectedRevision}`,
        );
        if (updated !== 1) throw new RevisionConflictError(write.releaseId, r.expectedRevision);
        revision = r.expectedRevision + 1;
      }
      return { revision, queued: await this.writeParts(db, write, at) };
    });
    this.rememberRequests(remember);
    return result;
  }

  async appendAudit(releaseId: string, entry: AuditInput): Promise<void> {
    await this.insertAudit(this.db, [{ ...entry, releaseId }], now());
    this.wrote();
  }

  async withReleaseLock<T>(releaseId: string, fn: (store: ReleaseStore) => Promise<T>): Promise<T> {
    return this.transaction(async (db) => {
      await lockRelease(db, releaseId);
      return fn(new PgReleaseStore(this.shared, db, true));
    });
  }

  // ---- effects ----

  async headEffect(releaseId: string): Promise<OutboxRow | undefined> {
    const [row] = await this.db
      .select(outboxColumns)
      .from(outbox)
      .where(and(eq(outbox.releaseId, releaseId), unfinished))
      .orderBy(asc(outbox.id))
      .limit(1);
    return row;
  }

  async pendingEffects(releaseId: string): Promise<OutboxRow[]> {
    return this.db
      .select(outboxColumns)
      .from(outbox)
      .where(and(eq(outbox.releaseId, releaseId), unfinished))
      .orderBy(asc(outbox.id));
  }

  async effectsOf(releaseId: string): Promise<OutboxRow[]> {
    return this.db
      .select(outboxColumns)
      .from(outbox)
      .where(eq(outbox.releaseId, releaseId))
      .orderBy(asc(outbox.id));
  }

  async releasesWithPendingEffects(): Promise<string[]> {
    const rows = await this.db.selectDistinct({ releaseId: outbox.releaseId }).from(outbox).where(unfinished);
    return rows.map((r) => r.releaseId);
  }

  async hasDueEffects(at: number): Promise<boolean> {
    // Only a release's head can run (as `claimEffects` takes them): a due row behind a head that waits
    // (e.g. a poll behind a Jira move waiting for its issue) is no work now.
    const rows = await rowsOf(
      this.db,
      sql`with heads as (
          select distinct on (release_id) id, next_attempt_at from outbox where ${unfinished}
          order by release_id, id
        )
        select 1 from heads where next_attempt_at <= ${at} limit 1`,
    );
    return rows.length > 0;
  }

  async resetRunningEffects(): Promise<number> {
    const n = await changed(
      this.db,
      sql`update outbox set status = 'pending', updated_at = ${now()}
        where status = 'running' and (lease_until is null or lease_until <= ${dbNowMs})`,
    );
    this.wrote();
    return n;
  }

  async markEffect(
    id: number,
    status: OutboxStatus,
    fields: { attempts?: number; nextAttemptAt?: number; lastError?: string | null } = {},
    options: EffectWriteOptions = {},
  ): Promise<void> {
    if (status === 'done') {
      await this.transaction((db) =>
        this.completeEffects(db, [{ id, status: 'done', owner: options.owner }], now()),
      );
      return;
    }
    const owned = options.owner === undefined ? sql`` : sql` and lease_owner = ${options.owner}`;
    // A failed row is finished and a pending one waits (for its time): nobody holds either any more.
    // `running` keeps the claim: the owner is calling the upstream.
    const lease = status === 'running' ? sql`` : sql`, lease_owner = null, lease_until = null`;
    const n = await changed(
      this.db,
      sql`update outbox set status = ${status}, attempts = coalesce(${fields.attempts ?? null}::integer, attempts),
          next_attempt_at = coalesce(${fields.nextAttemptAt ?? null}::bigint, next_attempt_at),
          last_error = case when ${fields.lastError !== undefined} then ${pgText(fields.lastError)} else last_error end,
          updated_at = ${now()}${lease}
        where id = ${id}${owned}`,
    );
    this.wrote();
    if (n === 0 && options.owner !== undefined) throw new LeaseLostError('Effect', id, options.owner);
  }

  async deferEffect(
    id: number,
    attempts: number,
    nextAttemptAt: number,
    error: string,
    entry: AuditInput & { releaseId: string },
    options: EffectWriteOptions = {},
  ): Promise<void> {
    const owner = options.owner;
    await this.transaction(async (db) => {
      const at = now();
      const owned = owner === undefined ? sql`` : sql` and lease_owner = ${owner}`;
      const n = await changed(
        db,
        sql`update outbox set status = 'pending', attempts = ${attempts}, next_attempt_at = ${nextAttemptAt},
            last_error = ${pgText(error)}, updated_at = ${at}, lease_owner = null, lease_until = null
          where id = ${id}${owned}`,
      );
      if (n === 0 && owner !== undefined) throw new LeaseLostError('Effect', id, owner);
      await this.insertAudit(db, [entry], at);
    });
  }

  async claimEffects(
    owner: string,
    leaseMs: number,
    limit: number,
    at = Date.now(),
  ): Promise<ClaimedEffect[]> {
    // Heads first (each release's oldest unfinished row), then lock the due, unleased ones among them.
    // The lease test sits in the locking query: a row another claimer leased and committed meanwhile is
    // re-checked on its new version and left out; one it still holds locked is skipped.
    const records = await rowsOf<OutboxRecord>(
      this.db,
      sql`with heads as (
          select distinct on (release_id) id from outbox where ${unfinished} order by release_id, id
        ), claimable as (
          select o.id from outbox o join heads h on h.id = o.id
          where o.status in ('pending', 'running') and o.next_attempt_at <= ${at}
            and (o.lease_until is null or o.lease_until <= ${dbNowMs})
          order by o.next_attempt_at, o.id
          limit ${limit}
          for update of o skip locked
        )
        update outbox o set lease_owner = ${owner}, lease_until = ${dbNowMs} + ${leaseMs}
        from claimable c where o.id = c.id
        returning ${outboxReturning}`,
    );
    this.wrote();
    return records.map(claimedEffectOf).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id);
  }

  async renewLease(owner: string, leaseMs: number, held: HeldClaims): Promise<RenewedClaims> {
    const renew = async (table: string, ids: readonly number[] | undefined): Promise<number[]> => {
      if (!ids || ids.length === 0) return [];
      const rows = await rowsOf<{ id: string }>(
        this.db,
        sql`update ${sql.identifier(table)} set lease_until = ${dbNowMs} + ${leaseMs}
          where id = any(${sql.param(ids.map(String))}::bigint[]) and lease_owner = ${owner} returning id`,
      );
      return rows.map((r) => num(r.id)).sort((a, b) => a - b);
    };
    const result = {
      effects: await renew('outbox', held.effects),
      timers: await renew('timers', held.timers),
      deliveries: await renew('webhook_deliveries', held.deliveries),
    };
    this.wrote();
    return result;
  }

  async releaseClaims(owner: string): Promise<void> {
    await this.transaction(async (db) => {
      for (const table of ['outbox', 'timers', 'webhook_deliveries']) {
        await db.execute(
          sql`update ${sql.identifier(table)} set lease_owner = null, lease_until = null where lease_owner = ${owner}`,
        );
      }
      // A notification this owner was sending did not finish: it is sent again (at least once).
      await db.execute(
        sql`update notification_outbox set lease_owner = null, lease_until = null,
            status = case when status = 'sending' then 'pending' else status end
          where lease_owner = ${owner}`,
      );
      await db.execute(sql`delete from leases where owner = ${owner}`);
    });
  }

  // ---- timers ----

  async allTimers(): Promise<TimerRow[]> {
    return this.db.select(timerColumns).from(timers).orderBy(asc(timers.dueAt));
  }

  async dueTimers(at: number): Promise<TimerRow[]> {
    return this.db
      .select(timerColumns)
      .from(timers)
      .where(sql`${timers.dueAt} <= ${at}`)
      .orderBy(asc(timers.dueAt));
  }

  async nextTimers(limit: number): Promise<TimerRow[]> {
    return this.db.select(timerColumns).from(timers).orderBy(asc(timers.dueAt)).limit(limit);
  }

  async getTimer(id: number): Promise<TimerRow | undefined> {
    const [row] = await this.db.select(timerColumns).from(timers).where(eq(timers.id, id));
    return row;
  }

  async timersOf(releaseId: string): Promise<TimerRow[]> {
    return this.db.select(timerColumns).from(timers).where(eq(timers.releaseId, releaseId));
  }

  async claimTimers(owner: string, leaseMs: number, at: number, limit = 100): Promise<ClaimedTimer[]> {
    const rows = await rowsOf<{
      id: string;
      release_id: string;
      name: string;
      due_at: string;
      schedule_key: string;
      created_at: string;
      lease_owner: string;
      lease_until: string;
    }>(
      this.db,
      sql`with claimable as (
          select id from timers
          where due_at <= ${at} and (lease_until is null or lease_until <= ${dbNowMs})
          order by due_at, id limit ${limit}
          for update skip locked
        )
        update timers t set lease_owner = ${owner}, lease_until = ${dbNowMs} + ${leaseMs}
        from claimable c where t.id = c.id
        returning t.id, t.release_id, t.name, t.due_at, t.schedule_key, t.created_at, t.lease_owner, t.lease_until`,
    );
    this.wrote();
    return rows
      .map((r) => ({
        id: num(r.id),
        releaseId: r.release_id,
        name: r.name,
        dueAt: num(r.due_at),
        scheduleKey: r.schedule_key,
        createdAt: r.created_at,
        leaseOwner: r.lease_owner,
        leaseUntil: num(r.lease_until),
      }))
      .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
  }

  // ---- sweeps ----

  async acquireSweepLease(name: string, owner: string, leaseMs: number): Promise<boolean> {
    // Concurrent first takers: one inserts, the others wait on the key and then meet its live lease.
    const n = await changed(
      this.db,
      sql`insert into leases (name, owner, until) values (${name}, ${owner}, ${dbNowMs} + ${leaseMs})
        on conflict (name) do update set owner = excluded.owner, until = excluded.until
        where leases.owner = excluded.owner or leases.until <= ${dbNowMs}`,
    );
    this.wrote();
    return n === 1;
  }

  async releaseSweepLease(name: string, owner: string): Promise<void> {
    await this.db.execute(sql`delete from leases where name = ${name} and owner = ${owner}`);
    this.wrote();
  }

  // ---- gauges and the audit tail ----

  async releasesByState(): Promise<Array<{ state: string; count: number }>> {
    const rows = await rowsOf<{ state: string; n: string }>(
      this.db,
      sql`select state, count(*) as n from releases group by state`,
    );
    return rows.map((r) => ({ state: r.state, count: num(r.n) }));
  }

  async queueDepths(): Promise<QueueDepths> {
    const [row] = await rowsOf<{ pending: string; running: string; timers: string; received: string }>(
      this.db,
      sql`select
        (select count(*) from outbox where status = 'pending') as pending,
        (select count(*) from outbox where status = 'running') as running,
        (select count(*) from timers) as timers,
        (select count(*) from webhook_deliveries where status = 'received') as received`,
    );
    return {
      effectsPending: num(row?.pending ?? 0),
      effectsRunning: num(row?.running ?? 0),
      timers: num(row?.timers ?? 0),
      deliveriesReceived: num(row?.received ?? 0),
    };
  }

  async lastAuditSeq(): Promise<number> {
    const [row] = await rowsOf<{ seq: string }>(this.db, sql`select coalesce(max(seq), 0) as seq from audit`);
    return num(row?.seq ?? 0);
  }

  async auditAfter(after: number, limit: number): Promise<AuditRow[]> {
    return this.db.select().from(audit).where(gt(audit.seq, after)).orderBy(asc(audit.seq)).limit(limit);
  }

  // ---- inside a decision's transaction ----

  private async writeParts(db: PgExecutor, write: DecisionWrite, at: string): Promise<OutboxRow[]> {
    const releaseId = write.releaseId;
    // Claims first: a write recorded under a lost claim changes nothing.
    await this.completeEffects(
      db,
      [...(write.completeEffect ? [write.completeEffect] : []), ...(write.completeEffects ?? [])],
      at,
    );
    if (write.firedTimer) {
      const fired = write.firedTimer;
      const owned = fired.owner === undefined ? sql`` : sql` and lease_owner = ${fired.owner}`;
      const n = await changed(
        db,
        sql`delete from timers where release_id = ${releaseId} and name = ${fired.name}
          and schedule_key = ${fired.scheduleKey}${owned}`,
      );
      if (n === 0 && fired.owner !== undefined)
        throw new LeaseLostError('Timer', `${releaseId}/${fired.name}`, fired.owner);
    }
    await this.insertAudit(
      db,
      write.audit.map((entry) => ({ ...entry, releaseId })),
      at,
    );
    if (write.finishDelivery) {
      const d = write.finishDelivery;
      // A delivery is decided once: if another replica processed it meanwhile (its claim ran out while
      // this one re-read Jira), this decision is dropped with everything it wrote.
      const n = await changed(
        db,
        sql`update webhook_deliveries set status = 'processed', outcome = ${d.outcome},
            detail = ${jsonParam(jsonOrNull(d.detail))}, processed_at = ${at}, lease_owner = null, lease_until = null
          where id = ${d.id} and status = 'received'`,
      );
      if (n === 0) throw new DeliveryProcessedError(d.id);
    }
    for (const name of write.cancelTimers) {
      await db.execute(sql`delete from timers where release_id = ${releaseId} and name = ${name}`);
    }
    for (const timer of write.scheduleTimers) {
      // A new schedule is nobody's yet: a claim on the one it replaces does not carry over.
      await db.execute(
        sql`insert into timers (release_id, name, due_at, schedule_key, created_at)
          values (${releaseId}, ${timer.name}, ${timer.dueAt}, ${timer.scheduleKey}, ${at})
          on conflict (release_id, name) do update
          set due_at = excluded.due_at, schedule_key = excluded.schedule_key, created_at = excluded.created_at,
            lease_owner = null, lease_until = null`,
      );
    }
    const requeued = await this.requeueFailedEffects(db, releaseId, write.requeueEffects ?? [], at);
    const queued = await this.queueEffects(db, releaseId, write.effects, at);
    return requeued.length === 0 ? queued : [...requeued, ...queued].sort((a, b) => a.id - b.id);
  }

  /**
   * A person's retry: failed rows of the release back to pending (first try, due now, nobody's claim), in
   * their own place in the queue (their id), read back with their payload. As on SQLite.
   */
  private async requeueFailedEffects(
    db: PgExecutor,
    releaseId: string,
    ids: readonly number[],
    at: string,
  ): Promise<OutboxRow[]> {
    if (ids.length === 0) return [];
    const rows = await rowsOf<OutboxRecord>(
      db,
      sql`update outbox set status = 'pending', attempts = 0, next_attempt_at = 0, updated_at = ${at},
          lease_owner = null, lease_until = null
        where release_id = ${releaseId} and status = 'failed' and id = any(${sql.param(ids.map(String))}::bigint[])
        returning *`,
    );
    // The effects held behind it (e.g. Jira moves waiting for the issue it creates) are due now too.
    await db.execute(
      sql`update outbox set next_attempt_at = 0
        where release_id = ${releaseId} and status = 'pending' and next_attempt_at > 0`,
    );
    return rows
      .map((r) => {
        const { leaseOwner: _owner, leaseUntil: _until, ...row } = claimedEffectOf(r);
        return row;
      })
      .sort((a, b) => a.id - b.id);
  }

  /** Done rows leave the outbox, failed ones stay with their payload; with `owner`, only if it holds them. */
  private async completeEffects(db: PgExecutor, completions: EffectCompletion[], at: string): Promise<void> {
    for (const c of completions) {
      const owned = c.owner === undefined ? sql`` : sql` and lease_owner = ${c.owner}`;
      const n =
        c.status === 'done'
          ? await changed(db, sql`delete from outbox where id = ${c.id}${owned}`)
          : await changed(
              db,
              sql`update outbox set status = 'failed', last_error = ${pgText(c.error)}, updated_at = ${at},
                  lease_owner = null, lease_until = null
                where id = ${c.id}${owned}`,
            );
      if (n === 0 && c.owner !== undefined) throw new LeaseLostError('Effect', c.id, c.owner);
    }
  }

  /**
   * Queue the effects in order; a key queued and unfinished is not queued twice. One decided again after
   * it finished keeps its old row under a suffixed key (`key#id`) and is queued afresh (as on SQLite).
   */
  private async queueEffects(
    db: PgExecutor,
    releaseId: string,
    effects: DecisionWrite['effects'],
    at: string,
  ): Promise<OutboxRow[]> {
    if (effects.length === 0) return [];
    let inserted = await this.insertEffects(db, releaseId, effects, at);
    if (inserted.size < effects.length) {
      const skipped = effects.filter((e) => !inserted.has(e.idempotencyKey)).map((e) => e.idempotencyKey);
      const finished = await rowsOf<{ id: string }>(
        db,
        sql`select id from outbox where release_id = ${releaseId} and idempotency_key = any(${sql.param(skipped)}::text[])
          and status in ('done', 'failed')`,
      );
      if (finished.length > 0) {
        const ids = [...inserted.values()].map(String);
        await db.execute(sql`delete from outbox where id = any(${sql.param(ids)}::bigint[])`);
        await db.execute(
          sql`update outbox set idempotency_key = idempotency_key || '#' || id, updated_at = ${at}
            where id = any(${sql.param(finished.map((f) => f.id))}::bigint[])`,
        );
        inserted = await this.insertEffects(db, releaseId, effects, at);
      }
    }
    const queued: OutboxRow[] = [];
    for (const effect of effects) {
      const id = inserted.get(effect.idempotencyKey);
      if (id === undefined) continue;
      inserted.delete(effect.idempotencyKey);
      queued.push(queuedRowOf(id, releaseId, effect, at));
    }
    return queued.sort((a, b) => a.id - b.id);
  }

  private async insertEffects(
    db: PgExecutor,
    releaseId: string,
    effects: DecisionWrite['effects'],
    at: string,
  ): Promise<Map<string, number>> {
    const inserted = new Map<string, number>();
    for (let from = 0; from < effects.length; from += rowsPerInsert) {
      const chunk = effects.slice(from, from + rowsPerInsert);
      const values = chunk.map(
        (e) =>
          sql`(${releaseId}, ${e.idempotencyKey}, ${e.type}, ${JSON.stringify(e.payload ?? null)}::json, 'pending', 0, 0,
            ${at}, ${at})`,
      );
      const rows = await rowsOf<{ id: string; idempotency_key: string }>(
        db,
        sql`insert into outbox (release_id, idempotency_key, type, payload, status, attempts, next_attempt_at,
            created_at, updated_at)
          values ${sql.join(values, sql`, `)}
          on conflict (release_id, idempotency_key) do nothing
          returning id, idempotency_key`,
      );
      for (const row of rows) inserted.set(row.idempotency_key, num(row.id));
    }
    return inserted;
  }

  private async insertAudit(
    db: PgExecutor,
    entries: Array<AuditInput & { releaseId: string }>,
    at: string,
  ): Promise<void> {
    for (let from = 0; from < entries.length; from += rowsPerInsert) {
      const chunk = entries.slice(from, from + rowsPerInsert);
      const values = chunk.map(
        (e) =>
          sql`(${e.releaseId}, ${at}, ${e.source}, ${e.actor}, ${e.event}, ${e.fromState}, ${e.toState}, ${e.accepted},
            ${jsonParam(jsonOrNull(e.detail))})`,
      );
      await db.execute(
        sql`insert into audit (release_id, at, source, actor, event, from_state, to_state, accepted, detail)
          values ${sql.join(values, sql`, `)}`,
      );
    }
  }

  // ---- the request, stored once (see ../stored-request.ts) ----

  private async insertRequest(
    db: PgExecutor,
    releaseId: string,
    request: NonNullable<DecisionWrite['request']>,
    at: string,
  ): Promise<StoredRequest> {
    const text = JSON.stringify(request.body);
    const [row] = await rowsOf<{ id: string }>(
      db,
      sql`insert into requests (release_id, iteration, by, body, received_at)
        values (${releaseId}, ${request.iteration}, ${request.by}, ${text}::json, ${at}) returning id`,
    );
    return { id: num(row?.id), text };
  }

  private async snapshotText(
    db: PgExecutor,
    releaseId: string,
    snapshot: unknown,
    fresh: StoredRequest | undefined,
    remember: Array<[string, StoredRequest]>,
  ): Promise<string> {
    const request = inlineRequestOf(snapshot);
    if (request === undefined) return JSON.stringify(snapshot);
    const text = JSON.stringify(request);
    const cached = this.shared.requestCache.get(releaseId);
    let match = matchStoredRequest(snapshot, text, [fresh, cached]);
    // Read only when nothing of the release is remembered (the cache holds its newest request).
    if (!match && !fresh && !cached) {
      const current = await this.storedRequestOf(db, releaseId);
      match = matchStoredRequest(snapshot, text, [current]);
      if (current && !match) remember.push([releaseId, current]);
    }
    if (match) remember.push([releaseId, match.stored]);
    return encodeSnapshot(snapshot, match);
  }

  /** The request the release's stored snapshot refers to, else the newest request stored for it. */
  private async storedRequestOf(db: PgExecutor, releaseId: string): Promise<StoredRequest | undefined> {
    const [referenced] = await rowsOf<{ id: string; body: string }>(
      db,
      sql`select q.id, q.body::text as body from releases r join requests q on q.id = ${sql.raw(requestRef)}
        where r.release_id = ${releaseId}`,
    );
    const [row] = referenced
      ? [referenced]
      : await rowsOf<{ id: string; body: string }>(
          db,
          sql`select id, body::text as body from requests where release_id = ${releaseId} order by id desc limit 1`,
        );
    return row && { id: num(row.id), text: row.body };
  }

  private rememberRequests(entries: Array<[string, StoredRequest]>): void {
    for (const [releaseId, stored] of entries) this.shared.requestCache.set(releaseId, stored);
  }

  // ---- rows ----

  private async oneRelease(query: SQL): Promise<ReleaseRow | undefined> {
    const [record] = await rowsOf<ReleaseRecord>(this.db, query);
    return record && this.releaseRowOf(record);
  }

  private releaseRowOf(r: ReleaseRecord): ReleaseRow {
    return {
      releaseId: r.release_id,
      summary: r.summary,
      issueKey: r.issue_key,
      project: r.project,
      jiraProject: r.jira_project,
      env: r.env,
      state: r.state,
      iteration: r.iteration,
      machineVersion: r.machine_version,
      snapshot: this.snapshotOf(r),
      appliedVersion: r.applied_version,
      appliedAt: r.applied_at,
      revision: r.revision,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  /** The snapshot with its request put back (and remembered for the next write). */
  private snapshotOf(r: ReleaseRecord): unknown {
    const ref = requestRefIn(r.snapshot);
    if (ref === null) return r.snapshot;
    if (r.request === null || r.request_id === null) throw new StoredRequestMissingError(r.release_id, ref);
    this.shared.requestCache.set(r.release_id, { id: num(r.request_id), text: r.request });
    return attachRequest(r.snapshot, JSON.parse(r.request));
  }

  // ---- transactions and counters ----

  /** `fn` in one transaction (a savepoint inside another); counted once committed. */
  private async transaction<T>(fn: (db: PgExecutor) => Promise<T>): Promise<T> {
    const result = await this.db.transaction((tx) => fn(tx));
    if (!this.inTransaction) this.shared.counters.committed(true);
    return result;
  }

  /** A single-statement write outside a transaction committed on its own. */
  private wrote(): void {
    if (!this.inTransaction) this.shared.counters.committed(true);
  }
}
