/**
 * Hears every committed decision (the runtime's change feed) and every stuck release (the sweep), asks
 * core which notifications they cause, and adds the rows to the notification outbox. The listener runs
 * in the runtime's commit path: a decision that tells nobody costs one pure function call; one that does
 * costs one small insert (and, on completion, one history read for the upgrade's start time).
 */
import { notificationsFor, type ReleaseNotification, upgradeStartedAt } from '@cdflow/core';
import type { Logger } from 'pino';
import type { ReleaseChange, ReleaseRuntimeApi } from '../runtime/runtime-api.js';
import type { NotificationStore } from '../store/release-store.js';
import { type PlannerContext, planNotification } from './notification-planner.js';

export interface ReleaseNotifierOptions {
  runtime: Pick<ReleaseRuntimeApi, 'subscribe' | 'history'>;
  outbox: NotificationStore;
  planner: PlannerContext;
  logger: Logger;
  /** Called after rows were added (the worker looks at the outbox). */
  added: () => void;
  now?: () => number;
}

export class ReleaseNotifier {
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: ReleaseNotifierOptions) {}

  start(): void {
    this.unsubscribe ??= this.options.runtime.subscribe((change) => this.heard(change));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Queue `notification` (from a decision or the stuck sweep); how many rows were new. */
  async enqueue(notification: ReleaseNotification): Promise<number> {
    const { runtime, outbox, planner } = this.options;
    const now = (this.options.now ?? Date.now)();
    const startedAt =
      notification.kind === 'completed'
        ? upgradeStartedAt((await runtime.history(notification.releaseId)) ?? [])
        : null;
    const added = await outbox.add(planNotification(notification, planner, { now, startedAt }), now);
    if (added > 0) this.options.added();
    return added;
  }

  private heard(change: ReleaseChange): void {
    const decided = change.decided;
    if (!decided?.decision.accepted) return;
    try {
      const notifications = notificationsFor({
        from: decided.fromState,
        event: decided.event,
        to: decided.decision.state,
        context: decided.decision.context,
      });
      for (const n of notifications)
        void this.enqueue(n).catch((error: unknown) => this.lost(change.releaseId, error));
    } catch (error) {
      // A notification lost is a pity; a decision path that throws would be worse.
      this.lost(change.releaseId, error);
    }
  }

  private lost(releaseId: string, error: unknown): void {
    this.options.logger.warn({ releaseId, err: error }, 'could not queue a notification');
  }
}
