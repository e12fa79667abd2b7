/**
 * Reads and writes of releases, their requests, audit trail, outbox and timers. `commitDecision` is the
 * one transaction that makes a decision durable: snapshot (with the revision check), audit entries,
 * effects and timers, and the completion of the effects or timer whose outcome caused it.
 *
 * The runtime's paths (a decision, the effect runner, the timers) run SQL prepared once per connection
 * (`Store.statement`) that reads only the columns it needs; the query API's filtered lists are built by
 * drizzle from the schema.
 */
import { CdflowError } from '@cdflow/core';
import { and, asc, count, desc, eq, gt, isNotNull, or, type SQL, sql } from 'drizzle-orm';
import { BoundedMap } from './bounded-map.js';
import { noteProcessedDelivery } from './delivery-repository.js';
import type { SqlValue, Store } from './open-store.js';
import { packedAlwaysOrNull, packedOrNull, packJson, unpackJson } from './packed-json.js';
import type { ReleaseListFilter } from './release-store.js';
import {
  audit,
  auditArchive,
  type OutboxStatus,
  type outbox,
  releases,
  requests,
  type timers,
} from './schema.js';
import {
  type OutboxRecord,
  outboxRowOf,
  outboxSelect,
  placeholderRows,
  queuedRowOf,
  storedTime,
  type TimerRecord,
  timerColumns,
  timerRowOf,
} from './store-records.js';
import {
  attachRequest,
  encodeSnapshot,
  inlineRequestOf,
  matchStoredRequest,
  requestRefIn,
  type StoredRequest,
  StoredRequestMissingError,
} from './stored-request.js';

/** A release as the store gives it: the snapshot with its request put back (`request_id` is the store's own link). */
export type ReleaseRow = Omit<typeof releases.$inferSelect, 'requestId'>;
export type OutboxRow = typeof outbox.$inferSelect;
export type TimerRow = typeof timers.$inferSelect;
export type AuditRow = typeof audit.$inferSelect;

/** What deciding an event on a release needs, and nothing else. */
export type DecisionRow = Pick<
  ReleaseRow,
  'releaseId' | 'issueKey' | 'state' | 'revision' | 'machineVersion' | 'snapshot'
>;

/** Where a release is, without its snapshot (the cheap read for "which state, which issue?"). */
export type ReleaseHead = Pick<
  ReleaseRow,
  'releaseId' | 'issueKey' | 'state' | 'iteration' | 'revision' | 'createdAt' | 'updatedAt'
>;

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

export interface EffectCompletion {
  id: number;
  status: 'done' | 'failed';
  error?: string | null;
  /** The claim this outcome is recorded under (ReleaseStore: checked; this repository ignores it). */
  owner?: string;
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
    /**
     * The machine's snapshot. Its `context.request` is stored once, in `requests` (see
     * stored-request.ts): pass `request` whenever the decision changed it, or it is kept inline.
     */
    snapshot: unknown;
    /** Set when this decision completes the UAT upgrade with a versioned request. */
    appliedVersion?: string;
  };
  audit: AuditInput[];
  effects: EffectInput[];
  scheduleTimers: TimerInput[];
  cancelTimers: string[];
  /** The outbox row whose outcome this decision records. */
  completeEffect?: EffectCompletion;
  /** Several outbox rows finished by this one write (with `completeEffect` or instead of it). */
  completeEffects?: EffectCompletion[];
  /**
   * Failed outbox rows of the release to run again (a person's retry): back to pending, first try, in
   * their own place in the queue (their id). Returned in `queued` with the rows this write inserted.
   */
  requeueEffects?: number[];
  /** The timer that fired (deleted when still the same schedule: a newer one of that name stays). */
  firedTimer?: { name: string; scheduleKey: string; owner?: string };
  /** The Jira delivery this decision answers, marked processed in the same transaction. */
  finishDelivery?: { id: number; outcome: string; detail: unknown };
  /** An accepted request of the release system, kept for the record (and referenced by the snapshot). */
  request?: { iteration: number; by: string; body: unknown };
  /**
   * false for internal, idempotent work that would simply run again after a power loss (an effect's
   * outcome, a timer firing): committed with synchronous=NORMAL, which survives kill -9 but not a power
   * loss. Default true: fsync'd before the call returns (see TransactionOptions in open-store.ts).
   */
  durable?: boolean | 'batched';
}

/** What a write committed. */
export interface CommitResult {
  /** The release's revision after the write; null when the write changed no snapshot. */
  revision: number | null;
  /**
   * The outbox rows this write inserted, in queue order, as stored (an effect already queued and
   * unfinished under the same key is not inserted again, so it is not here): run them without reading
   * them back. `payload` is the object the write was given.
   */
  queued: OutboxRow[];
}

export class RevisionConflictError extends CdflowError {
  constructor(releaseId: string, expected: number) {
    super(
      'REVISION_CONFLICT',
      `Release ${releaseId} changed while an event was being decided (expected revision ${expected}): ` +
        'another writer shares this database. The decision is taken again on what it wrote.',
    );
    this.name = 'RevisionConflictError';
  }
}

const now = () => new Date().toISOString();

/** Rows per multi-row INSERT: bounds the statements cached per row count. */
const rowsPerInsert = 32;

