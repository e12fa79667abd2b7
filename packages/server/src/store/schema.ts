/**
 * The SQLite schema of the server's store (drizzle-orm). Migrations in packages/server/drizzle are
 * generated from this file by `pnpm --filter @cdflow/server db:generate`; never edit them by hand.
 *
 * SQL orders and deployments are not separate tables: they live in the release's snapshot (the machine's
 * context), which is the single source of truth, so a projection could never disagree with it.
 *
 * Every page a commit touches is written whole to the WAL, so each index here is paid on every write of
 * its table: indexes cover the queries the store runs and nothing more. The one over deliveries not
 * processed yet is partial (that table keeps every delivery); the small tables (outbox: unfinished and
 * failed rows; timers: the armed ones) have no index by status or time (migration 0008), their few
 * such reads scan them. Integer primary keys are plain rowids, not AUTOINCREMENT (which rewrites
 * `sqlite_sequence` on every insert): a new row takes the highest id plus one, and no table here reuses
 * an id in a way that matters (a fired timer is matched by its schedule key as well as its id; a done
 * outbox row's id is in no pending work; folding a history never deletes the newest audit row, so no
 * `seq` is given twice). The writes of one turn of the event loop share one transaction (group
 * commit, see open-store.ts): that, more than any index, keeps the log small.
 */
import { sql } from 'drizzle-orm';
import { customType, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { packJson, unpackJson } from './packed-json.js';

/**
 * A JSON value stored packed (packed-json.ts: deflated with cdflow's vocabulary, a BLOB); one stored
 * as text before packing reads back as it is. Declared `text` so that SQLite's type affinity and the
 * migrations stay as they were.
 */
const packedJson = customType<{ data: unknown; driverData: Uint8Array | string }>({
  dataType: () => 'text',
  toDriver: (value) => packJson(JSON.stringify(value)),
  fromDriver: (value) => JSON.parse(unpackJson(value)) as unknown,
});

/** One row per release: the latest machine snapshot plus the columns the query API filters on. */
export const releases = sqliteTable(
  'releases',
  {
    releaseId: text('release_id').primaryKey(),
    summary: text('summary').notNull(),
    issueKey: text('issue_key'),
    project: text('project').notNull(),
    jiraProject: text('jira_project').notNull(),
    env: text('env', { enum: ['UAT', 'PRO'] }).notNull(),
    /** Machine state id, dotted for substates (`sqlPending.failed`). */
    state: text('state').notNull(),
    iteration: integer('iteration').notNull(),
    machineVersion: integer('machine_version').notNull(),
    /**
     * XState persisted snapshot, JSON, stored packed (packed-json.ts). Its `context.request` is stored
     * once, in `requests`: the snapshot holds `{ "storedRequestId": <requests.id> }` in its place (see
     * stored-request.ts), and reads put the request back. A snapshot written before that (or whose
     * request was never stored) keeps it inline.
     */
    snapshot: packedJson('snapshot').notNull(),
    /** The `requests` row the snapshot refers to (its storedRequestId), null when the request is inline. */
    requestId: integer('request_id'),
    /** The request version last brought to uatComplete (DF-V002: later releases never go below it). */
    appliedVersion: text('applied_version'),
    appliedAt: text('applied_at'),
    /** Number of decisions written; every write checks it (optimistic concurrency). */
    revision: integer('revision').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    // A summary has one release per environment: its UAT release and its production release.
    uniqueIndex('releases_summary_env_unique').on(t.summary, t.env),
    index('releases_issue_key_idx').on(t.issueKey),
    // State filters (the list, the reconciliation's releases waiting on people) are ranges on this one
    // index; an index with updated_at in it would be rewritten by every decision.
    index('releases_state_idx').on(t.state),
    index('releases_created_idx').on(t.createdAt),
    index('releases_applied_idx').on(t.project, t.env, t.appliedAt),
  ],
);

/** Every accepted request from the release system, by iteration. */
export const requests = sqliteTable(
  'requests',
  {
    id: integer('id').primaryKey(),
    releaseId: text('release_id').notNull(),
    iteration: integer('iteration').notNull(),
    by: text('by').notNull(),
    /**
     * The request as accepted, JSON text: it is read with its release on the hot paths, where inflating
     * it would cost more than its ~0.5 KiB is worth (a packed value, should one be there, reads too).
     */
    body: packedJson('body').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [index('requests_release_idx').on(t.releaseId, t.iteration)],
);

/** The audit trail: every event (accepted or refused), decision and effect outcome. */
export const audit = sqliteTable(
  'audit',
  {
    seq: integer('seq').primaryKey(),
    releaseId: text('release_id').notNull(),
    at: text('at').notNull(),
    source: text('source').notNull(),
    actor: text('actor').notNull(),
    event: text('event').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    accepted: integer('accepted', { mode: 'boolean' }).notNull(),
    /**
     * The event, effect outcome or refusal, JSON stored packed like the snapshot (packed-json.ts): a row
     * then takes about half a 512-byte page instead of most of one (or an overflow page), on disk and in
     * the log; it is written on the hot path and read only when someone asks for the history.
     */
    detail: packedJson('detail'),
  },
  (t) => [index('audit_release_idx').on(t.releaseId, t.seq)],
);

/**
 * The history of releases at rest, folded (see `ReleaseRepository.compactHistory`): a row per release
 * and sweep holding that release's audit rows `first_seq`..`last_seq`, oldest first, as one packed JSON
 * array of `[seq, at, source, actor, event, from_state, to_state, accepted, detail]`. Packed together
 * the rows of a release share their vocabulary and take about a fifth of the pages they took one by one.
 * `history` and the audit tail read both tables.
 */
export const auditArchive = sqliteTable(
  'audit_archive',
  {
    id: integer('id').primaryKey(),
    releaseId: text('release_id').notNull(),
    firstSeq: integer('first_seq').notNull(),
    lastSeq: integer('last_seq').notNull(),
    rows: packedJson('rows').notNull(),
  },
  (t) => [
    index('audit_archive_release_idx').on(t.releaseId, t.firstSeq),
    // The audit tail reads what was folded since its last read.
    index('audit_archive_last_seq_idx').on(t.lastSeq),
  ],
);

export const outboxStatuses = ['pending', 'running', 'done', 'failed'] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];

/**
 * Effects decided, run in `id` order per release, each with its payload. A done row leaves the table
 * (the audit trail has its outcome); a failed one stays, payload and all, for a person to retry it.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey(),
    releaseId: text('release_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    type: text('type').notNull(),
    /** The effect as core decided it (null only in finished rows of stores older than migration 0006). */
    payload: text('payload', { mode: 'json' }),
    status: text('status', { enum: outboxStatuses }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** Epoch milliseconds; the runner does not start the effect before. */
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    // A release's rows (queue order is id order, sorted on read: a release has a few). Its idempotency
    // keys are unique per release, which the store checks as it queues (release-repository.ts): one
    // writer holds the file, so nothing comes between that read and the insert. A unique index on
    // (release_id, idempotency_key) did the same for ~75 bytes an entry, 6 to a 512-byte page: the rows
    // come and go with every effect, and the splits and merges of that index were ~12 % of the WAL.
    // The status is not in the index: marking a row changes no entry here.
    index('outbox_release_idx').on(t.releaseId),
    // No index on the unfinished rows: the table holds only unfinished and failed rows (a done one leaves
    // it), so the few reads that look for them (at start, the gauges) scan it, and no effect queued,
    // finished or put off writes an index page for them.
  ],
);

