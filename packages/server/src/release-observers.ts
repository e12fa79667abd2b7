/**
 * Everything that watches releases without taking part in them, started after the runtime and stopped
 * before it: the notifications (mail, chat, the stuck sweep), the Stately inspector stream
 * (CDFLOW_INSPECT_URL) and what the metrics read at each scrape.
 */
import type { Logger } from 'pino';
import type { ServerConfig } from './config/server-config.js';
import { ReleaseInspector } from './inspect/release-inspector.js';
import { AuditTail } from './metrics/audit-tail.js';
import type { CdflowMetrics } from './metrics/cdflow-metrics.js';
import { ReleaseNotifications } from './notifications/release-notifications.js';
import type { ReleaseRuntimeApi } from './runtime/runtime-api.js';
import type { ReleaseStore } from './store/release-store.js';

export interface ReleaseObservers {
  notifications: ReleaseNotifications;
  /** Null unless CDFLOW_INSPECT_URL is set. */
  inspector: ReleaseInspector | null;
  stop(): Promise<void>;
}

export async function startReleaseObservers(options: {
  runtime: ReleaseRuntimeApi;
  store: ReleaseStore;
  config: ServerConfig;
  logger: Logger;
  metrics: CdflowMetrics;
}): Promise<ReleaseObservers> {
  const { runtime, store, config, logger, metrics } = options;
  const notifications = new ReleaseNotifications({
    runtime,
    store,
    config,
    logger,
    httpObserver: metrics.observeHttp,
    onDelivery: metrics.observeDelivery,
  });
  notifications.start();
  metrics.attach({
    store,
    audit: await AuditTail.atEnd(store),
    stuckReleases: () => notifications.sweep.stuckCount,
  });
  const inspector = config.inspectUrl
    ? new ReleaseInspector({
        runtime,
        url: config.inspectUrl,
        logger: logger.child({ component: 'inspector' }),
      })
    : null;
  inspector?.start();
  return {
    notifications,
    inspector,
    async stop() {
      inspector?.stop();
      await notifications.stop();
    },
  };
}
