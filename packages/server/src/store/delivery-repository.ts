/** Jira webhook deliveries: dedupe on insert, then the outcome once processed. Statements prepared once. */
import { BoundedMap } from './bounded-map.js';
import type { Store } from './open-store.js';
import { packedAlwaysOrNull, packJson, unpackJson } from './packed-json.js';
import type { DeliveryInput } from './release-store.js';
import type { webhookDeliveries } from './schema.js';
import {
  type DeliveryRecord,
  deliveryColumns,
  deliveryRowOf,
  storedDedupeKey,
  storedTime,
} from './store-records.js';
import { encodeDelivery } from './stored-delivery.js';

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/**
 * The Jira status each issue's newest processed delivery found on re-reading it, per store file, as this
 * process recorded it (one process owns an SQLite file): every Jira move asks, and only a processed
 * delivery changes the answer. Filled by both ways a delivery is finished; a miss reads the table.
 */
const seenStatuses = new WeakMap<Store, BoundedMap<string, string>>();

function seenOf(store: Store): BoundedMap<string, string> {
  let seen = seenStatuses.get(store);
  if (!seen) {
    seen = new BoundedMap<string, string>(seenIssuesKept);
    seenStatuses.set(store, seen);
  }
  return seen;
}

const seenIssuesKept = 2_000;

/** A delivery was finished with `detail`: remember the status its processing found (`current`). */
export function noteProcessedDelivery(store: Store, detail: unknown): void {
  const d = detail as { issueKey?: unknown; current?: unknown } | null;
  if (d && typeof d.issueKey === 'string' && typeof d.current === 'string') {
    seenOf(store).set(d.issueKey, d.current);
  }
}

export class DeliveryRepository {
  constructor(private readonly store: Store) {}

  /**
   * Insert a delivery; null when its dedupe key was seen before (a duplicate). Durable by default (a 202
   * promises it); `batched` for a caller that awaits the store's next flush before it answers.
   */
  insert(input: DeliveryInput, options: { durable?: boolean | 'batched' } = {}): number | null {
    const at = new Date().toISOString();
    const processed = input.processed;
    const insert = () =>
      this.store
        .statement(
          `insert into webhook_deliveries (dedupe_key, received_at, webhook_event, issue_key, delivery, raw_size,
          status, attempts, outcome, detail, processed_at)
         values (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
         on conflict (dedupe_key) do nothing`,
        )
        .run(
          storedDedupeKey(input.dedupeKey),
          storedTime(at),
          input.webhookEvent,
          input.issueKey,
          packJson(encodeDelivery(input.delivery, input)),
          input.rawSize,
          processed ? 'processed' : 'received',
          processed?.outcome ?? null,
          packedAlwaysOrNull(processed?.detail),
          processed ? storedTime(at) : null,
        );
    const result = this.store.transaction(insert, { durable: options.durable ?? true });
    return result.changes === 1 ? Number(result.lastInsertRowid) : null;
  }

  /** The last delivery about this issue (the newest received), or undefined. */
  latestFor(issueKey: string): DeliveryRow | undefined {
    const r = this.store
      .statement<DeliveryRecord>(
        `select ${deliveryColumns} from webhook_deliveries where issue_key = ? order by id desc limit 1`,
      )
      .get(issueKey);
    return r && deliveryRowOf(r);
  }

  /** The Jira status the newest processed delivery of the issue found on re-reading it, or null. */
  lastSeenStatus(issueKey: string): string | null {
    const seen = seenOf(this.store).get(issueKey);
    if (seen !== undefined) return seen;
    const rows = this.store
      .statement<{ detail: Uint8Array | string | null }>(
        `select detail from webhook_deliveries where issue_key = ? and status = 'processed'
         order by id desc limit 20`,
      )
      .all(issueKey);
    for (const row of rows) {
      if (row.detail === null) continue;
      const current = (JSON.parse(unpackJson(row.detail)) as { current?: unknown } | null)?.current;
      if (typeof current === 'string') {
        seenOf(this.store).set(issueKey, current);
        return current;
      }
    }
    return null;
  }

  get(id: number): DeliveryRow | undefined {
    const r = this.store
      .statement<DeliveryRecord>(`select ${deliveryColumns} from webhook_deliveries where id = ?`)
      .get(id);
    return r && deliveryRowOf(r);
  }

  getByDedupeKey(dedupeKey: string): DeliveryRow | undefined {
    const r = this.store
      .statement<DeliveryRecord>(`select ${deliveryColumns} from webhook_deliveries where dedupe_key = ?`)
      .get(storedDedupeKey(dedupeKey));
    return r && deliveryRowOf(r);
  }

  /** Deliveries accepted but not processed (the process stopped in between). */
  unprocessed(): DeliveryRow[] {
    return this.store
      .statement<DeliveryRecord>(
        `select ${deliveryColumns} from webhook_deliveries where status = 'received' order by id`,
      )
      .all()
      .map(deliveryRowOf);
  }

  /**
   * Mark a received delivery processed with its outcome. `durable: false` commits with
   * synchronous=NORMAL: if a power loss takes the mark, the delivery is processed again at the next start
   * (processing re-reads the issue, so that is harmless).
   */
  finish(id: number, outcome: string, detail: unknown, options: { durable?: boolean } = {}): void {
    const update = () =>
      this.store
        .statement(
          `update webhook_deliveries set status = 'processed', outcome = ?, detail = ?, processed_at = ?
           where id = ? and status = 'received'`,
        )
        .run(outcome, packedAlwaysOrNull(detail), String(Date.now()), id);
    if (options.durable === false) this.store.transaction(update, { durable: false });
    else update();
    noteProcessedDelivery(this.store, detail);
  }

  recordAttempt(id: number, attempts: number, error: string): void {
    this.store
      .statement(`update webhook_deliveries set attempts = ?, outcome = 'error', detail = ? where id = ?`)
      .run(attempts, JSON.stringify({ error }), id);
  }
}
