/**
 * Opens the PostgreSQL store: a node-postgres Pool on the URL, the schema brought up to date by drizzle's
 * migrator (packages/server/drizzle-pg), then the PgReleaseStore.
 *
 * Migrations run under a session advisory lock (`pg_advisory_lock` on one connection): replicas starting
 * together take turns, the first applies what is missing, the others find nothing left to do. Without it
 * two migrators race on drizzle's own bookkeeping (both create its schema and table, both apply the
 * first migration) and one fails.
 *
 * The pool is the connection's health: a connection the database dropped is discarded and the next query
 * opens a new one, so a store whose database went away answers `ping()` false and recovers by itself
 * when the database is back.
 */
import { fileURLToPath } from 'node:url';
import { CdflowError } from '@cdflow/core';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { BoundedMap } from '../bounded-map.js';
import { scrub } from '../store-location.js';
import { StoreCounters } from '../store-stats.js';
import type { StoredRequest } from '../stored-request.js';
import { PgReleaseStore, type PgShared } from './pg-release-store.js';
import { migrationLockKey } from './pg-sql.js';
import * as pgSchema from './schema.js';

const migrationsFolder = fileURLToPath(new URL('../../../drizzle-pg', import.meta.url));

export interface PgStoreOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long a query waits for a connection before failing (default 5 s). */
  connectTimeoutMs?: number;
  /** How long `ping()` waits for `select 1` (default 2 s). */
  pingTimeoutMs?: number;
  /** A transaction left idle this long is ended by the server, its locks released (default 60 s). */
  idleInTransactionMs?: number;
}

export class PgStoreOpenError extends CdflowError {
  constructor(location: string, cause: unknown, password: string) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'STORE_OPEN_FAILED',
      `Could not open the cdflow database at ${location}: ${scrub(reason, password)}. ` +
        'Check that PostgreSQL is reachable at CDFLOW_DB and that its user may create tables in that database.',
    );
    this.name = 'PgStoreOpenError';
  }
}

/** Apply the migrations that are missing, one migrator at a time across every process on the database. */
async function migrateLocked(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('select pg_advisory_lock($1)', [migrationLockKey]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [migrationLockKey]);
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    // A connection whose session may still hold the lock is closed, not returned to the pool.
    client.release(broken);
  }
}

export async function openPgStore(
  url: string,
  location: string,
  password: string,
  options: PgStoreOptions = {},
): Promise<PgReleaseStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'cdflow',
    // A peer that vanished (a replica's machine lost) is noticed by TCP keepalive; a replica that hangs
    // inside a transaction loses it, and the release lock it held, after this long.
    keepAlive: true,
    idle_in_transaction_session_timeout: options.idleInTransactionMs ?? 60_000,
  });
  // An idle connection the server closed (a restart, a failover) is reported here and dropped by the
  // pool; the queries that need one open a new one. Nothing to do but not crash.
  pool.on('error', () => undefined);
  // A connection checked out of the pool (a release's lock held for a decision, between two of its
  // statements) that the server ends (a shutdown, a failover: `57P01 terminating connection`) emits
  // 'error' on its client, which the pool listens to only while the client is idle: unheard, it ends
  // the process. Heard here, it fails the transaction's next statement instead, and the pool discards
  // the connection when it is given back.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  try {
    await migrateLocked(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new PgStoreOpenError(location, error, password);
  }
  const counters = new StoreCounters();
  const root = drizzle({
    client: pool,
    schema: pgSchema,
    logger: {
      logQuery: (query) => {
        counters.executed(query);
      },
    },
  });
  const shared: PgShared = {
    pool,
    root,
    location,
    counters,
    requestCache: new BoundedMap<string, StoredRequest>(1024),
    open: true,
    pingTimeoutMs: options.pingTimeoutMs ?? 2_000,
  };
  return new PgReleaseStore(shared, root);
}
