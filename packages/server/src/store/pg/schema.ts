/**
 * The PostgreSQL schema of the server's store (drizzle-orm), the same tables as the SQLite one
 * (../schema.ts) so that both dialects answer with the same rows. Migrations in packages/server/drizzle-pg
 * are generated from this file by `pnpm --filter @cdflow/server db:generate:pg`; never edit them by hand.
 *
 * Choices, and why:
 * - Documents are `json`, not `jsonb`: json keeps the text as written. The stored-request reference
 *   compares a snapshot's request with a stored one as JSON text (jsonb reorders keys, so they would
 *   never match and every request would be stored twice), and jsonb refuses the escape `\u0000`, which a
 *   Jira comment or a fetched SQL file can carry: a webhook refused for it would be lost. No query here
 *   looks inside a document except for the request reference, which json's operators serve.
 * - Times are ISO-8601 text (what both dialects return, byte for byte) and epoch milliseconds are
 *   `bigint` (read as numbers).
 * - `state` is indexed with `text_pattern_ops`: a product state covers its substates (`sqlPending`
 *   matches `sqlPending.failed`), looked up as `state = $1 or state like 'sqlPending.%'`, which that
 *   index serves under any database collation.
 * - Rows that replicas share work on carry a lease (`lease_owner`, `lease_until`: epoch ms by the
 *   database's clock, so replicas' clocks need not agree): effects, timers, deliveries, notifications;
 *   `leases` holds the named singleton leases of the sweeps.
 * - No `durability` row: a PostgreSQL commit is durable when it returns (synchronous_commit on).
 * - No separate table for outbox payloads: SQLite keeps them apart so finished rows stay densely packed
 *   in its pages; PostgreSQL moves large values out of line (TOAST) by itself, and a finished row's
 *   payload is set to null.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, json, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

const id = (name: string) => bigint(name, { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();
const epochMs = (name: string) => bigint(name, { mode: 'number' });

/** One row per release: the latest machine snapshot plus the columns the query API filters on. */
export const releases = pgTable(
  'releases',
  {
    releaseId: text('release_id').primaryKey(),
    summary: text('summary').notNull(),
    issueKey: text('issue_key'),
    project: text('project').notNull(),
    jiraProject: text('jira_project').notNull(),
    env: text('env', { enum: ['UAT', 'PRO'] }).notNull(),
    state: text('state').notNull(),
    iteration: integer('iteration').notNull(),
    machineVersion: integer('machine_version').notNull(),
    /** The machine's snapshot, its request replaced by `{ "storedRequestId": n }` (see ../stored-request.ts). */
    snapshot: json('snapshot').notNull(),
    appliedVersion: text('applied_version'),
    appliedAt: text('applied_at'),
    /** Number of decisions written; every write checks it (optimistic concurrency, with the release lock). */
    revision: integer('revision').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('releases_summary_unique').on(t.summary),
    index('releases_issue_key_idx').on(t.issueKey),
    index('releases_state_idx').on(t.state.op('text_pattern_ops')),
    index('releases_created_idx').on(t.createdAt),
    index('releases_applied_idx').on(t.project, t.env, t.appliedAt),
  ],
);

/** Every accepted request from the release system, by iteration. */
export const requests = pgTable(
  'requests',
  {
    id: id('id'),
    releaseId: text('release_id').notNull(),
    iteration: integer('iteration').notNull(),
    by: text('by').notNull(),
    body: json('body').notNull(),
    receivedAt: text('received_at').notNull(),
  },
  (t) => [index('requests_release_idx').on(t.releaseId, t.iteration)],
);

/** The audit trail: every event (accepted or refused), decision and effect outcome. */
export const audit = pgTable(
  'audit',
  {
    seq: id('seq'),
    releaseId: text('release_id').notNull(),
    at: text('at').notNull(),
    source: text('source').notNull(),
    actor: text('actor').notNull(),
    event: text('event').notNull(),
    fromState: text('from_state'),
    toState: text('to_state'),
    accepted: boolean('accepted').notNull(),
    detail: json('detail'),
  },
  (t) => [index('audit_release_idx').on(t.releaseId, t.seq)],
);

/** Effects decided, run in `id` order per release; a done row is deleted, a failed one stays. */
export const outbox = pgTable(
  'outbox',
  {
    id: id('id'),
    releaseId: text('release_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    type: text('type').notNull(),
    /** The effect; null once the row finished. */
    payload: json('payload'),
    status: text('status', { enum: ['pending', 'running', 'done', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: epochMs('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: epochMs('lease_until'),
  },
  (t) => [
    uniqueIndex('outbox_release_key_unique').on(t.releaseId, t.idempotencyKey),
    // Each release's unfinished rows in queue order: its head is the first (claims read only heads).
    index('outbox_unfinished_idx').on(t.releaseId, t.id).where(sql`${t.status} in ('pending', 'running')`),
  ],
);

/** Wall-clock timers of the machine (polling, pre-deploy delay). One per (release, name). */
export const timers = pgTable(
  'timers',
  {
    id: id('id'),
    releaseId: text('release_id').notNull(),
    name: text('name').notNull(),
    dueAt: epochMs('due_at').notNull(),
    scheduleKey: text('schedule_key').notNull(),
    createdAt: text('created_at').notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: epochMs('lease_until'),
  },
  (t) => [
    uniqueIndex('timers_release_name_unique').on(t.releaseId, t.name),
    index('timers_due_idx').on(t.dueAt),
  ],
);

/** Jira webhook deliveries, deduplicated by a derived key (the unique index: across every replica). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id('id'),
    dedupeKey: text('dedupe_key').notNull(),
    receivedAt: text('received_at').notNull(),
    webhookEvent: text('webhook_event').notNull(),
    issueKey: text('issue_key'),
    /** As the route parsed it, without the fields that repeat this row's columns (see ../stored-delivery.ts). */
    delivery: json('delivery').notNull(),
    rawSize: integer('raw_size').notNull(),
    status: text('status', { enum: ['received', 'processed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    outcome: text('outcome'),
    detail: json('detail'),
    processedAt: text('processed_at'),
    leaseOwner: text('lease_owner'),
    leaseUntil: epochMs('lease_until'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_dedupe_unique').on(t.dedupeKey),
    index('webhook_deliveries_received_idx').on(t.id).where(sql`${t.status} = 'received'`),
    index('webhook_deliveries_issue_idx').on(t.issueKey, t.id),
  ],
);

/** Notifications to send, one per (notification, channel) key (see notifications/notification-outbox.ts). */
export const notificationOutbox = pgTable(
  'notification_outbox',
  {
    id: id('id'),
    idempotencyKey: text('idempotency_key').notNull(),
    releaseId: text('release_id').notNull(),
    kind: text('kind').notNull(),
    channel: text('channel').notNull(),
    payload: json('payload').notNull(),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: epochMs('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    sentAt: text('sent_at'),
    leaseOwner: text('lease_owner'),
    leaseUntil: epochMs('lease_until'),
  },
  (t) => [
    uniqueIndex('notification_outbox_key_unique').on(t.idempotencyKey),
    index('notification_outbox_due_idx').on(t.status, t.nextAttemptAt),
    index('notification_outbox_release_idx').on(t.releaseId, t.id),
  ],
);

/** Named singleton leases: a sweep (the Jira reconciliation, the stuck sweep) runs where its lease is held. */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  /** Epoch ms by the database's clock. */
  until: epochMs('until').notNull(),
});
