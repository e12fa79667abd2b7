/**
 * The server's notifications, composed: the outbox in the store's file, the channels the configuration
 * names, the notifier on the runtime's change feed, the delivery worker, and the stuck sweep. Started
 * after the runtime, stopped before it (the store must still be open).
 */

import type { HttpObserver } from '@cdflow/adapters';
import { compileRetryPolicy } from '@cdflow/core';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import type { ReleaseRuntimeApi } from '../runtime/runtime-api.js';
import type { NotificationStore, ReleaseStore } from '../store/release-store.js';
import { type DeliveryChannel, deliveryChannels } from './notification-channels.js';
import { type DeliveryReport, NotificationWorker } from './notification-worker.js';
import { ReleaseNotifier } from './release-notifier.js';
import { StuckSweep } from './stuck-sweep.js';

export interface ReleaseNotificationsOptions {
  runtime: ReleaseRuntimeApi;
  store: ReleaseStore;
  config: ServerConfig;
  logger: Logger;
  /** Told after every HTTP attempt of a chat robot (metrics). */
  httpObserver?: HttpObserver;
  /** Told after every delivery attempt (metrics). */
  onDelivery?: (report: DeliveryReport) => void;
  /** Channels to use instead of the configured ones (tests). */
  channels?: Map<string, DeliveryChannel>;
  now?: () => number;
}

export class ReleaseNotifications {
  readonly outbox: NotificationStore;
  readonly notifier: ReleaseNotifier;
  readonly worker: NotificationWorker;
  readonly sweep: StuckSweep;
  private readonly channelCount: number;

  constructor(options: ReleaseNotificationsOptions) {
    const { config, logger, runtime } = options;
    const settings = config.notifications;
    const log = logger.child({ component: 'notifications' });
    this.outbox = options.store.notifications;
    const channels = options.channels ?? deliveryChannels(settings, options.httpObserver);
    this.channelCount = channels.size;
    this.worker = new NotificationWorker({
      outbox: this.outbox,
      owner: config.replica.id,
      // A row being sent stays this replica's a little longer than one delivery may take.
      leaseMs: settings.sendTimeoutMs * 3 + 30_000,
      channels,
      retryPolicy: compileRetryPolicy(settings.retry),
      // The transports time out at sendTimeoutMs per step; a whole delivery gets a little more.
      deadlineMs: settings.sendTimeoutMs * 3,
      logger: log,
      ...(options.onDelivery ? { onDelivery: options.onDelivery } : {}),
    });
    this.notifier = new ReleaseNotifier({
      runtime,
      outbox: this.outbox,
      planner: {
        settings,
        names: config.jira.names,
        jiraUrl: (config.console.jiraUrl ?? config.jira.baseUrl).replace(/\/+$/, ''),
      },
      logger: log,
      added: () => this.worker.wake(),
      ...(options.now ? { now: options.now } : {}),
    });
    this.sweep = new StuckSweep({
      runtime,
      thresholdMs: (settings.stuckAfterMinutes ?? config.console.stuckAfterMinutes) * 60_000,
      sweepMs: settings.sweepMs,
      logger: log,
      stuck: (notification) => {
        if (this.channelCount > 0)
          void this.notifier
            .enqueue(notification)
            .catch((error: unknown) => log.warn({ err: error }, 'could not queue a stuck notification'));
      },
      ...(options.now ? { now: options.now } : {}),
    });
  }

  start(): void {
    // Nobody to tell: no row is written, but the sweep still counts stuck releases for the metrics.
    if (this.channelCount > 0) {
      this.notifier.start();
      this.worker.start();
    }
    this.sweep.start();
  }

  async stop(boundMs = 5_000): Promise<void> {
    this.notifier.stop();
    this.sweep.stop();
    await this.worker.stop(boundMs);
  }
}
