/**
 * Folds the history of releases at rest (`ReleaseStore.compactHistory`: on SQLite their audit rows
 * packed together, about a fifth of the pages) a moment after the effect runner leaves a release, and
 * once more at a clean stop. One sweep folds up to `perSweep` releases in one transaction; at most one
 * sweep waits or runs at a time, so under load it runs every `delayMs` at most. A failed sweep is
 * logged and tried again at the next occasion: the history stays readable either way.
 */
import type { Logger } from 'pino';
import type { ReleaseStore } from '../store/release-store.js';

/** A release's history is folded once it has this many rows not folded yet. */
const minRows = 8;
const perSweep = 100;

export class HistorySweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly store: ReleaseStore,
    private readonly logger: Logger,
    private readonly delayMs = 250,
  ) {}

  /** A sweep within `delayMs` (nothing more when one is already due). */
  soon(): void {
    if (this.stopped || this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.sweep().finally(() => {
        this.running = null;
      });
    }, this.delayMs);
    this.timer.unref();
  }

  /** No more sweeps but a last one, now, of everything at rest; resolves when it is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    if (this.store.isOpen()) await this.sweep();
  }

  private async sweep(): Promise<void> {
    try {
      while ((await this.store.compactHistory(minRows, perSweep)) === perSweep && this.store.isOpen());
    } catch (error) {
      this.logger.warn(
        { err: error },
        'folding the history of releases at rest failed: it is tried again later',
      );
    }
  }
}
