/**
 * Composes a running cdflow server: (sandbox simulators, continued from their state file) → store →
 * adapters → runtime → HTTP app → listen → (in sandbox mode: the state saver, the control API, the
 * webhook registration in the simulated Jira). Used by main.ts, the tests and the demo.
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
import { type SandboxControlServer, startSandboxControl } from './sandbox/sandbox-control-server.js';
import { sandboxFiles } from './sandbox/sandbox-files.js';
import { type SandboxStartReport, startSandboxWithState } from './sandbox/sandbox-start.js';
import { SandboxStateSaver } from './sandbox/sandbox-state-saver.js';
import { SqlFailureSwitch } from './sandbox/sql-failure-switch.js';
import { withSandboxUpstreams } from './sandbox-mode.js';
import { openReleaseStore } from './store/open-release-store.js';
import type { ReleaseStore } from './store/release-store.js';
import { parseStoreLocation } from './store/store-location.js';

export interface StartServerOptions {
  /** Defaults to a pino logger at `config.logLevel` writing to stdout. */
  logger?: Logger;
}

export interface RunningServer {
  app: CdflowApp;
  runtime: ReleaseRuntime;
  /** The store the runtime works on (closed by `close()`). */
  store: ReleaseStore;
  /** The in-process simulators (sandbox mode only). */
  sandbox: Sandbox | null;
  /**
   * Sandbox mode only: how the simulators started (continued from the state file beside the database, or
   * fresh, and why) and where the control API listens.
   */
  sandboxMode: { start: SandboxStartReport; controlUrl: string; logFile: string } | null;
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
    let saver: SandboxStateSaver | null = null;
    let start: SandboxStartReport | null = null;
    const onPostgres = parseStoreLocation(config.dbPath).dialect === 'postgres';
    if (config.sandbox && onPostgres) {
      // Only reached by code that sets dbPath after loadConfig (tests running on PostgreSQL): loadConfig
      // refuses sandbox mode on a PostgreSQL URL. Fresh simulators, nothing saved.
      sandbox = await startSandbox({ host: '127.0.0.1' });
      cleanups.unshift(() => sandbox?.close());
      config = withSandboxUpstreams(config, sandbox);
      logger.warn('sandbox mode on PostgreSQL: the simulators start fresh and are not saved');
    } else if (config.sandbox) {
      const started = await startSandboxWithState(config.dbPath, logger);
      sandbox = started.sandbox;
      start = started.report;
      cleanups.unshift(() => sandbox?.close());
      config = withSandboxUpstreams(config, sandbox);
      logger.info({ upstreams: sandbox.urls }, 'sandbox mode: simulators running in-process');
      // Stopped after the runtime (cleanups run in reverse): the last write sees every effect's outcome.
      const stateSaver = new SandboxStateSaver({ sandbox, path: started.report.stateFile, logger });
      saver = stateSaver;
      cleanups.unshift(() => stateSaver.stop());
    }

    config = await withJiraServiceUser(config, logger);
    const store = await openReleaseStore(config.dbPath);
    logger.info(
      {
        store: store.location,
        dialect: store.dialect,
        replica: store.dialect === 'postgres' ? config.replica.id : undefined,
      },
      store.dialect === 'postgres' ? 'store: PostgreSQL (replicas may share it)' : 'store: SQLite file',
    );
    let runtimeOwnsStore = false;
    cleanups.unshift(async () => {
      if (!runtimeOwnsStore) await store.close();
    });
    const metrics = new CdflowMetrics();
    const runtime = new ReleaseRuntime({
      store,
      ports: createPorts(config, logger, metrics.observeHttp),
      checkPolicy: createPolicyGate(config),
      config,
      logger,
    });
    runtimeOwnsStore = true;
    await runtime.start();
    cleanups.unshift(() => runtime.stop());
    // Notifications, the inspector stream, the metrics' sources: stopped before the runtime closes the store.
    const observers = await startReleaseObservers({ runtime, store, config, logger, metrics });
    cleanups.unshift(() => observers.stop());

    let control: SandboxControlServer | null = null;
    if (sandbox) {
      const stateSaver = saver;
      stateSaver?.start(runtime);
      const sqlFailures = new SqlFailureSwitch(sandbox, logger);
      sqlFailures.follow(runtime);
      control = await startSandboxControl(
        { sandbox, runtime, config, sqlFailures, changed: () => stateSaver?.changed() },
        { logger, cdflowPort: config.port },
      );
      cleanups.unshift(() => control?.close());
    }

    const app = await buildApp({ runtime, config, logger, metrics });
    cleanups.unshift(() => app.close());
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;

    if (sandbox) {
      await sandbox.jira.registerWebhook({ url: `${url}/cicdflow/jira/`, secret: config.webhookSecret });
    }
    const sandboxMode =
      start && control ? { start, controlUrl: control.url, logFile: sandboxFiles(config.dbPath).log } : null;

    let closing: Promise<void> | null = null;
    const close = () => {
      // app.close() first: no new request, in-flight ones answered; then the runtime finishes its effects.
      closing ??= (async () => {
        for (const cleanup of cleanups) await cleanup();
      })();
      return closing;
    };
    const { notifications, inspector } = observers;
    return {
      app,
      runtime,
      store,
      sandbox,
      sandboxMode,
      config,
      url,
      logger,
      metrics,
      notifications,
      inspector,
      close,
    };
  } catch (error) {
    for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}
