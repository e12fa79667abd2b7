/** Gauges read from the store at scrape time: releases by state and the depth of each queue. */
import { count, eq, inArray } from 'drizzle-orm';
import type { Store } from '../store/open-store.js';
import { outbox, releases, timers, webhookDeliveries } from '../store/schema.js';

export interface QueueDepths {
  effectsPending: number;
  effectsRunning: number;
  timers: number;
  deliveriesReceived: number;
}

export class StoreGauges {
  constructor(private readonly store: Store) {}

  releasesByState(): Array<{ state: string; count: number }> {
    if (!this.store.isOpen()) return [];
    return this.store.db
      .select({ state: releases.state, count: count() })
      .from(releases)
      .groupBy(releases.state)
      .all();
  }

  queueDepths(): QueueDepths {
    const zero = { effectsPending: 0, effectsRunning: 0, timers: 0, deliveriesReceived: 0 };
    if (!this.store.isOpen()) return zero;
    const { db } = this.store;
    const effects = db
      .select({ status: outbox.status, n: count() })
      .from(outbox)
      .where(inArray(outbox.status, ['pending', 'running']))
      .groupBy(outbox.status)
      .all();
    return {
      effectsPending: effects.find((e) => e.status === 'pending')?.n ?? 0,
      effectsRunning: effects.find((e) => e.status === 'running')?.n ?? 0,
      timers: db.select({ n: count() }).from(timers).get()?.n ?? 0,
      deliveriesReceived:
        db
          .select({ n: count() })
          .from(webhookDeliveries)
          .where(eq(webhookDeliveries.status, 'received'))
          .get()?.n ?? 0,
    };
  }
}
