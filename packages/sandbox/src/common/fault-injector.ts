/**
 * Fault injection for every simulator route: an error status (with an optional body and Retry-After),
 * added latency, or a malformed body, on a route pattern, at a rate, for a number of times.
 */

export interface FaultRule {
  /** `METHOD /route/:pattern` as registered (e.g. `POST /api/v1/workflow/`), or `*` for every route. */
  route: string;
  /** Answer with this status instead of the real handler. */
  status?: number;
  /** Body sent with `status` (JSON); defaults to a plain error object. */
  body?: unknown;
  /** Seconds put in a Retry-After header (with `status`). */
  retryAfterSeconds?: number;
  /** Delay before answering (also combined with the other faults). */
  latencyMs?: number;
  /** Answer 200 with a body that is not JSON. */
  malformed?: boolean;
  /** Fraction of matching calls affected, 0..1 (default 1). Deterministic (seeded). */
  rate?: number;
  /** Apply to this many matching calls, then remove the rule (default: until cleared). */
  times?: number;
}

export interface FaultDecision {
  latencyMs: number;
  status?: number;
  body?: unknown;
  retryAfterSeconds?: number;
  malformed?: boolean;
}

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private seed: number;

  constructor(seed = 42) {
    this.seed = seed >>> 0 || 42;
  }

  /** Add a rule; returns its id (for `remove`). */
  inject(rule: FaultRule): number {
    const id = this.nextId++;
    this.rules.push({ ...rule, id, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    return id;
  }

  remove(id: number): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ id: _id, remaining: _r, ...rule }) => rule);
  }

  /** What to do for one call of `route`; consumes `times` of the rules that fire. */
  decide(route: string): FaultDecision | null {
    let decision: FaultDecision | null = null;
    for (const rule of this.rules) {
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.remaining <= 0) continue;
      if (rule.rate !== undefined && rule.rate < 1 && this.random() >= rule.rate) continue;
      rule.remaining -= 1;
      decision ??= { latencyMs: 0 };
      decision.latencyMs += rule.latencyMs ?? 0;
      if (rule.status !== undefined && decision.status === undefined) {
        decision.status = rule.status;
        decision.body = rule.body;
        decision.retryAfterSeconds = rule.retryAfterSeconds;
      }
      if (rule.malformed) decision.malformed = true;
    }
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return decision;
  }

  /** mulberry32: a small seeded PRNG so fault rates are reproducible run to run. */
  private random(): number {
    this.seed = (this.seed + 0x6d2b79f5) >>> 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
