/**
 * Runtime-level harness (no HTTP): the sandbox simulators, a ReleaseRuntime over a real store — a SQLite
 * file in a temp dir, or a new PostgreSQL database when CDFLOW_TEST_STORE=postgres (support/test-store.ts)
 * — wired to them through the real adapters, and helpers to build requests and wait for states. Used by
 * the runtime-*.test.ts files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NormalizedRequest, normalizeReleaseRequest, type ReleaseRequest } from '@cdflow/core';
import { type Sandbox, startSandbox } from '@cdflow/sandbox';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load-config.js';
import type { ServerConfig, Timings } from '../src/config/server-config.js';
import { createPorts } from '../src/runtime/create-ports.js';
import type { CheckPolicy, RuntimePorts } from '../src/runtime/effects/runtime-ports.js';
import { createPolicyGate } from '../src/runtime/policy-gate.js';
import { ReleaseRuntime } from '../src/runtime/release-runtime.js';
import type { ReleaseView } from '../src/runtime/runtime-api.js';
import { withSandboxUpstreams } from '../src/sandbox-mode.js';
import { openReleaseStore } from '../src/store/open-release-store.js';
import type { ReleaseStore } from '../src/store/release-store.js';
import { type TestDatabase, testDatabase } from './support/test-store.js';

export interface RuntimeHarness {
  /** Null when started with `upstreams: false`. */
  sandbox: Sandbox;
  config: ServerConfig;
  runtime: ReleaseRuntime;
  /** The runtime's store (reopened by `restart`). */
  store: ReleaseStore;
  /** The database under it, for statements the API has none for. */
  database: TestDatabase;
  ports: RuntimePorts;
  /** CDFLOW_DB: the SQLite file or the PostgreSQL URL. */
  dbPath: string;
  /** Stop this runtime and open a new one on the same database file (a restart). */
  restart(options?: { start?: boolean }): Promise<void>;
  waitFor(
    ref: string,
    predicate: (release: ReleaseView) => boolean | Promise<boolean>,
    what: string,
  ): Promise<ReleaseView>;
  /** Takes `request` (by default the sample) from the release system, then waits until its release is in `state`. */
  intakeUntil(state: string, request?: NormalizedRequest): Promise<ReleaseView>;
  close(): Promise<void>;
}

export interface RuntimeHarnessOptions {
  sqlMode?: 'manual' | 'watch' | 'auto';
  timings?: Partial<Timings>;
  /** Start the runtime (runner and timers); false leaves effects pending in the outbox. */
  start?: boolean;
  checkPolicy?: CheckPolicy;
  /** false: no simulators (for tests that never run an effect); upstream URLs point nowhere. */
  upstreams?: boolean;
}

const silent = pino({ level: 'silent' });

