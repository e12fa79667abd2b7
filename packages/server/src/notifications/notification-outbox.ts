/**
 * The notification outbox: one row per notification and channel, keyed by an idempotency key (release,
 * decision or wait, kind, channel), so a decision committed twice or a sweep that sees the same stuck
 * release again never tells anyone twice. It lives in the server's SQLite file but apart from the
 * releases' effect outbox: a mail server that fails or hangs delays nothing a release waits for.
 *
 * The table is created here (CREATE TABLE IF NOT EXISTS) rather than by a drizzle migration, so this
 * module does not add a migration to the store's sequence; it can move into schema.ts unchanged.
 */
import type { ChatMessage, MailMessage, NotificationKind } from '@cdflow/core';
import type { Store } from '../store/open-store.js';

export type NotificationPayload = { via: 'mail'; mail: MailMessage } | { via: 'chat'; message: ChatMessage };

export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface NotificationRow {
  id: number;
  idempotencyKey: string;
  releaseId: string;
  kind: NotificationKind;
  /** `mail` or `chat:<channel id>`. */
  channel: string;
  payload: NotificationPayload;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface NotificationInput {
  idempotencyKey: string;
  releaseId: string;
  kind: NotificationKind;
  channel: string;
  payload: NotificationPayload;
}

interface RawRow {
  id: number;
  idempotency_key: string;
  release_id: string;
  kind: string;
  channel: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

const ddl = `
CREATE TABLE IF NOT EXISTS notification_outbox (
  id INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL,
  release_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  channel TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS notification_outbox_key_unique ON notification_outbox (idempotency_key);
CREATE INDEX IF NOT EXISTS notification_outbox_due_idx ON notification_outbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS notification_outbox_release_idx ON notification_outbox (release_id, id);
`;

function toRow(raw: RawRow): NotificationRow {
  return {
    id: raw.id,
    idempotencyKey: raw.idempotency_key,
    releaseId: raw.release_id,
    kind: raw.kind as NotificationKind,
    channel: raw.channel,
    payload: JSON.parse(raw.payload) as NotificationPayload,
    status: raw.status as NotificationStatus,
    attempts: raw.attempts,
    nextAttemptAt: raw.next_attempt_at,
    lastError: raw.last_error,
    createdAt: raw.created_at,
    sentAt: raw.sent_at,
  };
}

export class NotificationOutbox {
  private readonly statements;

  constructor(private readonly store: Store) {
    store.sqlite.exec(ddl);
    // Through the store: counted, and a write outside a transaction commits (durably) as any other.
    this.statements = {
      insert: store.statement(
        `INSERT INTO notification_outbox
           (idempotency_key, release_id, kind, channel, payload, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)
         ON CONFLICT (idempotency_key) DO NOTHING`,
      ),
      due: store.statement(
        `SELECT * FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ?
         ORDER BY next_attempt_at, id LIMIT ?`,
      ),
      nextDue: store.statement(
        `SELECT MIN(next_attempt_at) AS at FROM notification_outbox WHERE status = 'pending'`,
      ),
      mark: store.statement(
        `UPDATE notification_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, sent_at = ?
         WHERE id = ?`,
      ),
      sending: store.statement(`UPDATE notification_outbox SET status = 'sending' WHERE id = ?`),
      recover: store.statement(`UPDATE notification_outbox SET status = 'pending' WHERE status = 'sending'`),
      ofRelease: store.statement(`SELECT * FROM notification_outbox WHERE release_id = ? ORDER BY id`),
      depth: store.statement(`SELECT status, COUNT(*) AS n FROM notification_outbox
                         WHERE status IN ('pending', 'sending') GROUP BY status`),
    };
  }

  /** Add the rows whose keys are new; returns how many were added. One transaction. */
  add(inputs: readonly NotificationInput[], now = Date.now()): number {
    if (inputs.length === 0 || !this.store.isOpen()) return 0;
    const at = new Date(now).toISOString();
    // Not fsync'd: the decision it follows was, and a notification a power loss drops is not sent twice.
    return this.store.transaction(
      () => {
        let added = 0;
        for (const r of inputs) {
          const result = this.statements.insert.run(
            r.idempotencyKey,
            r.releaseId,
            r.kind,
            r.channel,
            JSON.stringify(r.payload),
            now,
            at,
          );
          added += result.changes;
        }
        return added;
      },
      { durable: false },
    );
  }

  due(now: number, limit: number): NotificationRow[] {
    return (this.statements.due.all(now, limit) as RawRow[]).map(toRow);
  }

  /** Epoch ms of the earliest pending row, or null. */
  nextDueAt(): number | null {
    const row = this.statements.nextDue.get() as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  markSending(id: number): void {
    this.statements.sending.run(id);
  }

  markSent(row: NotificationRow, now = Date.now()): void {
    this.statements.mark.run(
      'sent',
      row.attempts + 1,
      row.nextAttemptAt,
      null,
      new Date(now).toISOString(),
      row.id,
    );
  }

  defer(row: NotificationRow, retryAt: number, error: string): void {
    this.statements.mark.run('pending', row.attempts + 1, retryAt, error, null, row.id);
  }

  markFailed(row: NotificationRow, error: string): void {
    this.statements.mark.run('failed', row.attempts + 1, row.nextAttemptAt, error, null, row.id);
  }

  /** Rows left `sending` by a stop mid-delivery are sent again (at least once: a robot may repeat it). */
  recover(): number {
    return this.statements.recover.run().changes;
  }

  ofRelease(releaseId: string): NotificationRow[] {
    return (this.statements.ofRelease.all(releaseId) as RawRow[]).map(toRow);
  }

  /** Rows waiting to be delivered, by status (for the metrics). */
  depth(): { pending: number; sending: number } {
    const out = { pending: 0, sending: 0 };
    for (const r of this.statements.depth.all() as Array<{ status: 'pending' | 'sending'; n: number }>)
      out[r.status] = r.n;
    return out;
  }
}
