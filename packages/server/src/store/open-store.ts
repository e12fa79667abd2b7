/**
 * Opens (creating when needed) the server's SQLite file and brings its schema up to date with drizzle's
 * migrator. The migrations folder ships next to `src/` and `dist/`, so the same relative URL works from
 * the sources (tests) and from the build.
 *
 * The Store is also where the repositories' statements are prepared (once per connection, then reused)
 * and where transactions are run, so that it can count what they do (`stats()`).
 */
import { closeSync, fsync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';
import { placeholderRows } from './store-records.js';
import { StoreCounters, type StoreStats } from './store-stats.js';
import { WalMeter } from './wal-meter.js';

export type StoreDb = BetterSQLite3Database<typeof schema>;

/** A value SQLite can bind. */
export type SqlValue = string | number | bigint | Buffer | null;

/** A statement prepared once on the store's connection; every run is counted in `Store.stats()`. */
export interface StoreStatement<Row = unknown> {
  run(...params: SqlValue[]): Database.RunResult;
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
}

export interface TransactionOptions {
  /**
   * true (the default): the commit is fsync'd (`synchronous=FULL`) before the call returns, so it
   * survives a power loss. false: `synchronous=NORMAL` for this commit only: in WAL mode it still
   * survives the process being killed (the log is written before the call returns), but the last such
   * commits may be lost if the machine loses power before the next fsync (any later durable commit or
   * checkpoint makes them durable too). Use it for internal work that is idempotent and would simply
   * run again after a restart (an effect's outcome, a timer firing), never for what an answer to a
   * caller promises (an accepted request or webhook, an operator's event).
   * 'batched': committed like `false`, and made durable by the next `flush()` — the caller must await
   * a flush before it tells anyone the write happened (the runtime does: one fsync for every answer of
   * a burst instead of one each).
   * Ignored inside another transaction: the outermost one decides. In WAL mode the commits of a turn of
   * the event loop are one (see `Store.transaction`): a durable write commits that one at once, with
   * one fsync of the log for it and all the writes before it.
   */
  durable?: boolean | 'batched';
}

export interface Store {
  /** Absolute path of the database file. */
  readonly path: string;
  readonly db: StoreDb;
  readonly sqlite: Database.Database;
  /** True until `close()`. */
  isOpen(): boolean;
  close(): void;
  /** What the store did since it was opened (or since `resetStats`). */
  stats(): StoreStats;
  resetStats(): void;
  /**
   * From now on, count executions per statement text too (off by default: a map update per
   * statement); `statementProfile()` reads them, most executed first (the benchmark prints them).
   */
  profileStatements(): void;
  statementProfile(): Array<{ sql: string; count: number }>;
  /**
   * Run `fn` as one unit of writes: all of it or nothing. In WAL mode the writes of one turn of the event
   * loop share one transaction (group commit): the first opens it (BEGIN IMMEDIATE), each `fn` runs in a
   * savepoint of it (an error undoes that `fn` alone), and it commits when the turn ends (setImmediate),
   * or at once for a durable write, which is fsync'd with all before it. See `settled()` for what may
   * happen before the commit.
   */
  transaction<T>(fn: () => T, options?: TransactionOptions): T;
  /**
   * Resolves once every write made so far is committed (at once when none waits). Nothing outside the
   * process may act on a write before: the effect runner awaits it before it calls an upstream, the
   * notification worker before it sends. (Durability against a power loss is `flush()`'s.)
   */
  settled(): Promise<void>;
  /**
   * Inside a `transaction` in WAL mode: keep `row` to insert with `into` (`insert into t (a, b)`, `width`
   * columns) just before the turn's commit, with the other rows kept so, in one multi-row statement per
   * table: true. A write that fails drops the rows it kept. Reads of such a table call
   * `insertDeferred()` first. Outside a transaction (or in another journal mode): false, nothing kept.
   */
  deferInsert(into: string, width: number, row: SqlValue[]): boolean;
  /** Insert the rows `deferInsert` kept (in the open transaction), so that a read sees them. */
  insertDeferred(): void;
  /** Insert `rows` with `into` (`insert into t (a, b)`, `width` columns), in multi-row statements. */
  insertRows(into: string, width: number, rows: SqlValue[][]): void;
  /** The statement for `source`, prepared on first use and cached for the connection's lifetime. */
  statement<Row = unknown>(source: string): StoreStatement<Row>;
  /**
   * Make every commit so far durable with one fsync of the write-ahead log, which holds them all. The
   * fsync runs on libuv's thread pool, so the event loop goes on meanwhile (commits made during it wait
   * for the next flush). Resolves false when nothing was waiting.
   */
  flush(): Promise<boolean>;
}

const fsyncFile = promisify(fsync);

export interface StoreOptions {
  /**
   * Page size of a NEW database file (an existing file keeps its own). Every page a commit touches is
   * written whole to the WAL, and a decision touches a dozen pages for a few hundred bytes of change, so
   * small pages keep the log small: measured on releases written through the store, 512-byte pages
   * append about 0.7× the log of 1 KiB pages and 0.3× that of SQLite's default 4 KiB, for a file about 6%
   * larger and the same read speed. Default 512 (SQLite's smallest).
   */
  pageSize?: number;
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

/** Size of the log at which SQLite checkpoints it into the database file (SQLite's own default: 4 MiB of 4 KiB pages). */
const checkpointBytes = 4 * 1024 * 1024;

const openStores = new Map<string, Store>();

/** Rows per multi-row insert (`insertRows`): bounds the statements cached per row count. */
const rowsPerInsert = 32;

/**
 * The store this process has open at `path`, if any: lets code around `startServer`, which opens its
 * own, read its `stats()` (the benchmark's server process does).
 */
export function findOpenStore(path: string): Store | undefined {
  return openStores.get(resolve(path));
}

/**
 * Open the store at `path` (its parent directory is created). Pragmas:
 * - WAL: readers never block the writer, and a commit is one append to the log.
 * - durable by default: a commit is fsync'd before the 2xx answer, so an accepted event survives a power
 *   loss, not only a process crash. Internal, idempotent work (effect outcomes, timer firings) may commit
 *   with `durable: false` (not fsync'd: it survives kill -9 of the process, not a power loss, and would
 *   simply run again after one). The benchmark shows both counts. In WAL mode the store fsyncs the log
 *   itself (synchronous=NORMAL), after the commit that must be durable; else synchronous=FULL.
 * - page_size (new files only) and wal_autocheckpoint: see StoreOptions; the checkpoint still comes
 *   after about 4 MiB of log.
 * - busy_timeout: a second process (a CLI reading the file) waits for the lock instead of failing.
 */
export function openStore(path: string, options: StoreOptions = {}): Store {
  const absolute = resolve(path);
  const pageSize = options.pageSize ?? 512;
  let sqlite: Database.Database;
  let wal: boolean;
  try {
    mkdirSync(dirname(absolute), { recursive: true });
    sqlite = new Database(absolute);
    // Before WAL mode writes the first page; a no-op on an existing file.
    sqlite.pragma(`page_size = ${pageSize}`);
    // New files only (like the page size): pages freed (a folded history) go back to the file system
    // at `PRAGMA incremental_vacuum`, instead of waiting in the file for the next rows.
    sqlite.pragma('auto_vacuum = INCREMENTAL');
    // In WAL mode the store fsyncs the log itself where a commit must be durable (see SqliteStore), so
    // SQLite need not: NORMAL syncs only at checkpoints. Any other journal mode syncs every commit.
    wal = String(sqlite.pragma('journal_mode = WAL', { simple: true })).toLowerCase() === 'wal';
    sqlite.pragma(wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const actualPageSize = sqlite.pragma('page_size', { simple: true }) as number;
    sqlite.pragma(`wal_autocheckpoint = ${Math.max(100, Math.round(checkpointBytes / actualPageSize))}`);
  } catch (error) {
    throw new StoreOpenError(absolute, error);
  }
  const counters = new StoreCounters();
  const db = drizzle({
    client: sqlite,
    schema,
    // drizzle reports every query it runs (prepared or not): counted with the store's own statements.
    logger: {
      logQuery: (query) => {
        counters.executed(query);
      },
    },
  });
  try {
    migrate(db, { migrationsFolder });
  } catch (error) {
    sqlite.close();
    throw new StoreOpenError(absolute, error);
  }
  const store = new SqliteStore(absolute, db, sqlite, counters, wal, () => {
    if (openStores.get(absolute) === store) openStores.delete(absolute);
  });
  openStores.set(absolute, store);
  return store;
}

/** The transaction the writes of one turn of the event loop share (WAL mode; see `Store.transaction`). */
interface OpenBatch {
  readonly committed: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

class SqliteStore implements Store {
  private open = true;
  /** A 'batched' commit is waiting for `flush()`. */
  private unflushed = false;
  /** The open group commit, if any. */
  private batch: OpenBatch | null = null;
  /** `transaction` calls running now: an inner one is a savepoint of the outer one, nothing more. */
  private depth = 0;
  /** Rows kept by `deferInsert`, in order. */
  private deferred: Array<{ into: string; width: number; row: SqlValue[] }> = [];
  private readonly statements = new Map<string, StoreStatement<unknown>>();
  private readonly wal: WalMeter;
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    readonly path: string,
    readonly db: StoreDb,
    readonly sqlite: Database.Database,
    private readonly counters: StoreCounters,
    /** In WAL mode: commits are grouped per turn of the event loop, and durable ones fsync the log. */
    private readonly walMode: boolean,
    private readonly onClose: () => void,
  ) {
    // Count every statement compiled on this connection, drizzle's included (it calls `prepare` on
    // the client for each query it has not prepared).
    const prepare = sqlite.prepare.bind(sqlite);
    Object.defineProperty(sqlite, 'prepare', {
      configurable: true,
      value: (source: string) => {
        counters.prepared += 1;
        return prepare(source);
      },
    });
    // better-sqlite3's wrapper, made once: BEGIN IMMEDIATE … COMMIT, a savepoint when nested.
    this.runInTransaction = sqlite.transaction((fn: () => unknown) => fn());
    this.wal = new WalMeter(`${path}-shm`);
    this.wal.start();
    counters.reset();
  }

  isOpen(): boolean {
    return this.open && this.sqlite.open;
  }

  close(): void {
    if (!this.open) return;
    // What this turn wrote is kept: the open batch commits before the connection closes.
    if (this.batch) this.commitBatch(false);
    this.open = false;
    this.onClose();
    this.wal.close();
    this.sqlite.close();
    const fd = this.walDescriptor;
    this.walDescriptor = undefined;
    if (typeof fd === 'number') {
      if (this.syncing.size === 0) closeSync(fd);
      else void Promise.allSettled([...this.syncing]).then(() => closeSync(fd));
    }
  }

  stats(): StoreStats {
    const c = this.counters;
    return {
      statements: c.statements,
      prepared: c.prepared,
      commits: c.commits,
      durableCommits: c.durableCommits,
      walBytes: this.wal.total(),
    };
  }

  profileStatements(): void {
    this.counters.profile ??= new Map();
  }

  statementProfile(): Array<{ sql: string; count: number }> {
    return [...(this.counters.profile ?? new Map<string, number>())]
      .map(([sql, count]) => ({ sql, count }))
      .sort((a, b) => b.count - a.count);
  }

  resetStats(): void {
    this.counters.reset();
    this.wal.reset();
  }

  transaction<T>(fn: () => T, options: TransactionOptions = {}): T {
    if (this.depth > 0 || (this.sqlite.inTransaction && !this.batch)) return this.inSavepoint(fn);
    const durable = options.durable ?? true;
    if (this.walMode) return this.inBatch(fn, durable);
    const fsync = durable === true;
    // exec, not a prepared statement: SQLite applies this pragma when it compiles it, not when it runs.
    if (!fsync) this.sqlite.exec('PRAGMA synchronous = NORMAL');
    try {
      const result = this.runInTransaction.immediate(fn) as T;
      this.committed(fsync);
      if (durable === 'batched') this.unflushed = true;
      return result;
    } finally {
      if (!fsync) this.sqlite.exec('PRAGMA synchronous = FULL');
    }
  }

  settled(): Promise<void> {
    return this.batch ? this.batch.committed : Promise.resolve();
  }

  /** `fn` in a savepoint (or a transaction of its own): if it fails, the rows it deferred go with it. */
  private inSavepoint<T>(fn: () => T): T {
    const kept = this.deferred.length;
    try {
      return this.runInTransaction.immediate(fn) as T;
    } catch (error) {
      this.deferred.length = kept;
      throw error;
    }
  }

  /** `fn` in a savepoint of the open batch (opened if none is); a durable write commits the batch now. */
  private inBatch<T>(fn: () => T, durable: boolean | 'batched'): T {
    this.openBatch();
    this.depth += 1;
    let result: T;
    try {
      result = this.inSavepoint(fn);
    } finally {
      this.depth -= 1;
    }
    if (durable === true) this.commitBatch(true);
    else if (durable === 'batched') this.unflushed = true;
    return result;
  }

  /** Open the turn's transaction, to commit when the turn ends (setImmediate runs after its I/O). */
  private openBatch(): void {
    if (this.batch) return;
    this.sqlite.exec('BEGIN IMMEDIATE');
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Whoever awaits it sees the failure; nobody awaiting is no unhandled rejection.
    committed.catch(() => undefined);
    const batch = { committed, resolve, reject };
    this.batch = batch;
    // This batch's own end: a durable write may have committed it already (and opened the next).
    setImmediate(() => {
      if (this.batch === batch) this.commitBatch(false);
    });
  }

  deferInsert(into: string, width: number, row: SqlValue[]): boolean {
    if (!this.batch || this.depth === 0) return false;
    this.deferred.push({ into, width, row });
    return true;
  }

  insertDeferred(): void {
    const rows = this.deferred;
    if (rows.length === 0) return;
    this.deferred = [];
    // Part of the open transaction, not writes of their own (see `executed`).
    this.depth += 1;
    try {
      for (let from = 0; from < rows.length; ) {
        const { into, width } = rows[from]!;
        let to = from + 1;
        while (to < rows.length && rows[to]!.into === into) to += 1;
        this.insertRows(
          into,
          width,
          rows.slice(from, to).map((r) => r.row),
        );
        from = to;
      }
    } finally {
      this.depth -= 1;
    }
  }

  insertRows(into: string, width: number, rows: SqlValue[][]): void {
    for (let from = 0; from < rows.length; from += rowsPerInsert) {
      const chunk = rows.slice(from, from + rowsPerInsert);
      this.statement(`${into} values ${placeholderRows(chunk.length, width)}`).run(...chunk.flat());
    }
  }

  /**
   * Commit the open batch (nothing when none is open); `fsync`: then fsync the log, which makes it and
   * every commit before it durable. A commit that fails throws (at the end of a turn, out of the event
   * loop: the process stops rather than go on believing writes it lost; a restart reads the file).
   */
  private commitBatch(fsync: boolean): void {
    const batch = this.batch;
    if (!batch) return;
    try {
      this.insertDeferred();
      this.batch = null;
      this.sqlite.exec('COMMIT');
      if (fsync) this.fsyncLog();
    } catch (error) {
      this.batch = null;
      this.deferred = [];
      if (this.sqlite.inTransaction) this.sqlite.exec('ROLLBACK');
      batch.reject(error);
      throw error;
    }
    this.committed(fsync);
    batch.resolve();
  }

  private fsyncLog(): void {
    const fd = this.walFd();
    if (fd !== null) fsyncSync(fd);
  }

  async flush(): Promise<boolean> {
    if (this.batch && this.isOpen()) this.commitBatch(false);
    if (!this.unflushed || !this.isOpen()) return false;
    this.unflushed = false;
    // The log's own file: fsync of any descriptor of it writes out every frame appended so far (a
    // checkpoint meanwhile syncs the log itself before it copies frames into the database).
    const fd = this.walFd();
    if (fd === null) {
      // No log file to open (not WAL mode): a durable write syncs what came before it.
      this.runInTransaction.immediate(() =>
        this.statement(
          'insert into durability (id, flushes) values (1, 1) on conflict (id) do update set flushes = flushes + 1',
        ).run(),
      );
    } else {
      const synced = fsyncFile(fd);
      this.syncing.add(synced);
      try {
        await synced;
      } finally {
        this.syncing.delete(synced);
      }
    }
    this.counters.committed(true);
    return true;
  }

  private walDescriptor: number | null | undefined;
  /** fsyncs of the log in flight (its descriptor is closed after them). */
  private readonly syncing = new Set<Promise<void>>();

  private walFd(): number | null {
    if (this.walDescriptor === undefined) {
      try {
        this.walDescriptor = openSync(`${this.path}-wal`, 'r');
      } catch {
        this.walDescriptor = null;
      }
    }
    return this.walDescriptor;
  }

  statement<Row = unknown>(source: string): StoreStatement<Row> {
    let statement = this.statements.get(source);
    if (!statement) {
      statement = new CountedStatement(this.sqlite.prepare(source), source, this);
      this.statements.set(source, statement);
    }
    return statement as StoreStatement<Row>;
  }

  /**
   * Called by statements: one more executed. A write outside any `transaction` commits on its own, and
   * durably: true when the caller must then call `autocommitted()`. In WAL mode it runs in the turn's
   * batch, which it commits with it (so it is as durable as it was alone).
   */
  executed(source: string, writes: boolean): boolean {
    this.counters.executed(source);
    if (!writes || this.depth > 0) return false;
    if (this.walMode && this.open) {
      this.openBatch();
      return true;
    }
    return !this.sqlite.inTransaction;
  }

  autocommitted(): void {
    if (this.batch) this.commitBatch(true);
    else this.committed(true);
  }

  committed(durable: boolean): void {
    this.counters.committed(durable);
    this.wal.afterCommit();
  }
}

class CountedStatement<Row> implements StoreStatement<Row> {
  private readonly writes: boolean;

  constructor(
    private readonly statement: Database.Statement,
    private readonly source: string,
    private readonly store: SqliteStore,
  ) {
    this.writes = !statement.readonly;
  }

  run(...params: SqlValue[]): Database.RunResult {
    const autocommit = this.store.executed(this.source, this.writes);
    const result = this.statement.run(...params);
    if (autocommit) this.store.autocommitted();
    return result;
  }

  get(...params: SqlValue[]): Row | undefined {
    const autocommit = this.store.executed(this.source, this.writes);
    const row = this.statement.get(...params) as Row | undefined;
    if (autocommit) this.store.autocommitted();
    return row;
  }

  all(...params: SqlValue[]): Row[] {
    const autocommit = this.store.executed(this.source, this.writes);
    const rows = this.statement.all(...params) as Row[];
    if (autocommit) this.store.autocommitted();
    return rows;
  }
}
