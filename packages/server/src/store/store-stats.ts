/**
 * What the store did since it was opened, counted as it goes (a few integer additions per statement,
 * one `pread` of the WAL index per commit), so the counters are always on: the benchmark divides them
 * by the releases it completed, an operator can read them on a live server.
 */

export interface StoreStats {
  /** SQL statements the repositories executed (reads and writes; BEGIN, COMMIT and pragmas excluded). */
  statements: number;
  /** Statements compiled on the connection; one prepared once and run many times counts once. */
  prepared: number;
  /** Transactions committed, single-statement (autocommit) writes included. */
  commits: number;
  /** Of `commits`, the ones fsync'd before returning (`synchronous=FULL`): durable across a power loss. */
  durableCommits: number;
  /**
   * Bytes the commits appended to the write-ahead log (frames × (page size + 24-byte frame header)), read
   * from the WAL index after each commit; null when the database is not in WAL mode.
   */
  walBytes: number | null;
}

/** The mutable counters behind `Store.stats()`. */
export class StoreCounters {
  /** Executions per statement text, while a profile is on (`Store.profileStatements`); else null. */
  profile: Map<string, number> | null = null;
  statements = 0;
  prepared = 0;
  commits = 0;
  durableCommits = 0;

  committed(durable: boolean): void {
    this.commits += 1;
    if (durable) this.durableCommits += 1;
  }

  /** One statement executed (its text is tallied while a profile is on). */
  executed(source: string): void {
    this.statements += 1;
    if (this.profile) this.profile.set(source, (this.profile.get(source) ?? 0) + 1);
  }

  reset(): void {
    if (this.profile) this.profile = new Map();
    this.statements = 0;
    this.prepared = 0;
    this.commits = 0;
    this.durableCommits = 0;
  }
}
