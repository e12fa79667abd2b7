/**
 * Jira webhook deliveries on PostgreSQL. The dedupe key's unique index decides duplicates across every
 * replica (`on conflict do nothing`: of identical deliveries inserted at once, one row); a delivery is
 * processed under a claim (`claim`), so two replicas do not re-read the same issue at once.
 */
import { asc, desc, eq, sql } from 'drizzle-orm';
import type { DeliveryRow } from '../delivery-repository.js';
import type { DeliveryInput, DeliveryStore } from '../release-store.js';
import { jsonOrNull } from '../store-records.js';
import { decodeDelivery, encodeDelivery } from '../stored-delivery.js';
import { changed, dbNowMs, jsonParam, num, type PgExecutor, rowsOf } from './pg-sql.js';
import { webhookDeliveries as d } from './schema.js';

const columns = {
  id: d.id,
  dedupeKey: d.dedupeKey,
  receivedAt: d.receivedAt,
  webhookEvent: d.webhookEvent,
  issueKey: d.issueKey,
  /** As stored (text), for decodeDelivery. */
  stored: sql<string>`${d.delivery}::text`,
  rawSize: d.rawSize,
  status: d.status,
  attempts: d.attempts,
  outcome: d.outcome,
  detail: d.detail,
  processedAt: d.processedAt,
};

type Selected = {
  id: number;
  dedupeKey: string;
  receivedAt: string;
  webhookEvent: string;
  issueKey: string | null;
  stored: string;
  rawSize: number;
  status: 'received' | 'processed';
  attempts: number;
  outcome: string | null;
  detail: unknown;
  processedAt: string | null;
};

function rowOf({ stored, ...r }: Selected): DeliveryRow {
  return {
    ...r,
    delivery: decodeDelivery(stored, {
      dedupeKey: r.dedupeKey,
      webhookEvent: r.webhookEvent,
      issueKey: r.issueKey,
    }),
  };
}

export class PgDeliveries implements DeliveryStore {
  constructor(
    private readonly db: PgExecutor,
    private readonly wrote: () => void,
  ) {}

  async insert(input: DeliveryInput): Promise<number | null> {
    const at = new Date().toISOString();
    const processed = input.processed;
    const rows = await rowsOf<{ id: string }>(
      this.db,
      sql`insert into webhook_deliveries (dedupe_key, received_at, webhook_event, issue_key, delivery, raw_size,
          status, attempts, outcome, detail, processed_at)
        values (${input.dedupeKey}, ${at}, ${input.webhookEvent}, ${input.issueKey},
          ${encodeDelivery(input.delivery, input)}::json, ${input.rawSize}, ${processed ? 'processed' : 'received'}, 0,
          ${processed?.outcome ?? null}, ${jsonParam(jsonOrNull(processed?.detail))},
          ${processed ? at : null})
        on conflict (dedupe_key) do nothing
        returning id`,
    );
    this.wrote();
    return rows[0] ? num(rows[0].id) : null;
  }

  async get(id: number): Promise<DeliveryRow | undefined> {
    const [row] = await this.db.select(columns).from(d).where(eq(d.id, id));
    return row && rowOf(row);
  }

  async getByDedupeKey(dedupeKey: string): Promise<DeliveryRow | undefined> {
    const [row] = await this.db.select(columns).from(d).where(eq(d.dedupeKey, dedupeKey));
    return row && rowOf(row);
  }

  async latestFor(issueKey: string): Promise<DeliveryRow | undefined> {
    const [row] = await this.db
      .select(columns)
      .from(d)
      .where(eq(d.issueKey, issueKey))
      .orderBy(desc(d.id))
      .limit(1);
    return row && rowOf(row);
  }

  async lastSeenStatus(issueKey: string): Promise<string | null> {
    const rows = await this.db
      .select({ detail: d.detail })
      .from(d)
      .where(sql`${d.issueKey} = ${issueKey} and ${d.status} = 'processed'`)
      .orderBy(desc(d.id))
      .limit(20);
    for (const row of rows) {
      const current = (row.detail as { current?: unknown } | null)?.current;
      if (typeof current === 'string') return current;
    }
    return null;
  }

  async unprocessed(): Promise<DeliveryRow[]> {
    const rows = await this.db.select(columns).from(d).where(eq(d.status, 'received')).orderBy(asc(d.id));
    return rows.map(rowOf);
  }

  async claim(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const n = await changed(
      this.db,
      sql`update webhook_deliveries set lease_owner = ${owner}, lease_until = ${dbNowMs} + ${leaseMs}
        where id = ${id} and status = 'received'
          and (lease_owner is null or lease_owner = ${owner} or lease_until <= ${dbNowMs})`,
    );
    this.wrote();
    return n === 1;
  }

  async finish(id: number, outcome: string, detail: unknown): Promise<void> {
    await this.db.execute(
      sql`update webhook_deliveries set status = 'processed', outcome = ${outcome},
          detail = ${jsonParam(jsonOrNull(detail))}, processed_at = ${new Date().toISOString()},
          lease_owner = null, lease_until = null
        where id = ${id} and status = 'received'`,
    );
    this.wrote();
  }

  async recordAttempt(id: number, attempts: number, error: string): Promise<void> {
    await this.db.execute(
      sql`update webhook_deliveries set attempts = ${attempts}, outcome = 'error',
          detail = ${jsonParam(JSON.stringify({ error }))}
        where id = ${id}`,
    );
    this.wrote();
  }
}
