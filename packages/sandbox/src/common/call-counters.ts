/** Counts calls per route (`METHOD /route/:pattern`), so tests can assert "exactly one work order was submitted". */
export class CallCounters {
  private readonly counts = new Map<string, number>();

  increment(route: string): void {
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
  }

  /** Calls of one route, e.g. `get('POST /api/v1/workflow/')`; 0 when never called. */
  get(route: string): number {
    return this.counts.get(route) ?? 0;
  }

  /** Every route called so far with its count. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  reset(): void {
    this.counts.clear();
  }
}
