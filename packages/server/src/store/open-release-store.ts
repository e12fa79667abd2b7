/**
 * Opens the ReleaseStore that CDFLOW_DB names: a `postgres://…` or `postgresql://…` URL selects
 * PostgreSQL (any number of replicas on one database), anything else is a SQLite file (one process).
 * Both bring their schema up to date before returning.
 */
import { openStore, type StoreOptions } from './open-store.js';
import { openPgStore, type PgStoreOptions } from './pg/open-pg-store.js';
import type { ReleaseStore } from './release-store.js';
import { SqliteReleaseStore } from './sqlite-release-store.js';
import { parseStoreLocation } from './store-location.js';

export interface ReleaseStoreOptions {
  sqlite?: StoreOptions;
  postgres?: PgStoreOptions;
}

export async function openReleaseStore(db: string, options: ReleaseStoreOptions = {}): Promise<ReleaseStore> {
  const location = parseStoreLocation(db);
  if (location.dialect === 'sqlite') return new SqliteReleaseStore(openStore(location.path, options.sqlite));
  return openPgStore(location.url, location.location, location.password, options.postgres);
}
