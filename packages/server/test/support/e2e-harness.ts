/**
 * End-to-end harness: the four simulators, a cdflow server in-process (real HTTP, a real SQLite file in a
 * temp dir) wired to them, the Jira webhook registered, and helpers to act as the release system, the
 * DBA and ops, and to wait for states. Used by the e2e-*.test.ts files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@cdflow/sandbox';
import { afterEach } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { type StartedServer, sampleReleaseRequest, startServer } from '../../src/index.js';
import { apiCaller } from './api-call.js';
import { quickTimings, simulatorEnv } from './sandbox-site.js';
import { sqliteStatement, type TestDatabase, testDatabase } from './test-store.js';

export const tokens = {
  intake: 'test-intake-token-0123456789',
  operator: 'test-operator-token-0123456789',
  webhook: 'test-webhook-secret-0123456789',
};

export interface Harness {
  sandbox: Sandbox;
  server: StartedServer;
  url: string;
  dir: string;
  dbPath: string;
  intake(body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  release(key: string): Promise<Record<string, unknown> & { state: string; jiraStatus: string }>;
  history(key: string): Promise<Array<Record<string, unknown>>>;
  operatorEvent(
    key: string,
    event: Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  waitForState(
    key: string,
    state: string | ((s: string) => boolean),
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Run one statement on cdflow's database (`?` placeholders, SQLite or PostgreSQL); its rows. */
  sql: TestDatabase['sql'];
  close(): Promise<void>;
}

export interface HarnessOptions {
  sqlMode?: 'manual' | 'watch' | 'auto';
  /** Extra keys merged into the CDFLOW_CONFIG file (timings, policy, ...). */
  config?: Record<string, unknown>;
  /** Environment variables over the harness's (a function of the sandbox for its URLs). */
  env?: Record<string, string> | ((sandbox: Sandbox) => Record<string, string>);
  sandbox?: Sandbox;
  /** Register cdflow's webhook in the Jira simulator (default true; false: Jira never calls cdflow). */
  registerWebhook?: boolean;
}

export function environmentFor(
  sandbox: Sandbox,
  dbPath: string,
  configPath: string,
  sqlMode: string,
): Record<string, string> {
  return {
    CDFLOW_HOST: '127.0.0.1',
    CDFLOW_PORT: '0',
    CDFLOW_DB: dbPath,
    CDFLOW_CONFIG: configPath,
    CDFLOW_SQL_MODE: sqlMode,
    CDFLOW_INTAKE_TOKEN: tokens.intake,
    CDFLOW_OPERATOR_TOKEN: tokens.operator,
    CDFLOW_WEBHOOK_SECRET: tokens.webhook,
    ...simulatorEnv(sandbox),
    APOLLO_BASE_URL: sandbox.urls.apollo,
    APOLLO_TOKEN: sandbox.credentials.apollo.token,
    CDFLOW_LOG_LEVEL: 'warn',
  };
}

/** Timings fast enough for tests (the defaults suit a real site). */
export const fastTimings = {
  timings: {
    ...quickTimings,
    preDeployDelayMs: 0,
    deployTimeoutMs: 20_000,
    deployParallelism: 4,
    upstreamTimeoutMs: 3_000,
    upstreamRetries: 1,
  },
};

export function writeConfigFile(dir: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, 'cdflow.config.json');
  const merged: Record<string, unknown> = { ...fastTimings, ...extra };
  if (extra.timings) merged.timings = { ...fastTimings.timings, ...(extra.timings as object) };
  writeFileSync(path, JSON.stringify(merged, null, 2));
  return path;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'cdflow-e2e-'));
  // A SQLite file, or a PostgreSQL database when the run asks for it (CDFLOW_TEST_STORE).
  const database = await testDatabase(dir);
  const dbPath = database.db;
  const sandbox = options.sandbox ?? (await startSandbox());
  const configPath = writeConfigFile(dir, options.config);
  const extra = typeof options.env === 'function' ? options.env(sandbox) : options.env;
  const env = { ...environmentFor(sandbox, dbPath, configPath, options.sqlMode ?? 'manual'), ...extra };
  const config = loadConfig(env);
  const server = await startServer(config);
  const url = server.url;
  if (options.registerWebhook !== false) {
    sandbox.jira.registerWebhook({ url: `${url}/cicdflow/jira/`, secret: tokens.webhook });
  }
  const harness = harnessOver(sandbox, server, url, dir, dbPath, options.sandbox === undefined);
  harness.sql = database.sql;
  const close = harness.close;
  harness.close = async () => {
    await close();
    await database.drop();
  };
  return harness;
}

/** Something a test starts and must close: a harness, a sandbox, notification sinks. */
interface Closable {
  close(): Promise<unknown>;
}

/**
 * Declared at a test file's top level: what a test starts through the returned function is closed when
 * the test ends, pass or fail, the last started first.
 */