export async function startRuntimeHarness(options: RuntimeHarnessOptions = {}): Promise<RuntimeHarness> {
  const sandbox = options.upstreams === false ? null : await startSandbox({ host: '127.0.0.1' });
  const dir = mkdtempSync(join(tmpdir(), 'cdflow-runtime-'));
  const database = await testDatabase(dir);
  const dbPath = database.db;
  const base = loadConfig({
    CDFLOW_SANDBOX: '1',
    CDFLOW_DB: join(dir, 'data', 'cdflow.sqlite'),
    CDFLOW_SQL_MODE: options.sqlMode ?? 'manual',
    CDFLOW_INTAKE_TOKEN: 'runtime-intake-token-0123456789',
    CDFLOW_OPERATOR_TOKEN: 'runtime-operator-token-0123456789',
    CDFLOW_WEBHOOK_SECRET: 'runtime-webhook-secret-0123456789',
  });
  const config: ServerConfig = {
    ...(sandbox ? withSandboxUpstreams(base, sandbox) : nowhere(base)),
    dbPath,
    // Replicas (PostgreSQL): claims come back quickly in tests.
    replica: { ...base.replica, pollMs: 20, leaseMs: 5_000 },
    timings: {
      ...base.timings,
      archeryPollMs: 20,
      cmdbPollMs: 20,
      preDeployDelayMs: 0,
      upstreamRetries: 0,
      upstreamTimeoutMs: 5_000,
      effectRetryBaseMs: 10,
      effectRetryMaxMs: 40,
      ...options.timings,
    },
  };
  const ports = sandbox ? createPorts(config, silent) : unreachablePorts();
  const make = (store: ReleaseStore) =>
    new ReleaseRuntime({
      store,
      ports,
      checkPolicy: options.checkPolicy ?? createPolicyGate(config),
      config,
      logger: silent,
      stopTimeoutMs: 5_000,
    });

  const harness: RuntimeHarness = {
    sandbox: sandbox as Sandbox,
    config,
    ports,
    dbPath,
    database,
    store: await openReleaseStore(dbPath),
    runtime: undefined as unknown as ReleaseRuntime,
    async restart(restartOptions = {}) {
      await harness.runtime.stop();
      harness.store = await openReleaseStore(dbPath);
      harness.runtime = make(harness.store);
      if (restartOptions.start !== false) await harness.runtime.start();
    },
    async waitFor(ref, predicate, what) {
      let last: ReleaseView | null = null;
      for (let round = 0; round < 2_000; round += 1) {
        await harness.runtime.idle();
        last = await harness.runtime.getRelease(ref);
        if (last && (await predicate(last))) return last;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`release ${ref} never reached ${what}; last state ${last?.state ?? 'none'}`);
    },
    async intakeUntil(state, request = releaseRequest()) {
      await harness.runtime.intake(request, 'release-system');
      return harness.waitFor(request.summary, (r) => r.state === state, state);
    },
    async close() {
      await harness.runtime.stop();
      await sandbox?.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  harness.runtime = make(harness.store);
  if (options.start !== false) await harness.runtime.start();
  return harness;
}

/** Upstreams on the discard port: any call fails at once (tests using this never run an effect). */
function nowhere(config: ServerConfig): ServerConfig {
  const url = 'http://127.0.0.1:9';
  return {
    ...config,
    jira: { ...config.jira, baseUrl: url, auth: { kind: 'bearer', token: 'unused-token' }, user: 'cdflow' },
    archery: { ...config.archery, baseUrl: url, user: 'cdflow', password: 'unused-password' },
    cmdb: { ...config.cmdb, baseUrl: url, token: 'unused-token' },
    apollo: null,
  };
}

/** Ports for tests that never run an effect: any call is a test bug and says so. */
function unreachablePorts(): RuntimePorts {
  const fail = (): never => {
    throw new Error('this test runs no effect: an upstream call means the runtime ran one');
  };
  const port = new Proxy({}, { get: () => fail });
  return {
    jira: port as RuntimePorts['jira'],
    archery: port as RuntimePorts['archery'],
    cmdb: port as RuntimePorts['cmdb'],
    apollo: null,
  };
}

let counter = 0;

/** A release request as the release system posts it, normalised with the default options. */
export function releaseRequest(overrides: Partial<ReleaseRequest> = {}): NormalizedRequest {
  counter += 1;
  const body: ReleaseRequest = {
    project: 'A18',
    summary: `【A18】【升级】runtime_${process.pid}_${counter}`,
    env: 'UAT',
    issue_type: '升级',
    upgrade_type: '日常排版需求',
    function_list: ['【A18】数据导出'],
    version: '1.2.0',
    sql_info: [
      {
        sql_id: 'a18-0001',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '01.acc_ddl.sql',
        svn_version: '999',
        sql_content: "UPDATE store SET region = 'north' WHERE region IS NULL;",
      },
    ],
    apollo_info: [],
    config_info: [],
    code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1061', tag: '' }],
    ...overrides,
  } as ReleaseRequest;
  return normalizeReleaseRequest(body);
}

/** Calls made to a simulator route whose pattern matches, summed (route names are the simulator's). */
export function callsTo(
  counters: { snapshot(): Record<string, number> },
  method: string,
  pattern: RegExp,
): number {
  return Object.entries(counters.snapshot())
    .filter(([route]) => route.startsWith(`${method} `) && pattern.test(route.slice(method.length + 1)))
    .reduce((sum, [, n]) => sum + n, 0);
}
