import { existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { BackupFailedError } from './backup-failed-error.js';
import { CliUsageError } from './cli-error.js';

export interface BackupRequest {
  /** Absolute path of the server's database (CDFLOW_DB). */
  source: string;
  /** Absolute path of the backup to write. */
  target: string;
  /** Replace `target` if it exists. */
  force: boolean;
}

export interface BackupResult {
  source: string;
  target: string;
  /** Size of the written file. */
  bytes: number;
  /** SQLite pages copied (the database's page count at the instant of the snapshot). */
  pages: number;
  /** Releases in the backup (a quick way to see it is the database you meant). */
  releases: number;
}

type DatabaseConstructor = typeof Database;

const sidecarSuffixes = ['-wal', '-shm', '-journal'];

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  if (!existsSync(a) || !existsSync(b)) return false;
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

function checkRequest({ source, target, force }: BackupRequest): void {
  if (sameFile(source, target) || sidecarSuffixes.some((suffix) => target === `${source}${suffix}`)) {
    throw new CliUsageError(
      'CLI_BAD_USAGE',
      `${target} is the server's database (or one of its files); give the backup another path`,
    );
  }
  if (!existsSync(source)) {
    throw new CliUsageError(
      'CLI_UNREADABLE_INPUT',
      `no cdflow database at ${source}: pass --db <path> or set CDFLOW_DB to the server's database ` +
        '(the server defaults to ./data/cdflow.sqlite in the directory it runs in)',
    );
  }
  if (!existsSync(dirname(target))) {
    throw new CliUsageError(
      'CLI_BAD_USAGE',
      `the directory ${dirname(target)} does not exist; create it first`,
    );
  }
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new CliUsageError(
      'CLI_BAD_USAGE',
      `${target} is a directory; name the backup file, e.g. ${join(target, 'cdflow.sqlite')}`,
    );
  }
  if (!force && existsSync(target)) {
    throw new CliUsageError('CLI_TARGET_EXISTS', `${target} already exists; pass --force to replace it`);
  }
}

/**
 * Opens the server's database for reading only (query_only), and checks that it is cdflow's. Not a
 * read-only connection: that one would leave -wal/-shm files it cannot delete beside a stopped server's
 * database, owned by whoever ran the backup (root in a cron job), which the server may then be unable
 * to open. A query_only connection changes no data, and when it is the last one it removes them.
 */
function openSource(Sqlite: DatabaseConstructor, source: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Sqlite(source, { fileMustExist: true });
  } catch (error) {
    throw new CliUsageError('CLI_UNREADABLE_INPUT', `cannot open ${source}: ${message(error)}`);
  }
  try {
    // The server holds write locks only for short transactions; wait for them rather than fail.
    db.pragma('busy_timeout = 5000');
    db.pragma('query_only = ON');
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'releases'").get();
    if (table === undefined) {
      throw new CliUsageError(
        'CLI_NOT_A_CDFLOW_DATABASE',
        `${source} is a SQLite database without cdflow's tables (no releases table); ` +
          'point --db or CDFLOW_DB at the server database',
      );
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof CliUsageError) throw error;
    if (errorCode(error) === 'SQLITE_NOTADB') {
      throw new CliUsageError(
        'CLI_NOT_A_CDFLOW_DATABASE',
        `${source} is not a SQLite database; point --db or CDFLOW_DB at the server database`,
      );
    }
    throw new CliUsageError('CLI_UNREADABLE_INPUT', `cannot read ${source}: ${message(error)}`);
  }
}

/** The copy is page for page the database: a copy that fails its check means the database is damaged. */
class DamagedCopy extends Error {
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.name = 'DamagedCopy';
  }
}

/**
 * Makes the copy a single self-contained file (rollback journal instead of WAL: no -wal/-shm beside it;
 * the server switches it back to WAL when it opens it), checks it page by page, and counts its releases.
 */
function sealCopy(Sqlite: DatabaseConstructor, path: string): number {
  const copy = new Sqlite(path, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    // At most three problems: enough to say what is wrong in one line.
    const problems = (copy.pragma('quick_check(3)') as Array<Record<string, unknown>>)
      .flatMap((row) => String(Object.values(row)[0]).split('\n'))
      .filter((line) => line !== 'ok' && !line.startsWith('*** '));
    if (problems.length > 0) throw new DamagedCopy(problems.slice(0, 3));
    const row = copy.prepare('SELECT count(*) AS releases FROM releases').get() as { releases: number };
    return row.releases;
  } finally {
    copy.close();
  }
}

/** Moves the finished copy to `target`; without `force`, never replaces a file that appeared meanwhile. */
function place(partial: string, target: string, force: boolean): void {
  if (force) {
    renameSync(partial, target);
    return;
  }
  try {
    // link() fails if target exists, atomically: no window between the check and the write.
    linkSync(partial, target);
    rmSync(partial);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') {
      throw new CliUsageError('CLI_TARGET_EXISTS', `${target} already exists; pass --force to replace it`);
    }
    // File systems without hard links (some network and FAT mounts): check, then rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    if (existsSync(target)) {
      throw new CliUsageError('CLI_TARGET_EXISTS', `${target} already exists; pass --force to replace it`);
    }
    renameSync(partial, target);
  }
}

function removeWithSidecars(path: string): void {
  for (const file of [path, ...sidecarSuffixes.map((suffix) => `${path}${suffix}`)]) {
    rmSync(file, { force: true });
  }
}

/**
 * Online backup of the server's SQLite database with SQLite's backup API (better-sqlite3
 * `db.backup()`), safe while the server runs: the copy is one consistent snapshot that includes the
 * transactions committed to the WAL, and the server keeps reading and writing meanwhile. The copy is
 * written next to `target` under a temporary name and moved into place only once complete and checked,
 * so `target` is never a half-written database.
 */
export async function backupDatabase(request: BackupRequest): Promise<BackupResult> {
  checkRequest(request);
  const { source, target, force } = request;
  // Loaded here, not at the top: `cdflow policy check` must not need the native SQLite module.
  const { default: Sqlite } = await import('better-sqlite3');
  const db = openSource(Sqlite, source);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  try {
    removeWithSidecars(partial);
    let pages: number;
    try {
      // After the first step, copy every remaining page in one step: one read transaction, so a write
      // by the server between steps cannot restart the backup (WAL readers do not block the writer).
      const progress = await db.backup(partial, {
        progress: ({ remainingPages }) => Math.max(1, remainingPages),
      });
      pages = progress.totalPages;
    } catch (error) {
      const reason = `the backup of ${source} failed: ${message(error)}`;
      throw new BackupFailedError(`${reason}; ${target} was not written`, { cause: error });
    }
    let releases: number;
    try {
      releases = sealCopy(Sqlite, partial);
    } catch (error) {
      if (error instanceof DamagedCopy) {
        throw new BackupFailedError(
          `the copy of ${source} fails SQLite's quick_check (${error.message}), so the database itself is ` +
            `damaged; ${target} was not written. Keep the last good backup; see "Restoring" in the CLI README`,
        );
      }
      throw new BackupFailedError(
        `the copy of ${source} could not be checked: ${message(error)}; ${target} was not written`,
        { cause: error },
      );
    }
    try {
      place(partial, target, force);
    } catch (error) {
      if (error instanceof CliUsageError) throw error;
      throw new BackupFailedError(`cannot write ${target}: ${message(error)}`, { cause: error });
    }
    return { source, target, bytes: statSync(target).size, pages, releases };
  } finally {
    db.close();
    removeWithSidecars(partial);
  }
}