export function closingAfterEach(): <T extends Closable>(starting: Promise<T>) => Promise<T> {
  const open: Closable[] = [];
  afterEach(async () => {
    for (const started of open.splice(0).reverse()) await started.close();
  });
  return async (starting) => {
    const started = await starting;
    open.push(started);
    return started;
  };
}

export function harnessOver(
  sandbox: Sandbox,
  server: StartedServer,
  url: string,
  dir: string,
  dbPath: string,
  ownsSandbox: boolean,
): Harness {
  const call = apiCaller(url);
  const h: Harness = {
    sandbox,
    server,
    url,
    dir,
    dbPath,
    intake: (body) => call('POST', '/cicdflow/', tokens.intake, body),
    async release(key) {
      const res = await call('GET', `/api/releases/${encodeURIComponent(key)}`, tokens.operator);
      if (res.status !== 200)
        throw new Error(`GET release ${key} → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as Record<string, unknown> & { state: string; jiraStatus: string };
    },
    async history(key) {
      const res = await call('GET', `/api/releases/${encodeURIComponent(key)}/history`, tokens.operator);
      return (
        Array.isArray(res.body) ? res.body : ((res.body.items ?? res.body.entries) as unknown[])
      ) as Array<Record<string, unknown>>;
    },
    operatorEvent: (key, event) =>
      call('POST', `/api/releases/${encodeURIComponent(key)}/events`, tokens.operator, event),
    async waitForState(key, state, timeoutMs = 15_000) {
      const match = typeof state === 'string' ? (s: string) => s === state : state;
      const deadline = Date.now() + timeoutMs;
      let last: Record<string, unknown> | undefined;
      while (Date.now() < deadline) {
        last = await h.release(key);
        if (match(String(last.state))) return last;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(
        `release ${key} did not reach ${String(state)} in ${timeoutMs} ms; last: ${JSON.stringify(last, null, 1)}`,
      );
    },
    sql: sqliteStatement(dbPath),
    async close() {
      await server.close();
      if (ownsSandbox) await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** Jira's statuses of a first upgrade whose SQL the DBA executes, from the new issue to UAT升级完成. */
export const firstUpgradeJiraStatuses = [
  'SQL待执行',
  'SQL执行中',
  'CONFIG执行中',
  'CODE执行中',
  'UAT升级完成',
];

/**
 * A release request as the release system sends it, modelled on the original's payload: the sandbox's own
 * sample (an A18 first upgrade in UAT with one nginx file) under a new summary, with this suite's functions,
 * SQL (its text inline), Apollo key and service versions.
 */
export function sampleRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...sampleReleaseRequest(`【A18】【升级】20261122_${Math.random().toString(36).slice(2, 8)}`),
    function_list: ['【A18】商户后台导出报表', '【A18】实验室按城市搜索'],
    sql_info: [
      {
        sql_id: 'a18-0001',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '01.acc_view_search_laboratory.sql',
        svn_version: '1201',
        sql_content:
          'CREATE OR REPLACE VIEW search_laboratory_by_city AS SELECT id, name, city FROM laboratory;',
      },
      {
        sql_id: 'a18-0002',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '02.acc_dml_laboratory.sql',
        svn_version: '1201',
        sql_content: "UPDATE laboratory SET city = 'Kyiv' WHERE city = 'Kiev';",
      },
    ],
    apollo_info: [
      { app_id: 'a18-console', namespace: 'application', key: 'report.export.enabled', value: 'true' },
    ],
    code_info: [
      { svn_path: 'a18/cc_merchant_console', svn_version: '1061', tag: '' },
      { svn_path: 'a18/cc_report_service', svn_version: '877', tag: 'v2' },
    ],
    ...overrides,
  };
}

/**
 * The DBA passes and executes by hand (finished at once) every Archery order still to run, of every
 * release: what a person's SQL升级成功 needs before it stands (cdflow checks Archery shows them finished).
 */
export function finishSqlOrders(sandbox: Sandbox): void {
  for (const order of sandbox.archery.orders()) {
    if (order.status === 'workflow_manreviewing') sandbox.archery.dba.pass(order.workflowId);
    if (['workflow_manreviewing', 'workflow_review_pass'].includes(order.status))
      sandbox.archery.dba.execute(order.workflowId, 'manual');
  }
}

/**
 * The release's revision once it has stayed the same for `quietMs` (cdflow's own work after a step —
 * its Jira moves, its first read of Archery — is done): what a refused or ignored input must not change.
 */
export async function settledRevision(h: Harness, key: string, quietMs = 400): Promise<number> {
  const deadline = Date.now() + 15_000;
  let revision = Number((await h.release(key)).revision);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`release ${key} kept changing (revision ${revision})`);
    await new Promise((r) => setTimeout(r, 50));
    const now = Number((await h.release(key)).revision);
    if (now !== revision) {
      revision = now;
      since = Date.now();
    }
  }
  return revision;
}
