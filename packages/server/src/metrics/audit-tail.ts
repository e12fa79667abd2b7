/**
 * Reads the audit trail forward from where it last stopped (by `seq`), in bounded pages, for the
 * counters that count committed facts. It starts at the trail's end when the server starts.
 * Replicas share one trail: each replica's counters count every replica's commits since it started,
 * so aggregate these counters across replicas with max(), not sum() (docs/operations.md).
 */
import type { ReleaseStore } from '../store/release-store.js';

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
  private constructor(
    private readonly store: ReleaseStore,
    private last: number,
  ) {}

  /** A tail starting at the trail's current end. */
  static async atEnd(store: ReleaseStore): Promise<AuditTail> {
    return new AuditTail(store, await store.lastAuditSeq());
  }

  /** The rows committed since the last read (at most a few pages; the rest next time). */
  async read(maxPages = 4): Promise<AuditTailRow[]> {
    if (!this.store.isOpen()) return [];
    const out: AuditTailRow[] = [];
    for (let page = 0; page < maxPages; page++) {
      const rows = await this.store.auditAfter(this.last, pageSize);
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
