/**
 * One subscriber to the runtime's change notifications for every live view: bursts are coalesced per
 * release (a release that changed five times in one window is read once), and the fresh view of each
 * changed release is handed to the listeners (the event stream, the person-wait clock). A commit that only
 * recorded an effect's outcome is a change too (the history grew) even though the revision stayed.
 * A changed release is read only when a listener wants it: with no console open and nothing
 * remembered of it, a change costs nothing.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ReleaseRuntimeApi, ReleaseView } from '../../runtime/runtime-api.js';

export type ReleaseViewListener = (view: ReleaseView) => void;

/** Whether a listener wants the fresh view of this changed release (by default: every one). */
export type ReleaseInterest = (releaseId: string) => boolean;

const everyRelease: ReleaseInterest = () => true;

export interface ReleaseChangeFeedOptions {
  /** Changes of one release within this window become one notification. */
  coalesceMs: number;
  logger: FastifyBaseLogger;
}

export class ReleaseChangeFeed {
  private readonly pending = new Set<string>();
  private readonly listeners = new Map<ReleaseViewListener, ReleaseInterest>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null;

  constructor(
    private readonly runtime: ReleaseRuntimeApi,
    private readonly options: ReleaseChangeFeedOptions,
  ) {
    // The runtime calls this inside its commit path: only remember the id, read later.
    this.unsubscribe = runtime.subscribe(({ releaseId }) => {
      if (this.unsubscribe === null) return;
      this.pending.add(releaseId);
      this.timer ??= setTimeout(() => this.flush(), this.options.coalesceMs);
    });
  }

  on(listener: ReleaseViewListener, wants: ReleaseInterest = everyRelease): () => void {
    this.listeners.set(listener, wants);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }

  private flush(): void {
    this.timer = null;
    const ids = [...this.pending];
    this.pending.clear();
    void this.publish(ids);
  }

  private async publish(ids: readonly string[]): Promise<void> {
    for (const releaseId of ids) {
      const listeners = [...this.listeners].filter(([, wants]) => wants(releaseId)).map(([l]) => l);
      if (listeners.length === 0) continue;
      let view: ReleaseView | null;
      try {
        view = await this.runtime.getRelease(releaseId);
      } catch (error) {
        // The store closes during shutdown; a lost live update is re-read by the page on reconnect.
        this.options.logger.debug({ err: error, releaseId }, 'live view: could not read a changed release');
        continue;
      }
      if (view === null) continue;
      for (const listener of listeners) {
        try {
          listener(view);
        } catch (error) {
          this.options.logger.warn({ err: error, releaseId }, 'live view listener failed');
        }
      }
    }
  }
}
