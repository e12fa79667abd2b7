/**
 * The notification outbox on PostgreSQL (the same rows as notifications/notification-outbox.ts on
 * SQLite). Sending is claimed: `markSending` takes a due row with a lease, so of several replicas one
 * sends it; a sender that dies leaves its rows `sending` until the lease runs out, then they are due again.
 */
import type { NotificationKind } from '@cdflow/core';
import { asc, eq, sql } from 'drizzle-orm';
import type {
  NotificationInput,
  NotificationPayload,
  NotificationRow,
  NotificationStatus,
} from '../../notifications/notification-outbox.js';
import type { NotificationStore } from '../release-store.js';
import { changed, dbNowMs, num, type PgExecutor, pgText, rowsOf } from './pg-sql.js';
import { notificationOutbox as n } from './schema.js';

const columns = {
  id: n.id,
  idempotencyKey: n.idempotencyKey,
  releaseId: n.releaseId,
  kind: n.kind,
  channel: n.channel,
  payload: n.payload,
  status: n.status,
  attempts: n.attempts,
  nextAttemptAt: n.nextAttemptAt,
  lastError: n.lastError,
  createdAt: n.createdAt,
  sentAt: n.sentAt,
};

type Selected = {
  id: number;
  idempotencyKey: string;
  releaseId: string;
  kind: string;
  channel: string;
  payload: unknown;
  status: NotificationStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
};

function rowOf(r: Selected): NotificationRow {
  return { ...r, kind: r.kind as NotificationKind, payload: r.payload as NotificationPayload };
}

export class PgNotifications implements NotificationStore {
  constructor(
    private readonly db: PgExecutor,
    private readonly wrote: () => void,
  ) {}

  async add(inputs: readonly NotificationInput[], now = Date.now()): Promise<number> {
    if (inputs.length === 0) return 0;
    const at = new Date(now).toISOString();
    const values = inputs.map(
      (r) =>
        sql`(${r.idempotencyKey}, ${r.releaseId}, ${r.kind}, ${r.channel}, ${JSON.stringify(r.payload)}::json,
          'pending', 0, ${now}, ${at})`,
    );
    const added = await changed(
      this.db,
      sql`insert into notification_outbox
          (idempotency_key, release_id, kind, channel, payload, status, attempts, next_attempt_at, created_at)
        values ${sql.join(values, sql`, `)}
        on conflict (idempotency_key) do nothing`,
    );
    this.wrote();
    return added;
  }

  async due(now: number, limit: number): Promise<NotificationRow[]> {
    const rows = await this.db
      .select(columns)
      .from(n)
      .where(sql`${n.status} = 'pending' and ${n.nextAttemptAt} <= ${now}`)
      .orderBy(asc(n.nextAttemptAt), asc(n.id))
      .limit(limit);
    return rows.map(rowOf);
  }

  async nextDueAt(): Promise<number | null> {
    const [row] = await rowsOf<{ at: string | null }>(
      this.db,
      sql`select min(next_attempt_at) as at from notification_outbox where status = 'pending'`,
    );
    return row?.at === null || row?.at === undefined ? null : num(row.at);
  }

  async markSending(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const taken = await changed(
      this.db,
      sql`update notification_outbox set status = 'sending', lease_owner = ${owner}, lease_until = ${dbNowMs} + ${leaseMs}
        where id = ${id} and (status = 'pending'
          or (status = 'sending' and (lease_owner = ${owner} or lease_until is null or lease_until <= ${dbNowMs})))`,
    );
    this.wrote();
    return taken === 1;
  }

  async markSent(row: NotificationRow, now = Date.now()): Promise<void> {
    await this.mark(row.id, 'sent', row.attempts + 1, row.nextAttemptAt, null, new Date(now).toISOString());
  }

  async defer(row: NotificationRow, retryAt: number, error: string): Promise<void> {
    await this.mark(row.id, 'pending', row.attempts + 1, retryAt, error, null);
  }

  async markFailed(row: NotificationRow, error: string): Promise<void> {
    await this.mark(row.id, 'failed', row.attempts + 1, row.nextAttemptAt, error, null);
  }

  async recover(): Promise<number> {
    const recovered = await changed(
      this.db,
      sql`update notification_outbox set status = 'pending', lease_owner = null, lease_until = null
        where status = 'sending' and (lease_until is null or lease_until <= ${dbNowMs})`,
    );
    this.wrote();
    return recovered;
  }

  async ofRelease(releaseId: string): Promise<NotificationRow[]> {
    const rows = await this.db.select(columns).from(n).where(eq(n.releaseId, releaseId)).orderBy(asc(n.id));
    return rows.map(rowOf);
  }

  async depth(): Promise<{ pending: number; sending: number }> {
    const rows = await rowsOf<{ status: 'pending' | 'sending'; n: string }>(
      this.db,
      sql`select status, count(*) as n from notification_outbox where status in ('pending', 'sending') group by status`,
    );
    const out = { pending: 0, sending: 0 };
    for (const r of rows) out[r.status] = num(r.n);
    return out;
  }

  private async mark(
    id: number,
    status: NotificationStatus,
    attempts: number,
    nextAttemptAt: number,
    error: string | null,
    sentAt: string | null,
  ): Promise<void> {
    await this.db.execute(
      sql`update notification_outbox set status = ${status}, attempts = ${attempts}, next_attempt_at = ${nextAttemptAt},
          last_error = ${pgText(error)}, sent_at = ${sentAt}, lease_owner = null, lease_until = null
        where id = ${id}`,
    );
    this.wrote();
  }
}
