/**
 * How a replica's claiming loop waits after the store failed (the database away, a connection refused):
 * the next round comes after a delay that doubles from `pollMs` up to `maxMs`, and the loop says so once
 * per outage, not at every round. The first round that succeeds again resets it.
 */
export class ClaimBackoff {
  private failures = 0;

  constructor(
    private readonly pollMs: number,
    private readonly maxMs = Math.max(pollMs, 2_000),
  ) {}

  /** The store answered: back to every `pollMs`. Returns whether this ends an outage. */
  succeeded(): boolean {
    const recovered = this.failures > 0;
    this.failures = 0;
    return recovered;
  }

  /** The store failed: how long to wait before the next round, and whether this starts an outage. */
  failed(): { delayMs: number; first: boolean } {
    this.failures += 1;
    const delayMs = Math.min(this.maxMs, this.pollMs * 2 ** Math.min(this.failures, 16));
    return { delayMs, first: this.failures === 1 };
  }

  /** The delay of the next round now (`pollMs` unless the store is failing). */
  get delayMs(): number {
    return this.failures === 0
      ? this.pollMs
      : Math.min(this.maxMs, this.pollMs * 2 ** Math.min(this.failures, 16));
  }
}
