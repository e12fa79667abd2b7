/**
 * Where sandbox mode keeps its files: beside the SQLite database, named after it, so one data directory
 * holds everything a sandbox needs to continue (`data/cdflow.sqlite` → `data/cdflow.sandbox.json`,
 * `data/cdflow.log`).
 */
import { existsSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface SandboxFiles {
  /** The simulators' saved state (Jira, Archery, CMDB, Apollo, SVN, GitLab), JSON. */
  state: string;
  /** The server's log (request logs included) in sandbox mode; the terminal shows the releases' story. */
  log: string;
}

export function sandboxFiles(dbPath: string): SandboxFiles {
  const dir = dirname(dbPath);
  const name = basename(dbPath);
  const stem = extname(name) === '' ? name : name.slice(0, -extname(name).length);
  return { state: join(dir, `${stem}.sandbox.json`), log: join(dir, `${stem}.log`) };
}

/** A file name that says when and why it was put aside: `cdflow.sqlite.set-aside-20250101T120000Z`. */
export function setAsideName(path: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${path}.set-aside-${stamp}`;
}

/**
 * Move a SQLite database (and its WAL and shared-memory files) aside, keeping it for a person to look at;
 * returns the new path of the main file.
 */
export function setDatabaseAside(dbPath: string, at: Date): string {
  const target = setAsideName(dbPath, at);
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(`${dbPath}${suffix}`)) renameSync(`${dbPath}${suffix}`, `${target}${suffix}`);
  }
  return target;
}

/** Move a file aside if it exists; returns its new path (null when there was nothing to move). */
export function setFileAside(path: string, at: Date): string | null {
  if (!existsSync(path)) return null;
  const target = setAsideName(path, at);
  renameSync(path, target);
  return target;
}
