/**
 * Crash rig: the simulators in the test process (their counters outlive the server), Jira, Archery, CMDB,
 * Apollo and the SQL source SVN each behind an UpstreamGate, and cdflow as a child process on a fixed port and one SQLite file, which a test kills
 * with SIGKILL and starts again. The Jira webhook points at the fixed port, so it reaches every
 * incarnation of the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@cdflow/sandbox';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type CdflowClient, cdflowClient } from './cdflow-client.js';
import {
  type ChildServer,
  ensureServerBuilt,
  freePort,
  killAllChildren,
  startChildServer,
} from './child-server.js';
import { environmentFor, tokens, writeConfigFile } from './e2e-harness.js';
import { startUpstreamGate, type UpstreamGate } from './upstream-gate.js';

export interface CrashRig {
  sandbox: Sandbox;
  gates: {
    jira: UpstreamGate;
    archery: UpstreamGate;
    cmdb: UpstreamGate;
    apollo: UpstreamGate;
    svn: UpstreamGate;
  };
  client: CdflowClient;
  dbPath: string;
  /** The running child, if any. */
  child: ChildServer | null;
  /** How many times the server was started. */
  starts: number;
  start(): Promise<ChildServer>;
  kill9(): Promise<void>;
  close(): Promise<void>;
}

export interface CrashRigOptions {
  sqlMode: 'manual' | 'watch' | 'auto';
  config?: Record<string, unknown>;
  /** Latency (ms) added to every simulator route, so effects are in flight for a while. */
  latencyMs?: number;
  cmdbTaskDurationMs?: number;
  archeryExecuteDelayMs?: number;
  /** Environment variables over the rig's (e.g. another CMDB dialect through the CMDB gate). */
  env?: (rig: { sandbox: Sandbox; gates: CrashRig['gates'] }) => Record<string, string>;
}

export async function startCrashRig(options: CrashRigOptions): Promise<CrashRig> {
  const dir = mkdtempSync(join(tmpdir(), 'cdflow-crash-'));
  const dbPath = join(dir, 'cdflow.sqlite');
  const sandbox = await startSandbox({
    cmdb: { taskDurationMs: options.cmdbTaskDurationMs ?? 300 },
    archery: { executeDelayMs: options.archeryExecuteDelayMs ?? 30 },
  });
  const gates = {
    jira: await startUpstreamGate(sandbox.urls.jira),
    archery: await startUpstreamGate(sandbox.urls.archery),
    cmdb: await startUpstreamGate(sandbox.urls.cmdb),
    apollo: await startUpstreamGate(sandbox.urls.apollo),
    svn: await startUpstreamGate(sandbox.urls.svn),
  };
  if (options.latencyMs) {
    for (const sim of [sandbox.jira, sandbox.archery, sandbox.cmdb, sandbox.apollo]) {
      sim.faults.inject({ route: '*', latencyMs: options.latencyMs });
    }
  }
  const port = await freePort();
  const configPath = writeConfigFile(dir, options.config);
  const env = {
    ...environmentFor(sandbox, dbPath, configPath, options.sqlMode),
    JIRA_BASE_URL: gates.jira.url,
    ARCHERY_BASE_URL: gates.archery.url,
    CMDB_BASE_URL: gates.cmdb.url,
    APOLLO_BASE_URL: gates.apollo.url,
    // SQL items without sql_content are read from the SVN simulator (the gate keeps the repository path).
    SVN_BASE_URL: `${gates.svn.url}${new URL(sandbox.urls.svn).pathname}`,
    SVN_USER: sandbox.credentials.svn.user,
    SVN_PASSWORD: sandbox.credentials.svn.password,
    ...options.env?.({ sandbox, gates }),
  };
  const client = cdflowClient(`http://127.0.0.1:${port}`);
  sandbox.jira.registerWebhook({ url: `${client.url}/cicdflow/jira/`, secret: tokens.webhook });

  const rig: CrashRig = {
    sandbox,
    gates,
    client,
    dbPath,
    child: null,
    starts: 0,
    async start() {
      rig.child = await startChildServer(env, port);
      rig.starts += 1;
      return rig.child;
    },
    async kill9() {
      await rig.child?.kill9();
      rig.child = null;
    },
    async close() {
      await killAllChildren();
      rig.child = null;
      await Promise.all(Object.values(gates).map((g) => g.close()));
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

/**
 * The lifecycle of a crash test file, declared at its top level: the server built once before the tests
 * (the child runs dist/main.js), each test's rig closed after it, any child left killed at the end.
 * Returns how a test starts its rig.
 */
export function crashRigPerTest(): (options: CrashRigOptions) => Promise<CrashRig> {
  let rig: CrashRig | undefined;
  beforeAll(() => ensureServerBuilt(), 120_000);
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });
  afterAll(() => killAllChildren());
  return async (options) => {
    rig = await startCrashRig(options);
    return rig;
  };
}

/** Resolves `promise`, or fails after `ms` with `what` (a gate that is never reached must not hang a test). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
