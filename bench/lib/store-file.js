/**
 * The benchmark's own look at a server's SQLite file, from this process: a read-only connection (WAL
 * readers never block the server, and its store counts none of these reads) to follow releases, and the
 * file's size once the server has stopped.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
// The store is not part of @cdflow/server's public API; the benchmark opens one for an empty baseline.
import { openStore } from '../../packages/server/dist/store/index.js';

export class StoreWatch {
  constructor(path) {
    this.path = path;
    this.db = null;
  }

  /** { releaseId → { state, createdAt, updatedAt } } for the ids found. */
  releases(ids) {
    this.db ??= new Database(this.path, { readonly: true, fileMustExist: true });
    const rows = this.db
      .prepare(
        'select release_id, state, created_at, updated_at from releases where release_id in (select value from json_each(?))',
      )
      .all(JSON.stringify(ids));
    return new Map(rows.map((r) => [r.release_id, r]));
  }

  close() {
    this.db?.close();
    this.db = null;
  }
}

/** File size after a full checkpoint (the WAL folded in and truncated), and the bytes per table. */
export function storeBytes(path) {
  const db = new Database(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const tables = db
      .prepare(
        `select coalesce(m.tbl_name, s.name) as tbl, sum(s.pgsize) as bytes
         from dbstat s left join sqlite_schema m on m.name = s.name group by tbl order by bytes desc`,
      )
      .all();
    return { bytes: statSync(path).size, tables: Object.fromEntries(tables.map((t) => [t.tbl, t.bytes])) };
  } finally {
    db.close();
  }
}

/** Size of a freshly created, migrated store: subtracted so that per-release bytes are the releases' own. */
export function emptyStoreBytes(path) {
  openStore(path).close();
  return storeBytes(path);
}
