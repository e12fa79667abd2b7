/**
 * The sandbox's saved simulators, one JSON file beside the database: every simulator's `snapshotState()`
 * in one document, so they are always saved together (a Jira issue and its Archery order never come
 * from two different moments). Written atomically: a temporary file, flushed, then renamed over the old
 * one, so a crash leaves the previous state or the new one, never half a file.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import type { Sandbox } from '@cdflow/sandbox';

export const simulatorNames = ['jira', 'archery', 'cmdb', 'apollo', 'svn', 'gitlab'] as const;
export type SimulatorName = (typeof simulatorNames)[number];

/**
 * Each simulator's saved state, as `snapshotState()` answered it (each simulator validates its own);
 * `prod`: the production Archery, CMDB and Apollo (absent in files saved before they existed).
 */
export type SavedSimulators = Record<SimulatorName, unknown> & {
  prod?: { archery: unknown; cmdb: unknown; apollo: unknown };
};

export type SavedSandbox =
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'saved'; savedAt: string; simulators: SavedSimulators };

const formatVersion = 1;

/** What the simulators hold now, as the JSON text of the file's `simulators` member. */
export function simulatorsText(sandbox: Sandbox): string {
  const simulators: SavedSimulators = {
    jira: sandbox.jira.snapshotState(),
    archery: sandbox.archery.snapshotState(),
    cmdb: sandbox.cmdb.snapshotState(),
    apollo: sandbox.apollo.snapshotState(),
    svn: sandbox.svn.snapshotState(),
    gitlab: sandbox.gitlab.snapshotState(),
    ...(sandbox.prod
      ? {
          prod: {
            archery: sandbox.prod.archery.snapshotState(),
            cmdb: sandbox.prod.cmdb.snapshotState(),
            apollo: sandbox.prod.apollo.snapshotState(),
          },
        }
      : {}),
  };
  return JSON.stringify(simulators);
}

export async function readSandboxState(path: string): Promise<SavedSandbox> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', reason: (error as Error).message };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: 'unreadable', reason: `not valid JSON (${(error as Error).message})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { kind: 'unreadable', reason: 'not a JSON object' };
  }
  const file = parsed as Record<string, unknown>;
  if (file.version !== formatVersion) {
    return {
      kind: 'unreadable',
      reason: `version must be ${formatVersion}, got ${JSON.stringify(file.version)}`,
    };
  }
  const simulators = file.simulators;
  if (typeof simulators !== 'object' || simulators === null || Array.isArray(simulators)) {
    return { kind: 'unreadable', reason: 'simulators must be an object' };
  }
  const missing = simulatorNames.filter((name) => !(name in simulators));
  if (missing.length > 0) return { kind: 'unreadable', reason: `no saved state for ${missing.join(', ')}` };
  return {
    kind: 'saved',
    savedAt: typeof file.savedAt === 'string' ? file.savedAt : 'an unknown time',
    simulators: simulators as SavedSimulators,
  };
}

/** Write the file atomically from the text `simulatorsText` answered. */
export async function writeSandboxState(path: string, simulators: string, at = new Date()): Promise<void> {
  const text = `{"version":${formatVersion},"savedAt":${JSON.stringify(at.toISOString())},"simulators":${simulators}}\n`;
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
