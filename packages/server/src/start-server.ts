/**
 * Composes a running cdflow server: (sandbox simulators) → store → adapters → runtime → HTTP app →
 * listen → (webhook registration in the sandbox Jira). Used by main.ts, the tests and the demo.
 */
import type { AddressInfo } from 'node:net';
import { type Sandbox, startSandbox } from '@cdflow/sandbox';
import type { ServerConfig } from './config/server-config.js';
import { buildApp } from './http/app.js';
import { createLogger, type Logger } from './http/create-logger.js';
import type { CdflowApp } from './http/route-context.js';
import type { ReleaseInspector } from './inspect/release-inspector.js';
import { withJiraServiceUser } from './jira-service-user.js';
import { CdflowMetrics } from './metrics/cdflow-metrics.js';
import type { ReleaseNotifications } from './notifications/release-notifications.js';
import { startReleaseObservers } from './release-observers.js';
import { createPorts } from './runtime/create-ports.js';
import { createPolicyGate } from './runtime/policy-gate.js';
import { ReleaseRuntime } from './runtime/release-runtime.js';
import { withSandboxUpstreams } from './sandbox-mode.js';
import { openStore } from './store/open-store.js';

export interface StartServerOptions {
  /** Defaults to a pino logger at `config.logLevel` writing to stdout. */
  logger?: Logger;
}

export interface RunningServer {
  app: CdflowApp;
  runtime: ReleaseRuntime;
  /** The in-process simulators (sandbox mode only). */
  sandbox: Sandbox | null;
  /** The configuration in effect (in sandbox mode: with the simulators' URLs and credentials). */
  config: ServerConfig;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  /** GET /metrics' registry (prom-client). */
  metrics: CdflowMetrics;
  /** Mail and chat notifications, their outbox and the stuck sweep. */
  notifications: ReleaseNotifications;
  /** The Stately inspector stream; null unless CDFLOW_INSPECT_URL is set. */
  inspector: ReleaseInspector | null;
  logger: Logger;
  /** Stop accepting requests, finish in-flight work, close the store and the simulators. */
  close(): Promise<void>;
}

/** The name the runtime's end-to-end harness uses. */
export type StartedServer = RunningServer;

export async function startServer(
  initial: ServerConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger({ level: initial.logLevel });
  let sandbox: Sandbox | null = null;
  let config = initial;
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    if (config.sandbox) {
      sandbox = await startSandbox({ host: '127.0.0.1' });
      cleanups.unshift(() => sandbox?.close());
      config = withSandboxUpstreams(config, sandbox);
      logger.info({ upstreams: sandbox.urls }, 'sandbox mode: simulators running in-process');
    }

    config = await withJiraServiceUser(config, logger);
    const store = openStore(config.dbPath);
    const metrics = new CdflowMetrics();
    const runtime = new ReleaseRuntime({
      store,
      ports: createPorts(config, logger, metrics.observeHttp),
      checkPolicy: createPolicyGate(config),
      config,
      logger,
    });
    await runtime.start();
    cleanups.unshift(() => runtime.stop());
    // Notifications, the inspector stream, the metrics' sources: stopped before the runtime closes the store.
    const observers = startReleaseObservers({ runtime, store, config, logger, metrics });
    cleanups.unshift(() => observers.stop());

    const app = await buildApp({ runtime, config, logger, metrics });
    cleanups.unshift(() => app.close());
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;

    if (sandbox) {
      await sandbox.jira.registerWebhook({ url: `${url}/cicdflow/jira/`, secret: config.webhookSecret });
    }

    let closing: Promise<void> | null = null;
    const close = () => {
      // app.close() first: no new request, in-flight ones answered; then the runtime finishes its effects.
      closing ??= (async () => {
        for (const cleanup of cleanups) await cleanup();
      })();
      return closing;
    };
    const { notifications, inspector } = observers;
    return { app, runtime, sandbox, config, url, logger, metrics, notifications, inspector, close };
  } catch (error) {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}
