import { afterEach } from 'vitest';

export interface SimulatorsClosedAfterEach<S> {
  /** Enlists a simulator a test started, to be closed when that test ends; gives it back. */
  enlist(sim: S): S;
  /** Takes back a simulator the test closed itself. */
  release(sim: S): void;
}

/**
 * Registers, for the test file, the closing of every enlisted simulator once the test that started it
 * ends; `whenClosed` runs after the closing.
 */
export function simulatorsClosedAfterEach<S extends { close(): Promise<unknown> }>(
  whenClosed: () => void = () => {},
): SimulatorsClosedAfterEach<S> {
  const started: S[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
    whenClosed();
  });
  return {
    enlist: (sim) => {
      started.push(sim);
      return sim;
    },
    release: (sim) => {
      started.splice(started.indexOf(sim), 1);
    },
  };
}
