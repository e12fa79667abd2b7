import { afterEach, beforeEach } from 'vitest';

export interface SimulatorOfEachTest<S> {
  /** The running test's simulator. */
  readonly sim: S;
  /** Closes the running test's simulator and starts another in its place (closed when the test ends). */
  replace(start: () => Promise<S>): Promise<S>;
}

/** A simulator `start`ed before each test of the file and closed after it. */
export function simulatorOfEachTest<S extends { close(): Promise<unknown> }>(
  start: () => Promise<S>,
): SimulatorOfEachTest<S> {
  let current: S | undefined;
  beforeEach(async () => {
    current = await start();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get sim() {
      if (current === undefined) throw new Error('the simulator runs only during a test');
      return current;
    },
    async replace(next) {
      await current?.close();
      current = undefined;
      current = await next();
      return current;
    },
  };
}
