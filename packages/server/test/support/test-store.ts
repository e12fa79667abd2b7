/**
 * The database a runtime or server test runs on. By default a SQLite file in the test's temp dir; with
 * CDFLOW_TEST_STORE=postgres (the `postgres` test project, see vitest.config.ts) a new database on a real
 * PostgreSQL: the one the project's global setup started (its URL injected as `cdflowPgUrl`), or — when a
 * file is run on its own with the variable set — one this file starts for itself.
 *
 * `sql` runs a statement on that database with `?` placeholders on both dialects, for the few tests that
 * set a row up the API cannot (a snapshot of an unknown machine version, 149 copies of a release).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { inject } from 'vitest';
import { type PgServer, startPostgres } from './pg-harness.js';

export type TestDialect = 'sqlite' | 'postgres';

export function testDialect(): TestDialect {
  const value = process.env.CDFLOW_TEST_STORE ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres')
    throw new Error(`CDFLOW_TEST_STORE: expected sqlite or postgres, got ${JSON.stringify(value)}`);
  return value;
}

export interface TestDatabase {
  dialect: TestDialect;
  /** CDFLOW_DB for it. */
  db: string;
  /** Run one statement (`?` placeholders); its rows. */
  sql<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Drop the PostgreSQL database (SQLite: the caller removes its temp dir). */
  drop(): Promise<void>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The maintenance URL of the PostgreSQL the `postgres` project's global setup started. */
    cdflowPgUrl: string;
  }
}

let ownServer: Promise<PgServer> | null = null;
let databases = 0;

async function maintenanceUrl(): Promise<string> {
  let injected: string | undefined;
  try {
    injected = inject('cdflowPgUrl');
  } catch {
    injected = undefined;
  }
  if (injected) return injected;
  // Run on its own: a server for this test file, stopped when the file's process exits.
  ownServer ??= startPostgres().then((server) => {
    process.once('beforeExit', () => void server.stop());
    return server;
  });
  return (await ownServer).url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

async function onMaintenance<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `sql` of a SQLite file: each call opens it, runs one statement and closes it. */
export function sqliteStatement(file: string): TestDatabase['sql'] {
  return async <T>(text: string, params: readonly unknown[] = []) => {
    const connection = new Database(file);
    try {
      const statement = connection.prepare(text);
      if (statement.reader) return statement.all(...params) as T[];
      statement.run(...params);
      return [];
    } finally {
      connection.close();
    }
  };
}

/** A new, empty database of the dialect the run asks for; `dir` is the test's temp dir (SQLite). */
export async function testDatabase(dir: string, dialect: TestDialect = testDialect()): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const db = join(dir, 'data', 'cdflow.sqlite');
    return { dialect, db, sql: sqliteStatement(db), async drop() {} };
  }
  const maintenance = await maintenanceUrl();
  const name = `t${process.pid}_${++databases}_${Date.now().toString(36)}`;
  await onMaintenance(maintenance, (client) =>
    client.query(`create database ${client.escapeIdentifier(name)}`),
  );
  const db = withDatabase(maintenance, name);
  return {
    dialect,
    db,
    async sql<T>(text: string, params: readonly unknown[] = []) {
      let n = 0;
      const numbered = text.replace(/\?/g, () => `$${++n}`);
      return onMaintenance(db, async (client) => (await client.query(numbered, [...params])).rows as T[]);
    },
    async drop() {
      await onMaintenance(maintenance, (client) =>
        client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`),
      );
    },
  };
}
