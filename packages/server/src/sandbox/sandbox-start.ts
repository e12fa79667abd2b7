/**
 * Starting the simulators of sandbox mode from what was saved beside the database, so a restart keeps
 * Jira keys unique and old releases working. When the saved state cannot carry the database's releases
 * (missing, unreadable, or older than the releases it should hold: the last stop was not clean), the
 * sandbox starts on a fresh database and fresh simulators and says so: the old database is set aside,
 * never deleted, and two releases never share a Jira key.
 */
import { existsSync } from 'node:fs';
import { type Sandbox, type SandboxOptions, startSandbox } from '@cdflow/sandbox';
import type { Logger } from '../http/create-logger.js';
import { openStore } from '../store/open-store.js';
import { ReleaseRepository } from '../store/release-repository.js';
import { sandboxFiles, setDatabaseAside, setFileAside } from './sandbox-files.js';
import { readSandboxState, type SavedSimulators } from './sandbox-state-file.js';

export interface SandboxStartReport {
  /** The state file beside the database. */
  stateFile: string;
  /** `restored`: the simulators continue from it; `new`: nothing to continue; `reset`: the database was set aside. */
  outcome: 'restored' | 'new' | 'reset';
  /** For a person, when something was not continued (printed by the banner); null otherwise. */
  notice: string | null;
  /** Releases in the database the sandbox continues with. */
  releases: number;
}

interface DatabaseReleases {
  total: number;
  /** Release keys (or ids) whose Jira issue or Archery order the simulators do not hold. */
  unmatched: string[];
}

/** The releases of the database at `dbPath` and which of them `sandbox` cannot carry. */
function inspectDatabase(dbPath: string, sandbox: Sandbox | null): DatabaseReleases {
  if (dbPath === ':memory:' || !existsSync(dbPath)) return { total: 0, unmatched: [] };
  const store = openStore(dbPath);
  try {
    const repo = new ReleaseRepository(store);
    // A production release's orders are in the production Archery.
    const orders = new Set(sandbox?.archery.orders().map((o) => o.workflowId) ?? []);
    const prodOrders = new Set(sandbox?.prod?.archery.orders().map((o) => o.workflowId) ?? []);
    const unmatched: string[] = [];
    let total = 0;
    for (let offset = 0; ; offset += 200) {
      const page = repo.list({ limit: 200, offset });
      total = page.total;
      for (const row of page.rows) {
        const name = row.issueKey ?? row.releaseId;
        if (sandbox === null) continue;
        const issueMissing = row.issueKey !== null && sandbox.jira.issue(row.issueKey) === undefined;
        const own = row.env === 'PRO' ? prodOrders : orders;
        const orderMissing = workflowIdsOf(row.snapshot).some((id) => !own.has(id));
        if (issueMissing || orderMissing) unmatched.push(name);
      }
      if (page.rows.length < 200) break;
    }
    return { total, unmatched };
  } finally {
    store.close();
  }
}

/** The Archery workflow ids a stored snapshot names (read defensively: it is the machine's JSON). */
function workflowIdsOf(snapshot: unknown): number[] {
  const context = (snapshot as { context?: { sqlOrders?: unknown } } | null)?.context;
  const orders = Array.isArray(context?.sqlOrders) ? (context.sqlOrders as unknown[]) : [];
  return orders.flatMap((o) => {
    const id = (o as { workflowId?: unknown } | null)?.workflowId;
    return typeof id === 'number' ? [id] : [];
  });
}

function withStates(simulators: SavedSimulators): SandboxOptions {
  return {
    host: '127.0.0.1',
    jira: { state: simulators.jira },
    archery: { state: simulators.archery },
    cmdb: { state: simulators.cmdb },
    apollo: { state: simulators.apollo },
    svn: { state: simulators.svn },
    gitlab: { state: simulators.gitlab },
    // Production's simulators: continued when saved, fresh otherwise (a file saved before they existed).
    prod: simulators.prod
      ? {
          archery: { state: simulators.prod.archery },
          cmdb: { state: simulators.prod.cmdb },
          apollo: { state: simulators.prod.apollo },
        }
      : true,
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export async function startSandboxWithState(
  dbPath: string,
  logger: Logger,
): Promise<{ sandbox: Sandbox; report: SandboxStartReport }> {
  const { state: stateFile } = sandboxFiles(dbPath);
  const saved = await readSandboxState(stateFile);
  let why = 'cannot be used';
  if (saved.kind === 'saved') {
    let restored: Sandbox | null = null;
    try {
      restored = await startSandbox(withStates(saved.simulators));
    } catch (error) {
      why = `cannot be continued from (${(error as Error).message})`;
    }
    if (restored) {
      const releases = inspectDatabase(dbPath, restored);
      if (releases.unmatched.length === 0) {
        logger.info(
          { stateFile, releases: releases.total },
          'sandbox mode: simulators continue from their saved state',
        );
        return {
          sandbox: restored,
          report: { stateFile, outcome: 'restored', notice: null, releases: releases.total },
        };
      }
      await restored.close();
      const shown = releases.unmatched.slice(0, 5).join(', ');
      why =
        `was saved before ${plural(releases.unmatched.length, 'release')} of the database got their Jira ` +
        `issue or Archery order (${shown}${releases.unmatched.length > 5 ? ', …' : ''}): the last stop was not clean`;
    }
  } else {
    why = saved.kind === 'missing' ? 'is missing' : `is unreadable (${saved.reason})`;
  }

  const { total } = inspectDatabase(dbPath, null);
  const at = new Date();
  let notice: string | null = null;
  let outcome: SandboxStartReport['outcome'] = 'new';
  if (total > 0) {
    const aside = setDatabaseAside(dbPath, at);
    const stateAside = saved.kind === 'missing' ? null : setFileAside(stateFile, at);
    outcome = 'reset';
    notice =
      `The sandbox's saved simulators (${stateFile}) ${why}, but the database held ${plural(total, 'release')} ` +
      'whose Jira issues, Archery orders and CMDB deploys would not exist. cdflow started on a FRESH database ' +
      `and fresh simulators; the old database is kept as ${aside}` +
      `${stateAside === null ? '' : ` and the old state as ${stateAside}`}.`;
  } else if (saved.kind !== 'missing') {
    const stateAside = setFileAside(stateFile, at);
    notice = `The sandbox's saved simulators (${stateFile}) ${why}; the database was empty, so the simulators start fresh (the old state is kept as ${stateAside}).`;
  }
  // Info, not warn: the banner says it to the person; the log keeps it.
  if (notice !== null) logger.info({ stateFile }, notice);
  const sandbox = await startSandbox({ host: '127.0.0.1', prod: true });
  return { sandbox, report: { stateFile, outcome, notice, releases: 0 } };
}
