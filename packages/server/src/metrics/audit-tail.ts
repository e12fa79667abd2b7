/**
 * Reads the audit trail forward from where it last stopped (by `seq`), in bounded pages, for the
 * counters that count committed facts. It starts at the trail's end when the server starts.
 */
import { asc, gt, max } from 'drizzle-orm';
import type { Store } from '../store/open-store.js';
import { audit } from '../store/schema.js';

export interface AuditTailRow {
  seq: number;
  releaseId: string;
  at: string;
  source: string;
  event: string;
  fromState: string | null;
  toState: string | null;
  accepted: boolean;
  /** `detail.outcome` of an effect row (done, failed, retrying, waiting). */
  outcome: string | null;
  /**
   * An effect outcome folded into a decision's row (`detail.effect`: the failed effect whose event this
   * decision decided), where the runtime writes one history row per decision.
   */
  effect: { type: string; outcome: string } | null;
}

const pageSize = 5_000;

export class AuditTail {
  private last: number;

  constructor(private readonly store: Store) {
    this.last =
      store.db
        .select({ seq: max(audit.seq) })
        .from(audit)
        .get()?.seq ?? 0;
  }

  /** The rows committed since the last read (at most a few pages; the rest next time). */
  read(maxPages = 4): AuditTailRow[] {
    if (!this.store.isOpen()) return [];
    const out: AuditTailRow[] = [];
    for (let page = 0; page < maxPages; page++) {
      const rows = this.store.db
        .select()
        .from(audit)
        .where(gt(audit.seq, this.last))
        .orderBy(asc(audit.seq))
        .limit(pageSize)
        .all();
      for (const row of rows) {
        const detail = row.detail as {
          outcome?: unknown;
          effect?: { type?: unknown; outcome?: unknown };
        } | null;
        const effect = detail?.effect;
        out.push({
          seq: row.seq,
          releaseId: row.releaseId,
          at: row.at,
          source: row.source,
          event: row.event,
          fromState: row.fromState,
          toState: row.toState,
          accepted: row.accepted,
          outcome: typeof detail?.outcome === 'string' ? detail.outcome : null,
          effect:
            typeof effect?.type === 'string' && typeof effect.outcome === 'string'
              ? { type: effect.type, outcome: effect.outcome }
              : null,
        });
        this.last = row.seq;
      }
      if (rows.length < pageSize) break;
    }
    return out;
  }
}