/** Wall-clock timers of the machine (polling, pre-deploy delay). One per (release, name). */
export const timers = sqliteTable(
  'timers',
  {
    id: integer('id').primaryKey(),
    releaseId: text('release_id').notNull(),
    name: text('name').notNull(),
    /** Epoch milliseconds. */
    dueAt: integer('due_at').notNull(),
    /** Idempotency key of the `timer.schedule` effect that set it: a fire checks it is still this one. */
    scheduleKey: text('schedule_key').notNull(),
    createdAt: text('created_at').notNull(),
  },
  // No index on due_at: the table holds the armed timers only (a fired one leaves it) and one process
  // keeps them in memory; the reads by time (at start) sort the few rows.
  (t) => [uniqueIndex('timers_release_name_unique').on(t.releaseId, t.name)],
);

export const deliveryStatuses = ['received', 'processed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** Jira webhook deliveries, deduplicated by a derived key (Data Center sends no delivery id). */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey(),
    dedupeKey: text('dedupe_key').notNull(),
    receivedAt: text('received_at').notNull(),
    webhookEvent: text('webhook_event').notNull(),
    issueKey: text('issue_key'),
    /**
     * The delivery as the route parsed it (a hint: the issue is re-read before acting), stored without
     * the fields that repeat this row's columns (see stored-delivery.ts); reads return it whole. JSON text:
     * packing does not bring a row under half a page (a packed value, should one be there, reads too).
     */
    delivery: text('delivery', { mode: 'json' }).notNull(),
    rawSize: integer('raw_size').notNull(),
    status: text('status', { enum: deliveryStatuses }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** 'applied' | 'refused' | 'echo' | 'ignored' | 'unknown-issue' | 'no-issue' | 'error' */
    outcome: text('outcome'),
    detail: text('detail', { mode: 'json' }),
    processedAt: text('processed_at'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_dedupe_unique').on(t.dedupeKey),
    // Only deliveries not processed yet (resumed at start).
    index('webhook_deliveries_received_idx').on(t.id).where(sql`${t.status} = 'received'`),
    index('webhook_deliveries_issue_idx').on(t.issueKey, t.id),
  ],
);

/**
 * One row, written with an fsync to make every commit before it durable at once (see `Store.flush`):
 * the decisions an answer acknowledges are committed without one, then flushed together.
 */
export const durability = sqliteTable('durability', {
  id: integer('id').primaryKey(),
  flushes: integer('flushes').notNull(),
});
