/**
 * Claims and leases kept in one process's memory: what the ReleaseStore's claims are on SQLite, where
 * one process is the only writer. Exclusive between the owners of this process (the same rules as the
 * PostgreSQL rows: a live lease keeps others out, one that ran out is taken over, only the holder may
 * record an outcome), and gone with the process, which is what a lease of a dead owner amounts to.
 */

export interface LocalLease {
  owner: string;
  until: number;
}

export class LocalClaims<K> {
  private readonly leases = new Map<K, LocalLease>();

  /** Someone other than `owner` holds a lease on `key` that has not run out at `now`. */
  heldByOther(key: K, owner: string, now = Date.now()): boolean {
    const lease = this.leases.get(key);
    return lease !== undefined && lease.owner !== owner && lease.until > now;
  }

  /** Take (or take over) the lease; the caller checked `heldByOther` first. */
  take(key: K, owner: string, leaseMs: number, now = Date.now()): LocalLease {
    const lease = { owner, until: now + leaseMs };
    this.leases.set(key, lease);
    return lease;
  }

  /** `owner` holds the claim (it may have run out, as long as nobody took it over). */
  holds(key: K, owner: string): boolean {
    return this.leases.get(key)?.owner === owner;
  }

  /** Extend the lease if `owner` holds it; whether it does. */
  renew(key: K, owner: string, leaseMs: number, now = Date.now()): boolean {
    if (!this.holds(key, owner)) return false;
    this.leases.set(key, { owner, until: now + leaseMs });
    return true;
  }

  drop(key: K): void {
    this.leases.delete(key);
  }

  dropOwner(owner: string): void {
    for (const [key, lease] of this.leases) if (lease.owner === owner) this.leases.delete(key);
  }
}
