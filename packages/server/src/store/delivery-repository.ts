/** Jira webhook deliveries: dedupe on insert, then the outcome once processed. */
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Store } from './open-store.js';
import { webhookDeliveries } from './schema.js';

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export class DeliveryRepository {
  constructor(private readonly store: Store) {}

  /** Insert a delivery; null when its dedupe key was seen before (a duplicate). */
  insert(input: {
    dedupeKey: string;
    webhookEvent: string;
    issueKey: string | null;
    delivery: unknown;
    rawSize: number;
  }): number | null {
    const result = this.store.db
      .insert(webhookDeliveries)
      .values({ ...input, receivedAt: new Date().toISOString(), status: 'received', attempts: 0 })
      .onConflictDoNothing({ target: webhookDeliveries.dedupeKey })
      .run();
    return result.changes === 1 ? Number(result.lastInsertRowid) : null;
  }

  /** The last delivery about this issue (the newest received), or undefined. */
  latestFor(issueKey: string): DeliveryRow | undefined {
    return this.store.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.issueKey, issueKey))
      .orderBy(desc(webhookDeliveries.id))
      .limit(1)
      .get();
  }

  /** The Jira status the newest processed delivery of the issue found on re-reading it, or null. */
  lastSeenStatus(issueKey: string): string | null {
    const rows = this.store.db
      .select({ detail: webhookDeliveries.detail })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.issueKey, issueKey), eq(webhookDeliveries.status, 'processed')))
      .orderBy(desc(webhookDeliveries.id))
      .limit(20)
      .all();
    for (const row of rows) {
      const current = (row.detail as { current?: unknown } | null)?.current;
      if (typeof current === 'string') return current;
    }
    return null;
  }

  get(id: number): DeliveryRow | undefined {
    return this.store.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
  }

  getByDedupeKey(dedupeKey: string): DeliveryRow | undefined {
    return this.store.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.dedupeKey, dedupeKey))
      .get();
  }

  /** Deliveries accepted but not processed (the process stopped in between). */
  unprocessed(): DeliveryRow[] {
    return this.store.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.status, 'received'))
      .orderBy(asc(webhookDeliveries.id))
      .all();
  }

  finish(id: number, outcome: string, detail: unknown): void {
    this.store.db
      .update(webhookDeliveries)
      .set({ status: 'processed', outcome, detail: detail ?? null, processedAt: new Date().toISOString() })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'received')))
      .run();
  }

  recordAttempt(id: number, attempts: number, error: string): void {
    this.store.db
      .update(webhookDeliveries)
      .set({ attempts, outcome: 'error', detail: { error } })
      .where(eq(webhookDeliveries.id, id))
      .run();
  }
}
