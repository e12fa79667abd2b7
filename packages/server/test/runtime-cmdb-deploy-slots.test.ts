import { describe, expect, it } from 'vitest';
import { CmdbDeploySlots, cmdbTaskSlot } from '../src/runtime/effects/cmdb-deploy-slots.js';

describe('CMDB deploy slots (deployParallelism)', () => {
  it('bounds deploys in flight; a sent deploy that became a task keeps its slot until freed', () => {
    const slots = new CmdbDeploySlots(2, 60_000, () => 0);
    expect(slots.take('r1')).toBe(true);
    expect(slots.take('r2')).toBe(true);
    expect(slots.take('r3')).toBe(false);
    // The same deploy sent again (a re-run effect) holds its slot still.
    expect(slots.take('r1')).toBe(true);
    slots.move('r1', cmdbTaskSlot('t1'));
    expect(slots.take('r3')).toBe(false);
    slots.free(cmdbTaskSlot('t1'));
    expect(slots.take('r3')).toBe(true);
    expect(slots.inFlight).toBe(2);
  });

  it('on replicas a task polled elsewhere gives its slot back after a short lease, not the deadline', () => {
    let now = 0;
    const slots = new CmdbDeploySlots(1, 60_000, () => now, 5_000);
    expect(slots.take('r1')).toBe(true);
    slots.move('r1', cmdbTaskSlot('t1')); // its task runs; polled here, its slot stays
    now = 4_000;
    slots.hold(cmdbTaskSlot('t1'));
    now = 8_000;
    expect(slots.take('r2')).toBe(false);
    // Another replica polls t1 from now on: no news of it here, and the slot is free after 5 s.
    now = 9_001;
    expect(slots.take('r2')).toBe(true);
  });

  it('a task a poll sees running takes its slot even over the bound (after a restart it does run)', () => {
    const slots = new CmdbDeploySlots(1, 60_000, () => 0);
    slots.take('r1');
    slots.hold(cmdbTaskSlot('t-before-restart'));
    expect(slots.inFlight).toBe(2);
    expect(slots.take('r2')).toBe(false);
  });

  it('gives a slot back when its lease ends without news of the deploy', () => {
    let now = 0;
    const slots = new CmdbDeploySlots(1, 1_000, () => now);
    slots.take('r1');
    now = 999;
    expect(slots.take('r2')).toBe(false);
    now = 1_000;
    expect(slots.take('r2')).toBe(true);
  });
});
