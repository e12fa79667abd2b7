/**
 * Fires the machine's wall-clock timers. Timers are rows (due time in epoch ms) written with the
 * decision that scheduled them, so a restart loses nothing: `start` loads them from the table. While
 * running, the loop keeps them in memory — the runtime tells it what each commit scheduled, cancelled
 * or fired — and keeps one setTimeout armed for the next one due.
 */
import type { ReleaseStore } from '../store/release-store.js';
import { ClaimBackoff } from './claim-backoff.js';
import type { ReplicaClaims } from './effect-runner.js';

/** setTimeout's ceiling (about 24.8 days); a later timer is re-armed when this one wakes. */
const maxDelayMs = 2 ** 31 - 1;

export interface PendingTimer {
  releaseId: string;
  name: string;
  dueAt: number;
  /** Idempotency key of the `timer.schedule` effect that set it: a firing checks it is still this one. */
  scheduleKey: string;
  /** Replicas: the owner whose claim the firing is recorded under. */
  owner?: string;
}

const keyOf = (releaseId: string, name: string) => `${releaseId}\u0000${name}`;

export class TimerLoop {
  private handle: NodeJS.Timeout | null = null;
  private armedFor: number | null = null;
  private readonly pending = new Map<string, PendingTimer>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopped = true;
  private backoff: ClaimBackoff | null = null;

  constructor(
    private readonly store: ReleaseStore,
    private readonly fire: (timer: PendingTimer) => Promise<void>,
    /** Replicas share the store: due timers are claimed from it instead of kept in memory. */
    private readonly replica?: ReplicaClaims,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    if (this.replica) {
      this.pollClaims();
      return;
    }
    for (const row of await this.store.allTimers()) {
      this.pending.set(keyOf(row.releaseId, row.name), {
        releaseId: row.releaseId,
        name: row.name,
        dueAt: row.dueAt,
        scheduleKey: row.scheduleKey,
      });
    }
    this.arm();
  }

  /** A commit scheduled (or rescheduled) these timers of the release. */
  scheduled(releaseId: string, timers: ReadonlyArray<Omit<PendingTimer, 'releaseId'>>): void {
    if (this.replica) return; // the store is the truth; the next claim round sees them
    for (const t of timers) this.pending.set(keyOf(releaseId, t.name), { releaseId, ...t });
    if (timers.length > 0) this.arm();
  }

  /** Replicas: claim the timers due now (each fires on one replica), then again every `pollMs`. */
  private pollClaims(): void {
    if (this.stopped || !this.replica) return;
    const replica = this.replica;
    this.backoff ??= new ClaimBackoff(replica.pollMs);
    const backoff = this.backoff;
    this.handle = setTimeout(async () => {
      this.handle = null;
      try {
        const due = await this.store.claimTimers(replica.owner, replica.leaseMs, Date.now());
        for (const row of due) {
          const key = keyOf(row.releaseId, row.name);
          if (this.inFlight.has(key)) continue;
          const timer: PendingTimer = {
            releaseId: row.releaseId,
            name: row.name,
            dueAt: row.dueAt,
            scheduleKey: row.scheduleKey,
            owner: replica.owner,
          };
          // A firing that failed (the store went away meanwhile) leaves its row: once the claim runs out
          // it is claimed and fired again, here or on another replica.
          const firing = this.fire(timer)
            .catch(() => undefined)
            .finally(() => this.inFlight.delete(key));
          this.inFlight.set(key, firing);
        }
        backoff.succeeded();
      } catch {
        // The store is away: the next round asks again, later each time until it answers.
        backoff.failed();
      }
      this.pollClaims();
    }, backoff.delayMs);
    this.handle.unref();
  }

  /** A commit cancelled these timers of the release. */
  cancelled(releaseId: string, names: readonly string[]): void {
    for (const name of names) this.pending.delete(keyOf(releaseId, name));
  }

  /** A commit recorded the firing of this schedule (a newer schedule of the same name stays). */
  firedDone(releaseId: string, name: string, scheduleKey: string): void {
    const key = keyOf(releaseId, name);
    if (this.pending.get(key)?.scheduleKey === scheduleKey) this.pending.delete(key);
  }

  /** The schedule of this timer now, if it is still pending (replicas: the claimed timer itself, checked by the store). */
  current(releaseId: string, name: string, claimed?: PendingTimer): PendingTimer | undefined {
    if (this.replica) return claimed;
    return this.pending.get(keyOf(releaseId, name));
  }

  /** A timer is due now or being fired (for `idle`). */
  dueNow(at: number): boolean {
    if (this.replica) return this.inFlight.size > 0;
    if (this.inFlight.size > 0) return true;
    for (const t of this.pending.values()) if (t.dueAt <= at) return true;
    return false;
  }

  /** Timers firing right now. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Keep one setTimeout armed for the earliest timer that is not firing already. */
  private arm(): void {
    if (this.stopped) return;
    let next: number | null = null;
    for (const [key, t] of this.pending) {
      if (this.inFlight.has(key)) continue;
      if (next === null || t.dueAt < next) next = t.dueAt;
    }
    if (next === this.armedFor && this.handle) return;
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
    this.armedFor = next;
    if (next === null) return;
    const delay = Math.min(Math.max(0, next - Date.now()), maxDelayMs);
    this.handle = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.handle = null;
    this.armedFor = null;
    if (this.stopped) return;
    const now = Date.now();
    for (const [key, timer] of this.pending) {
      if (timer.dueAt > now || this.inFlight.has(key)) continue;
      const firing = this.fire(timer).finally(() => {
        this.inFlight.delete(key);
        this.arm();
      });
      this.inFlight.set(key, firing);
    }
    this.arm();
  }
}
