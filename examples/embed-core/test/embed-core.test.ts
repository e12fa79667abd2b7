import { describe, expect, it } from 'vitest';
import { runExample } from '../src/run-example.js';

describe('examples/embed-core', () => {
  it('plans the release and walks it to uatComplete, printing each state and effect', () => {
    const lines = runExample(() => undefined);
    const states = lines
      .filter((l) => l.includes('-> state '))
      .map((l) => l.split('-> state ')[1]!.split(' ')[0]);
    expect(states[0]).toBe('sqlPending.awaitingPolicy');
    expect(states.at(-1)).toBe('uatComplete');
    expect(lines).toContain('  sql: run (new)');
    expect(lines.some((l) => l.includes('effect archery.submitOrder #1 a18-20261201-01'))).toBe(true);
    // A new request mid-stage is refused, not lost.
    expect(lines.some((l) => /^NEW_ITERATION -> state sqlExecuting\S* \(refused:/.test(l))).toBe(true);
  });
});
