/**
 * Fires the machine's wall-clock timers. Timers are rows (due time in epoch ms) written with the
 * decision that scheduled them; this loop only keeps one setTimeout armed for the next due row, so a
 * restart loses nothing: `start` re-arms from the table.
 */
import type { ReleaseRepository, TimerRow } from '../store/release-repository.js';

/** setTimeout's ceiling (about 24.8 days); a later timer is re-armed when this one wakes. */
const maxDelayMs = 2 ** 31 - 1;

export class TimerLoop {
  private handle: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<number, Promise<void>>();
  private stopped = true;

  constructor(
    private readonly repo: ReleaseRepository,
    private readonly fire: (timer: TimerRow) => Promise<void>,
  ) {}

  start(): void {
    this.stopped = false;
    this.arm();
  }

  /** Re-arm for the earliest timer that is not firing already (call after any timer insert). */
  arm(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
    if (this.stopped) return;
    const next = this.repo.nextTimers(this.inFlight.size + 1).find((t) => !this.inFlight.has(t.id));
    if (!next) return;
    const delay = Math.min(Math.max(0, next.dueAt - Date.now()), maxDelayMs);
    this.handle = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.handle = null;
    if (this.stopped) return;
    for (const timer of this.repo.dueTimers(Date.now())) {
      if (this.inFlight.has(timer.id)) continue;
      const firing = this.fire(timer).finally(() => {
        this.inFlight.delete(timer.id);
        this.arm();
      });
      this.inFlight.set(timer.id, firing);
    }
    this.arm();
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
}
