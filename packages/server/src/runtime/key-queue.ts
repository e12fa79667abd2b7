/**
 * Runs async tasks one at a time per key, in order of arrival; different keys run in parallel. This is
 * what serialises one release's events (intake, Jira decisions, effect outcomes, timers).
 */
export class KeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Number of keys with queued or running work. */
  get activeKeys(): number {
    return this.tails.size;
  }

  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    // A failed task must not poison the tasks queued after it: chain on settlement, not success.
    const result = previous.then(
      () => task(),
      () => task(),
    );
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves when every task queued so far has settled. */
  async drained(): Promise<void> {
    while (this.tails.size > 0) {
      await Promise.all([...this.tails.values()]);
    }
  }
}
