/** Where the stuck sweep looks: the person waits that can be overdue, never a resting state. */
import { describe, expect, it } from 'vitest';
import { personWaitOf, personWaitStates, productStateOf, stuckCandidateStates } from '../src/index.js';

describe('stuckCandidateStates', () => {
  it('holds the product state of every person wait that can be stuck, and no resting state', () => {
    expect(stuckCandidateStates).toContain('sqlExecuting');
    expect(stuckCandidateStates).toContain('fixing');
    // uatComplete waits on a person (the next publication) but rests: nothing is overdue there.
    expect(personWaitStates.some((s) => productStateOf(s) === 'uatComplete')).toBe(true);
    expect(stuckCandidateStates).not.toContain('uatComplete');
    for (const step of personWaitStates) {
      if (personWaitOf(step) !== null) expect(stuckCandidateStates).toContain(productStateOf(step));
    }
  });
});
