/**
 * Opens (creating when needed) the server's SQLite file and brings its schema up to date with drizzle's
 * migrator. The migrations folder ships next to `src/` and `dist/`, so the same relative URL works from
 * the sources (tests) and from the build.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type StoreDb = BetterSQLite3Database<typeof schema>;

export interface Store {
  /** Absolute path of the database file. */
  readonly path: string;
  readonly db: StoreDb;
  readonly sqlite: Database.Database;
  /** True until `close()`. */
  isOpen(): boolean;
  close(): void;
}

export class StoreOpenError extends Error {
  readonly code = 'STORE_OPEN_FAILED';
  constructor(path: string, cause: unknown) {
    super(
      `Could not open the cdflow database at ${path}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Check that CDFLOW_DB points to a writable location and that no other program holds the file.',
      { cause },
    );
    this.name = 'StoreOpenError';
  }
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Open the store at `path` (its parent directory is created). Pragmas:
 * - WAL: readers never block the writer, and a commit is one append to the log.
 * - synchronous=FULL: every commit is fsynced before the 2xx answer, so an accepted event survives a
 *   power loss, not only a process crash (NORMAL in WAL mode may lose the last commits on power loss).
 *   The cost is one fsync per transaction, which the benchmarks measure.
 * - busy_timeout: a second process (a CLI reading the file) waits for the lock instead of failing.
 */
export function openStore(path: string): Store {
  const absolute = resolve(path);
  let sqlite: Database.Database;
  try {
    mkdirSync(dirname(absolute), { recursive: true });
    sqlite = new Database(absolute);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    throw new StoreOpenError(absolute, error);
  }
  const db = drizzle({ client: sqlite, schema });
  try {
    migrate(db, { migrationsFolder });
  } catch (error) {
    sqlite.close();
    throw new StoreOpenError(absolute, error);
  }
  let open = true;
  return {
    path: absolute,
    db,
    sqlite,
    isOpen: () => open && sqlite.open,
    close() {
      if (!open) return;
      open = false;
      sqlite.close();
    },
  };
}