const auditInsert =
  'insert into audit (release_id, at, source, actor, event, from_state, to_state, accepted, detail)';

/** Releases remembered per repository (the ones being worked on), for the two caches below. */
const recentReleases = 1024;

const unfinished = `status in ('pending', 'running')`;
const unfinishedRow = `o.status in ('pending', 'running')`;

/** The release columns plus the stored request its snapshot refers to (null when inline). */
const releaseSelect = `select r.release_id, r.summary, r.issue_key, r.project, r.jira_project, r.env, r.state,
  r.iteration, r.machine_version, r.snapshot, r.applied_version, r.applied_at, r.revision, r.created_at,
  r.updated_at, q.id as request_id, q.body as request
  from releases r left join requests q on q.id = r.request_id`;

interface ReleaseRecord {
  release_id: string;
  summary: string;
  issue_key: string | null;
  project: string;
  jira_project: string;
  env: 'UAT' | 'PRO';
  state: string;
  iteration: number;
  machine_version: number;
  snapshot: Uint8Array | string;
  applied_version: string | null;
  applied_at: string | null;
  revision: number;
  created_at: string;
  updated_at: string;
  request_id: number | null;
  /** The stored request's body: JSON text (a value packed by packed-json.ts reads too). */
  request: Uint8Array | string | null;
}

type DecisionRecord = Pick<
  ReleaseRecord,
  | 'release_id'
  | 'issue_key'
  | 'state'
  | 'revision'
  | 'machine_version'
  | 'snapshot'
  | 'request_id'
  | 'request'
>;

/** The indexed columns of a release as they are at `revision` (every snapshot write bumps it). */
interface IndexedColumns {
  revision: number;
  state: string;
  issueKey: string | null;
}

export class ReleaseRepository {
  /** releaseId → the request its snapshot refers to, as last read or written (request rows never change). */
  private readonly requestCache = new BoundedMap<string, StoredRequest>(recentReleases);
  /**
   * releaseId → its indexed columns at a revision, as last read or written. SQLite rewrites an index
   * entry whenever its column is SET, changed or not, so a decision that keeps the state or the issue
   * key leaves them out of its UPDATE, which saves a page in the log per index. Sound because the UPDATE
   * checks the revision: at that revision the columns are what was remembered.
   */
  private readonly indexedCache = new BoundedMap<string, IndexedColumns>(recentReleases);
  /**
   * Issue key → the newest release with it, as this process wrote or read it (one process owns the
   * file): every Jira delivery asks, and the answer changes only when a release records its key.
   */
  private readonly issueCache = new BoundedMap<string, string>(recentReleases);

  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  // ---- releases ---------------------------------------------------------------------------------

  getById(releaseId: string): ReleaseRow | undefined {
    const record = this.store
      .statement<ReleaseRecord>(`${releaseSelect} where r.release_id = ?`)
      .get(releaseId);
    return record && this.releaseRowOf(record);
  }

  /** The release of `summary` in `env`; without `env`, its UAT release if it has one, else its production one. */
  getBySummary(summary: string, env?: 'UAT' | 'PRO'): ReleaseRow | undefined {
    const record =
      env === undefined
        ? this.store
            .statement<ReleaseRecord>(
              `${releaseSelect} where r.summary = ? order by case r.env when 'UAT' then 0 else 1 end limit 1`,
            )
            .get(summary)
        : this.store
            .statement<ReleaseRecord>(`${releaseSelect} where r.summary = ? and r.env = ?`)
            .get(summary, env);
    return record && this.releaseRowOf(record);
  }

  /** Where the release of `summary` in `env` is, without its snapshot (the link between UAT and production). */
  linkOf(
    summary: string,
    env: 'UAT' | 'PRO',
  ): { releaseId: string; issueKey: string | null; state: string; env: 'UAT' | 'PRO' } | undefined {
    const r = this.store
      .statement<{ release_id: string; issue_key: string | null; state: string; env: 'UAT' | 'PRO' }>(
        'select release_id, issue_key, state, env from releases where summary = ? and env = ?',
      )
      .get(summary, env);
    return r && { releaseId: r.release_id, issueKey: r.issue_key, state: r.state, env: r.env };
  }

  getByIssueKey(issueKey: string): ReleaseRow | undefined {
    const record = this.store
      .statement<ReleaseRecord>(`${releaseSelect} where r.issue_key = ? order by r.created_at desc limit 1`)
      .get(issueKey);
    return record && this.releaseRowOf(record);
  }

  /** The release a Jira issue belongs to (the newest, should one issue ever be reused), without its row. */
  releaseIdOfIssue(issueKey: string): string | undefined {
    const cached = this.issueCache.get(issueKey);
    if (cached !== undefined) return cached;
    const releaseId = this.store
      .statement<{ release_id: string }>(
        'select release_id from releases where issue_key = ? order by created_at desc limit 1',
      )
      .get(issueKey)?.release_id;
    if (releaseId !== undefined) this.issueCache.set(issueKey, releaseId);
    return releaseId;
  }

  /** A release by Jira issue key, release id or summary (a summary's UAT release unless `env` says). */
  find(ref: string, env?: 'UAT' | 'PRO'): ReleaseRow | undefined {
    return this.getByIssueKey(ref) ?? this.getById(ref) ?? this.getBySummary(ref, env);
  }

  /** What `decide` needs: the snapshot (request put back) with the revision the write must check. */
  getForDecision(releaseId: string): DecisionRow | undefined {
    const r = this.store
      .statement<DecisionRecord>(
        `select r.release_id, r.issue_key, r.state, r.revision, r.machine_version, r.snapshot,
          q.id as request_id, q.body as request
         from releases r left join requests q on q.id = r.request_id
         where r.release_id = ?`,
      )
      .get(releaseId);
    if (!r) return undefined;
    this.rememberIndexed(r);
    return {
      releaseId: r.release_id,
      issueKey: r.issue_key,
      state: r.state,
      revision: r.revision,
      machineVersion: r.machine_version,
      snapshot: this.snapshotOf(r),
    };
  }

  /** Where the release is (state, issue, revision, times) without reading its snapshot. */
  getHead(releaseId: string): ReleaseHead | undefined {
    const r = this.store
      .statement<{
        release_id: string;
        issue_key: string | null;
        state: string;
        iteration: number;
        revision: number;
        created_at: string;
        updated_at: string;
      }>(
        `select release_id, issue_key, state, iteration, revision, created_at, updated_at
         from releases where release_id = ?`,
      )
      .get(releaseId);
    if (!r) return undefined;
    this.rememberIndexed(r);
    return {
      releaseId: r.release_id,
      issueKey: r.issue_key,
      state: r.state,
      iteration: r.iteration,
      revision: r.revision,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  list(filter: ReleaseListFilter): {
    total: number;
    rows: ReleaseRow[];
  } {
    const conditions: SQL[] = [];
    if (filter.state) conditions.push(inState(filter.state));
    if (filter.project) conditions.push(eq(releases.project, filter.project));
    if (filter.env) conditions.push(eq(releases.env, filter.env));
    const after = filter.after;
    const page = after
      ? [
          ...conditions,
          or(
            sql`${releases.createdAt} < ${after.createdAt}`,
            and(eq(releases.createdAt, after.createdAt), sql`${releases.releaseId} < ${after.releaseId}`),
          )!,
        ]
      : conditions;
    const where = conditions.length > 0 ? and(...conditions) : undefined;
    const total = after ? -1 : (this.db.select({ n: count() }).from(releases).where(where).get()?.n ?? 0);
    const rows = this.selectWithRequest()
      .where(page.length > 0 ? and(...page) : undefined)
      .orderBy(desc(releases.createdAt), desc(releases.releaseId))
      .limit(filter.limit)
      .offset(after ? 0 : filter.offset)
      .all();
    return { total, rows: rows.map((r) => this.joinedRowOf(r)) };
  }

  /**
   * Releases whose next step is a person's (the states named), last changed inside (since, before):
   * what the Jira reconciliation looks at. Oldest change first, at most `limit`; `since` moves forward as
   * a cursor so every release gets its turn.
   */
  awaitingPeople(states: readonly string[], since: string, before: string, limit: number): ReleaseRow[] {
    const rows = this.selectWithRequest()
      .where(
        and(
          or(...states.map(inState)),
          isNotNull(releases.issueKey),
          sql`${releases.updatedAt} > ${since}`,
          sql`${releases.updatedAt} < ${before}`,
        ),
      )
      .orderBy(asc(releases.updatedAt))
      .limit(limit)
      .all();
    return rows.map((r) => this.joinedRowOf(r));
  }

  /** The version most recently brought to uatComplete by another release of the same project and env. */
  lastAppliedVersion(project: string, env: 'UAT' | 'PRO', exceptReleaseId: string): string | null {
    // Asked by every intake (the versioning policy): prepared once, on releases_applied_idx.
    const row = this.store
      .statement<{ version: string }>(
        `select applied_version as version from releases
         where project = ? and env = ? and applied_version is not null and release_id <> ?
         order by applied_at desc limit 1`,
      )
      .get(project, env, exceptReleaseId);
    return row?.version ?? null;
  }

  history(releaseId: string): AuditRow[] {
    this.store.insertDeferred();
    const folded = this.db
      .select({ rows: auditArchive.rows })
      .from(auditArchive)
      .where(eq(auditArchive.releaseId, releaseId))
      .orderBy(asc(auditArchive.firstSeq))
      .all()
      .flatMap((a) => archivedRows(releaseId, a.rows));
    const live = this.db
      .select()
      .from(audit)
      .where(eq(audit.releaseId, releaseId))
      .orderBy(asc(audit.seq))
      .all();
    return folded.length === 0 ? live : [...folded, ...live];
  }

  /** The audit rows after `after`, oldest first, at most `limit`, folded ones included (the audit tail). */
  auditAfter(after: number, limit: number): AuditRow[] {
    this.store.insertDeferred();
    const live = this.db
      .select()
      .from(audit)
      .where(gt(audit.seq, after))
      .orderBy(asc(audit.seq))
      .limit(limit)
      .all();
    const folded = this.db
      .select({ releaseId: auditArchive.releaseId, rows: auditArchive.rows })
      .from(auditArchive)
      .where(gt(auditArchive.lastSeq, after))
      .all()
      .flatMap((a) => archivedRows(a.releaseId, a.rows).filter((r) => r.seq > after));
    if (folded.length === 0) return live;
    return [...live, ...folded].sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  /**
   * Fold the history of releases at rest (nothing queued or running, no timer armed) into
   * `audit_archive`: one row per release holding its audit rows packed together, which take about a
   * fifth of the pages. Only releases with at least `minRows` rows in `audit` are folded, at most
   * `limit` per call, all in one transaction; the newest audit row of the table stays where it is (row
   * ids are SQLite's rowids: the next row takes the highest plus one, so the highest must stay for seq
   * never to be given twice). Then the pages freed go back to the file system (incremental vacuum,
   * for files made with it). Returns how many releases were folded.
   */
  compactHistory(minRows: number, limit: number): number {
    return this.store.transaction(
      () => {
        this.store.insertDeferred();
        const resting = this.store
          .statement<{ release_id: string }>(
            `select a.release_id from audit a
             where a.seq < (select max(seq) from audit)
               and not exists (select 1 from outbox o where o.release_id = a.release_id and o.status in ('pending', 'running'))
               and not exists (select 1 from timers t where t.release_id = a.release_id)
             group by a.release_id having count(*) >= ? limit ?`,
          )
          .all(minRows, limit)
          .map((r) => r.release_id);
        if (resting.length === 0) return 0;
        const rows = this.store
          .statement<AuditRecord>(
            `delete from audit where release_id in (select value from json_each(?)) and seq < (select max(seq) from audit)
             returning seq, release_id, at, source, actor, event, from_state, to_state, accepted, detail`,
          )
          .all(JSON.stringify(resting));
        const byRelease = new Map<string, AuditRecord[]>();
        for (const row of rows.sort((a, b) => a.seq - b.seq)) {
          const list = byRelease.get(row.release_id) ?? [];
          list.push(row);
          byRelease.set(row.release_id, list);
        }
        const params: SqlValue[] = [];
        for (const [releaseId, list] of byRelease) {
          const packed = list.map((r) => [
            r.seq,
            r.at,
            r.source,
            r.actor,
            r.event,
            r.from_state,
            r.to_state,
            r.accepted,
            r.detail === null ? null : (JSON.parse(unpackJson(r.detail)) as unknown),
          ]);
          params.push(releaseId, list[0]!.seq, list.at(-1)!.seq, packJson(JSON.stringify(packed)));
        }
        this.store
          .statement(
            `insert into audit_archive (release_id, first_seq, last_seq, rows) values ${placeholderRows(byRelease.size, 4)}`,
          )
          .run(...params);
        this.store.sqlite.exec('PRAGMA incremental_vacuum');
        return byRelease.size;
      },
      { durable: false },
    );
  }

  // ---- decisions --------------------------------------------------------------------------------

  /** Insert a new release with its first decision, in one transaction. */
  createRelease(
    row: Omit<ReleaseRow, 'createdAt' | 'updatedAt' | 'revision' | 'appliedVersion' | 'appliedAt'>,
    write: Omit<DecisionWrite, 'release' | 'releaseId'>,
  ): CommitResult {
    const at = now();
    const remember: Array<[string, StoredRequest]> = [];
    const result = this.store.transaction(
      () => {
        const fresh = write.request && this.insertRequest(row.releaseId, write.request, at);
        const snapshot = this.snapshotText(row.releaseId, row.snapshot, fresh, remember);
        this.store
          .statement(
            `insert into releases (release_id, summary, issue_key, project, jira_project, env, state, iteration,
              machine_version, snapshot, request_id, revision, created_at, updated_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
          )
          .run(
            row.releaseId,
            row.summary,
            row.issueKey,
            row.project,
            row.jiraProject,
            row.env,
            row.state,
            row.iteration,
            row.machineVersion,
            packJson(snapshot.text),
            snapshot.requestId,
            at,
            at,
          );
        return { revision: 1, queued: this.writeParts({ ...write, releaseId: row.releaseId }, at) };
      },
      { durable: write.durable ?? true },
    );
    this.rememberRequests(remember);
    this.indexedCache.set(row.releaseId, { revision: 1, state: row.state, issueKey: row.issueKey });
    if (row.issueKey !== null) this.issueCache.delete(row.issueKey);
    return result;
  }

  commitDecision(write: DecisionWrite): CommitResult {
    const at = now();
    const remember: Array<[string, StoredRequest]> = [];
    const result = this.store.transaction(
      () => {
        const fresh = write.request && this.insertRequest(write.releaseId, write.request, at);
        let revision: number | null = null;
        if (write.release) {
          const r = write.release;
          const snapshot = this.snapshotText(write.releaseId, r.snapshot, fresh, remember);
          const known = this.indexedCache.get(write.releaseId);
          const same = known?.revision === r.expectedRevision ? known : undefined;
          const set = [
            'iteration = ?',
            'machine_version = ?',
            'snapshot = ?',
            'request_id = ?',
            'revision = ?',
            'updated_at = ?',
          ];
          const params: SqlValue[] = [
            r.iteration,
            r.machineVersion,
            packJson(snapshot.text),
            snapshot.requestId,
            r.expectedRevision + 1,
            at,
          ];
          if (same?.state !== r.state) {
            set.push('state = ?');
            params.push(r.state);
          }
          if (same === undefined || same.issueKey !== r.issueKey) {
            set.push('issue_key = ?');
            params.push(r.issueKey);
          }
          if (r.appliedVersion !== undefined) {
            set.push('applied_version = ?', 'applied_at = ?');
            params.push(r.appliedVersion, at);
          }
          const changed = this.store
            .statement(`update releases set ${set.join(', ')} where release_id = ? and revision = ?`)
            .run(...params, write.releaseId, r.expectedRevision).changes;
          if (changed !== 1) {
            this.indexedCache.delete(write.releaseId);
            throw new RevisionConflictError(write.releaseId, r.expectedRevision);
          }
          revision = r.expectedRevision + 1;
        }
        return { revision, queued: this.writeParts(write, at) };
      },
      { durable: write.durable ?? true },
    );
    this.rememberRequests(remember);
    if (write.release && result.revision !== null) {
      const r = write.release;
      // The newest release to record this key (a fresh write is newer than any the cache holds).
      if (r.issueKey !== null && this.issueCache.get(r.issueKey) !== write.releaseId) {
        this.issueCache.delete(r.issueKey);
      }
      this.indexedCache.set(write.releaseId, {
        revision: result.revision,
        state: r.state,
        issueKey: r.issueKey,
      });
    }
    return result;
  }

  private writeParts(write: DecisionWrite, at: string): OutboxRow[] {
    const releaseId = write.releaseId;
    this.insertAudit(
      write.audit.map((entry) => ({ ...entry, releaseId })),
      at,
    );
    if (write.finishDelivery) {
      const d = write.finishDelivery;
      this.store
        .statement(
          `update webhook_deliveries set status = 'processed', outcome = ?, detail = ?, processed_at = ? where id = ?`,
        )
        .run(d.outcome, packedAlwaysOrNull(d.detail), storedTime(at), d.id);
      noteProcessedDelivery(this.store, d.detail);
    }
    const completions = [
      ...(write.completeEffect ? [write.completeEffect] : []),
      ...(write.completeEffects ?? []),
    ];
    const reused = this.queueInFinishedRow(releaseId, completions, write, at);
    this.completeEffects(reused ? completions.filter((c) => c.id !== reused.id) : completions, at);
    // A fired timer the same write schedules again is replaced by the upsert below.
    const fired = write.firedTimer;
    if (fired && !write.scheduleTimers.some((t) => t.name === fired.name)) {
      this.store
        .statement('delete from timers where release_id = ? and name = ? and schedule_key = ?')
        .run(releaseId, fired.name, fired.scheduleKey);
    }
    for (const name of write.cancelTimers) {
      this.store.statement('delete from timers where release_id = ? and name = ?').run(releaseId, name);
    }
    for (const timer of write.scheduleTimers) {
      this.store
        .statement(
          `insert into timers (release_id, name, due_at, schedule_key, created_at) values (?, ?, ?, ?, ?)
           on conflict (release_id, name) do update
           set due_at = excluded.due_at, schedule_key = excluded.schedule_key, created_at = excluded.created_at`,
        )
        .run(releaseId, timer.name, timer.dueAt, timer.scheduleKey, at);
    }
    if (reused) return [reused];
    const requeued = this.requeueFailedEffects(releaseId, write.requeueEffects ?? [], at);
    const queued = this.queueEffects(releaseId, write.effects, at);
    return requeued.length === 0 ? queued : [...requeued, ...queued].sort((a, b) => a.id - b.id);
  }

  /**
   * The common step of a release's queue: a decision that finishes its effect (with the outcomes it
   * carries, of effects before it) and queues the next one. The last finished row takes the new effect in
   * place (one update, instead of a delete and an insert, and no page freed and taken again), when that
   * keeps the queue's order and the keys unique: it is the release's last row (no row of the release after
   * it, so the new effect still comes last) and no earlier row has the new key (else nothing changes, and
   * the rows are written as usual). The other finished rows are deleted as usual.
   */
  private queueInFinishedRow(
    releaseId: string,
    completions: readonly EffectCompletion[],
    write: DecisionWrite,
    at: string,
  ): OutboxRow | undefined {
    // The latest row finished (highest id): the write's own, behind the carried ones of earlier effects.
    const done = completions.reduce<EffectCompletion | undefined>(
      (last, c) => (last === undefined || c.id > last.id ? c : last),
      undefined,
    );
    const [effect] = write.effects;
    if (done?.status !== 'done' || write.effects.length !== 1 || !effect) return undefined;
    if ((write.requeueEffects ?? []).length > 0) return undefined;
    const { changes } = this.store
      .statement(
        `update outbox set idempotency_key = ?, type = ?, payload = ?, status = 'pending', attempts = 0,
          next_attempt_at = 0, last_error = null, created_at = ?, updated_at = ?
         where id = ? and release_id = ?
           and not exists (select 1 from outbox o
             where o.release_id = ? and (o.id > ? or (o.id < ? and o.idempotency_key = ?)))`,
      )
      .run(
        effect.idempotencyKey,
        effect.type,
        JSON.stringify(effect.payload ?? null),
        at,
        at,
        done.id,
        releaseId,
        releaseId,
        done.id,
        done.id,
        effect.idempotencyKey,
      );
    if (changes !== 1) return undefined;
    return queuedRowOf(done.id, releaseId, effect, at);
  }

  /** Failed rows back to pending (first try, due now), read back with their payload. */
  private requeueFailedEffects(releaseId: string, ids: readonly number[], at: string): OutboxRow[] {
    if (ids.length === 0) return [];
    const list = JSON.stringify(ids);
    this.store
      .statement(
        `update outbox set status = 'pending', attempts = 0, next_attempt_at = 0, updated_at = ?
         where release_id = ? and status = 'failed' and id in (select value from json_each(?))`,
      )
      .run(at, releaseId, list);
    // The effects held behind it (e.g. Jira moves waiting for the issue it creates) are due now too.
    this.store
      .statement(
        `update outbox set next_attempt_at = 0 where release_id = ? and status = 'pending' and next_attempt_at > 0`,
      )
      .run(releaseId);
    return this.store
      .statement<OutboxRecord>(
        `${outboxSelect} where o.release_id = ? and o.status = 'pending' and o.id in (select value from json_each(?))
         order by o.id`,
      )
      .all(releaseId, list)
      .map(outboxRowOf);
  }

  // ---- the request, stored once -------------------------------------------------------------------

  private insertRequest(
    releaseId: string,
    request: NonNullable<DecisionWrite['request']>,
    at: string,
  ): StoredRequest {
    const text = JSON.stringify(request.body);
    const { lastInsertRowid } = this.store
      .statement('insert into requests (release_id, iteration, by, body, received_at) values (?, ?, ?, ?, ?)')
      .run(releaseId, request.iteration, request.by, text, at);
    return { id: Number(lastInsertRowid), text };
  }

  /**
   * The snapshot as stored: with a reference to a stored request identical to its own (the one this
   * write stores, the one last seen for the release, or the one its stored snapshot refers to), else with
   * the request inline. `remember` collects what to cache once the transaction has committed.
   */
  private snapshotText(
    releaseId: string,
    snapshot: unknown,
    fresh: StoredRequest | undefined,
    remember: Array<[string, StoredRequest]>,
  ): { text: string; requestId: number | null } {
    const request = inlineRequestOf(snapshot);
    if (request === undefined) return { text: JSON.stringify(snapshot), requestId: requestRefIn(snapshot) };
    const text = JSON.stringify(request);
    const cached = this.requestCache.get(releaseId);
    let match = matchStoredRequest(snapshot, text, [fresh, cached]);
    // Read only when nothing of the release is remembered (the cache holds its newest request).
    if (!match && !fresh && !cached) {
      const current = this.storedRequestOf(releaseId);
      match = matchStoredRequest(snapshot, text, [current]);
      if (current && !match) remember.push([releaseId, current]);
    }
    if (match) remember.push([releaseId, match.stored]);
    return { text: encodeSnapshot(snapshot, match), requestId: match?.stored.id ?? null };
  }

  /** The request the release's stored snapshot refers to, else the newest request stored for it. */
  private storedRequestOf(releaseId: string): StoredRequest | undefined {
    const referenced = this.store
      .statement<{ id: number; body: Uint8Array | string }>(
        `select q.id, q.body from releases r join requests q on q.id = r.request_id
         where r.release_id = ?`,
      )
      .get(releaseId);
    const row =
      referenced ??
      this.store
        .statement<{ id: number; body: Uint8Array | string }>(
          'select id, body from requests where release_id = ? order by id desc limit 1',
        )
        .get(releaseId);
    return row && { id: row.id, text: unpackJson(row.body) };
  }

  private rememberRequests(entries: Array<[string, StoredRequest]>): void {
    for (const [releaseId, stored] of entries) this.requestCache.set(releaseId, stored);
  }

  /** The snapshot of a read row with its request put back (and remembered for the next write). */
  private snapshotOf(r: Pick<ReleaseRecord, 'release_id' | 'snapshot' | 'request_id' | 'request'>): unknown {
    const parsed: unknown = JSON.parse(unpackJson(r.snapshot));
    const ref = requestRefIn(parsed);
    if (ref === null) return parsed;
    if (r.request === null || r.request_id === null) throw new StoredRequestMissingError(r.release_id, ref);
    const text = unpackJson(r.request);
    this.rememberRequests([[r.release_id, { id: r.request_id, text }]]);
    return attachRequest(parsed, JSON.parse(text));
  }

  private rememberIndexed(r: Pick<ReleaseRecord, 'release_id' | 'revision' | 'state' | 'issue_key'>): void {
    this.indexedCache.set(r.release_id, { revision: r.revision, state: r.state, issueKey: r.issue_key });
  }

  private releaseRowOf(r: ReleaseRecord): ReleaseRow {
    this.rememberIndexed(r);
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

  /** drizzle's select of releases joined to the request their snapshot refers to. */
  private selectWithRequest() {
    return this.db
      .select({ row: releases, requestId: requests.id, request: requests.body })
      .from(releases)
      .leftJoin(requests, eq(requests.id, releases.requestId));
  }

  private joinedRowOf(joined: {
    row: typeof releases.$inferSelect;
    requestId: number | null;
    request: unknown;
  }): ReleaseRow {
    const { requestId: _link, ...row } = joined.row;
    const ref = requestRefIn(row.snapshot);
    if (ref === null) return row;
    if (joined.requestId === null) throw new StoredRequestMissingError(row.releaseId, ref);
    return { ...row, snapshot: attachRequest(row.snapshot, joined.request) };
  }

  // ---- audit ------------------------------------------------------------------------------------

  private insertAudit(entries: Array<AuditInput & { releaseId: string }>, at: string): void {
    const rows = entries.map((e): SqlValue[] => [
      e.releaseId,
      at,
      e.source,
      e.actor,
      e.event,
      e.fromState,
      e.toState,
      e.accepted ? 1 : 0,
      packedOrNull(e.detail),
    ]);
    // In a transaction, the history rows of the turn are inserted together as it commits (one
    // statement for all of them): nothing reads them back in between but `history` and the audit tail,
    // which insert them first.
    const kept = rows.filter((row) => !this.store.deferInsert(auditInsert, 9, row));
    if (kept.length > 0) this.store.insertRows(auditInsert, 9, kept);
  }

  appendAudit(releaseId: string, entry: AuditInput): void {
    this.insertAudit([{ ...entry, releaseId }], now());
  }

  // ---- outbox -----------------------------------------------------------------------------------

  /**
   * Queue the effects in order. An effect whose key is queued and unfinished is not queued twice (it
   * would run twice). One decided again after it finished (e.g. a retried submission) keeps its old row
   * for the record under a suffixed key (`key#id`) and is queued afresh, in the decision's order.
   */
  private queueEffects(releaseId: string, effects: EffectInput[], at: string): OutboxRow[] {
    if (effects.length === 0) return [];
    let inserted = this.insertEffects(releaseId, effects, at);
    if (inserted.size < effects.length) {
      const skipped = effects.filter((e) => !inserted.has(e.idempotencyKey)).map((e) => e.idempotencyKey);
      const finished = this.store
        .statement<{ id: number }>(
          `select id from outbox where release_id = ? and idempotency_key in (select value from json_each(?))
           and status in ('done', 'failed')`,
        )
        .all(releaseId, JSON.stringify(skipped));
      if (finished.length > 0) {
        // Queue order is id order: take this write's rows out again and insert them all after the rename.
        const ids = JSON.stringify([...inserted.values()]);
        this.store.statement('delete from outbox where id in (select value from json_each(?))').run(ids);
        for (const { id } of finished) {
          this.store
            .statement(
              `update outbox set idempotency_key = idempotency_key || '#' || id, updated_at = ? where id = ?`,
            )
            .run(at, id);
        }
        inserted = this.insertEffects(releaseId, effects, at);
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

  /** Multi-row insert (payloads included) skipping keys already present; key → id of the rows inserted. */
  private insertEffects(releaseId: string, effects: EffectInput[], at: string): Map<string, number> {
    const inserted = new Map<string, number>();
    for (let from = 0; from < effects.length; from += rowsPerInsert) {
      const chunk = effects.slice(from, from + rowsPerInsert);
      // The keys are unique per release without a unique index (see schema.ts): a key already queued is
      // not inserted again (the writer holds the file: nothing comes between the check and the insert),
      // nor one this chunk repeats.
      const fresh = chunk.filter(
        (e, i) => chunk.findIndex((o) => o.idempotencyKey === e.idempotencyKey) === i,
      );
      const params: SqlValue[] = [releaseId, at, at];
      for (const e of fresh) params.push(e.idempotencyKey, e.type, JSON.stringify(e.payload ?? null));
      params.push(releaseId);
      const rows = this.store
        .statement<{ id: number; idempotency_key: string }>(
          `insert into outbox (release_id, idempotency_key, type, payload, status, attempts, next_attempt_at,
            created_at, updated_at)
           select ?, v.column1, v.column2, v.column3, 'pending', 0, 0, ?, ?
           from (values ${placeholderRows(fresh.length, 3)}) v
           where not exists (select 1 from outbox o where o.release_id = ? and o.idempotency_key = v.column1)
           returning id, idempotency_key`,
        )
        .all(...params);
      for (const row of rows) inserted.set(row.idempotency_key, row.id);
    }
    return inserted;
  }

  /**
   * Finished effects: a done one leaves the outbox (the history keeps its outcome), a failed one stays,
   * with its payload, for a person to retry it.
   */
  private completeEffects(completions: EffectCompletion[], at: string): void {
    const done = completions.filter((c) => c.status === 'done').map((c) => c.id);
    const failed = completions.filter((c) => c.status === 'failed');
    if (done.length === 1) {
      this.store.statement('delete from outbox where id = ?').run(done[0]!);
    } else if (done.length > 1) {
      const list = JSON.stringify(done);
      this.store.statement('delete from outbox where id in (select value from json_each(?))').run(list);
    }
    for (const c of failed) {
      this.store
        .statement(`update outbox set status = 'failed', last_error = ?, updated_at = ? where id = ?`)
        .run(c.error ?? null, at, c.id);
    }
  }

  /** The next effect of a release to run (its queue is strictly FIFO). */
  headEffect(releaseId: string): OutboxRow | undefined {
    const r = this.store
      .statement<OutboxRecord>(
        `${outboxSelect} where o.release_id = ? and ${unfinishedRow} order by o.id limit 1`,
      )
      .get(releaseId);
    return r && outboxRowOf(r);
  }

  /** Every pending or running effect of a release, in queue (id) order, in one read. */
  pendingEffects(releaseId: string): OutboxRow[] {
    return this.store
      .statement<OutboxRecord>(`${outboxSelect} where o.release_id = ? and ${unfinishedRow} order by o.id`)
      .all(releaseId)
      .map(outboxRowOf);
  }

  /** Releases that have effects waiting (for the runner at start). */
  releasesWithPendingEffects(): string[] {
    return this.store
      .statement<{ release_id: string }>(`select distinct release_id from outbox where ${unfinished}`)
      .all()
      .map((r) => r.release_id);
  }

  /** True when an effect is pending and due at `at` (for `idle`). */
  hasDueEffects(at: number): boolean {
    return (
      this.store
        .statement(`select 1 from outbox where ${unfinished} and next_attempt_at <= ? limit 1`)
        .get(at) !== undefined
    );
  }

  /** Effects left `running` by a previous process go back to `pending`: they are idempotent. */
  resetRunningEffects(): number {
    return this.store
      .statement(
        `update outbox set status = 'pending', updated_at = ? where ${unfinished} and status = 'running'`,
      )
      .run(now()).changes;
  }

  /**
   * Set an effect's status (and the fields given; the others keep their value). A row marked done
   * leaves the outbox; a failed one keeps its payload for a retry. `durable: false` commits with
   * synchronous=NORMAL (see DecisionWrite).
   */
  markEffect(
    id: number,
    status: OutboxStatus,
    fields: { attempts?: number; nextAttemptAt?: number; lastError?: string | null } = {},
    options: { durable?: boolean } = {},
  ): void {
    if (status === 'done') {
      this.store.transaction(() => this.completeEffects([{ id, status: 'done' }], now()), options);
      return;
    }
    const update = () =>
      this.store
        .statement(
          `update outbox set status = ?, attempts = coalesce(?, attempts), next_attempt_at = coalesce(?, next_attempt_at),
            last_error = case when ? then ? else last_error end, updated_at = ?
           where id = ?`,
        )
        .run(
          status,
          fields.attempts ?? null,
          fields.nextAttemptAt ?? null,
          fields.lastError === undefined ? 0 : 1,
          fields.lastError ?? null,
          now(),
          id,
        );
    if (options.durable === false || status === 'failed') this.store.transaction(update, options);
    else update();
  }

  /** Record a retryable failure: the effect stays pending until `nextAttemptAt`. */
  deferEffect(
    id: number,
    attempts: number,
    nextAttemptAt: number,
    error: string,
    entry: AuditInput & { releaseId: string },
    options: { durable?: boolean } = {},
  ): void {
    this.store.transaction(
      () => {
        const at = now();
        this.store
          .statement(
            `update outbox set status = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ?
             where id = ?`,
          )
          .run(attempts, nextAttemptAt, error, at, id);
        this.insertAudit([entry], at);
      },
      { durable: options.durable ?? true },
    );
  }

  effectsOf(releaseId: string): OutboxRow[] {
    return this.store
      .statement<OutboxRecord>(`${outboxSelect} where o.release_id = ? order by o.id`)
      .all(releaseId)
      .map(outboxRowOf);
  }

  // ---- timers -----------------------------------------------------------------------------------

  dueTimers(at: number): TimerRow[] {
    return this.store
      .statement<TimerRecord>(`select ${timerColumns} from timers where due_at <= ? order by due_at`)
      .all(at)
      .map(timerRowOf);
  }

  /** Every pending timer (the runtime keeps them in memory from start). */
  allTimers(): TimerRow[] {
    return this.store
      .statement<TimerRecord>(`select ${timerColumns} from timers order by due_at`)
      .all()
      .map(timerRowOf);
  }

  /** The earliest timers, soonest first. */
  nextTimers(limit: number): TimerRow[] {
    return this.store
      .statement<TimerRecord>(`select ${timerColumns} from timers order by due_at limit ?`)
      .all(limit)
      .map(timerRowOf);
  }

  getTimer(id: number): TimerRow | undefined {
    const r = this.store.statement<TimerRecord>(`select ${timerColumns} from timers where id = ?`).get(id);
    return r && timerRowOf(r);
  }

  timersOf(releaseId: string): TimerRow[] {
    return this.store
      .statement<TimerRecord>(`select ${timerColumns} from timers where release_id = ?`)
      .all(releaseId)
      .map(timerRowOf);
  }
}

/** A product state covers the machine's steps inside it (`sqlPending` matches `sqlPending.failed`): a range on the index. */
function inState(state: string): SQL {
  return or(
    eq(releases.state, state),
    and(sql`${releases.state} > ${`${state}.`}`, sql`${releases.state} < ${`${state}/`}`),
  )!;
}

/** An audit row as `delete … returning` gives it. */
interface AuditRecord {
  seq: number;
  release_id: string;
  at: string;
  source: string;
  actor: string;
  event: string;
  from_state: string | null;
  to_state: string | null;
  accepted: number;
  detail: Uint8Array | string | null;
}

type ArchivedRow = [number, string, string, string, string, string | null, string | null, number, unknown];

/** The audit rows an `audit_archive` row holds, as `history` returns them. */
function archivedRows(releaseId: string, rows: unknown): AuditRow[] {
  return (rows as ArchivedRow[]).map(
    ([seq, at, source, actor, event, fromState, toState, accepted, detail]) => ({
      seq,
      releaseId,
      at,
      source,
      actor,
      event,
      fromState,
      toState,
      accepted: accepted === 1,
      detail,
    }),
  );
}
