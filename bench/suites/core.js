/**
 * Figure 2 — core transitions per second: `decide` on the release machine beside XState's own pure
 * `transition` on a two-state toggle (the floor of any XState v5 transition), same process, same run.
 *
 * The release walk is recorded once (startRelease, then every event of a release from intake to
 * uatComplete, each accepted); the loop replays its (snapshot, event) pairs. `decide` is pure, so
 * replaying a pair does the same work as the first time.
 */
import { decide } from '@cdflow/core';
import { createActor, createMachine, transition } from 'xstate';
import { recordReleaseWalk } from '../lib/release-walk.js';
import { ratio, round } from '../lib/stats.js';

function recordPairs() {
  const walk = recordReleaseWalk({
    releaseId: 'bench-core-1',
    summary: '【A18】【升级】bench_core_01',
    issueKey: 'AC-101',
  });
  return walk.steps.map((step) => [step.before.next, step.event]);
}

/** Calls `step(i)` for `seconds` (after a warm-up) and returns operations per second. */
function opsPerSecond(step, seconds) {
  const run = (ms) => {
    let n = 0;
    const end = performance.now() + ms;
    const started = performance.now();
    while (performance.now() < end) {
      for (let k = 0; k < 100; k++) step(n++);
    }
    return n / ((performance.now() - started) / 1000);
  };
  run(Math.min(500, seconds * 250));
  return run(seconds * 1000);
}

export async function runCore({ quick }) {
  const seconds = quick ? 1 : 3;
  const pairs = recordPairs();
  const toggle = createMachine({
    id: 'toggle',
    initial: 'off',
    states: { off: { on: { TOGGLE: 'on' } }, on: { on: { TOGGLE: 'off' } } },
  });
  const toggleStates = [createActor(toggle).getSnapshot()];
  toggleStates.push(transition(toggle, toggleStates[0], { type: 'TOGGLE' })[0]);
  const persistedToggle = toggleStates.map((s) => JSON.parse(JSON.stringify(toggle.getPersistedSnapshot(s))));
  const event = { type: 'TOGGLE' };
  const jsonPairs = pairs.map(([p, e]) => [JSON.stringify(p), e]);

  const subjects = {
    toggleRate: (i) => transition(toggle, toggleStates[i & 1], event),
    toggleRestoreRate: (i) => {
      const restored = toggle.resolveState(persistedToggle[i & 1]);
      toggle.getPersistedSnapshot(transition(toggle, restored, event)[0]);
    },
    decideRate: (i) => {
      const [persisted, e] = pairs[i % pairs.length];
      decide(persisted, e);
    },
    decideJsonRate: (i) => {
      const [text, e] = jsonPairs[i % jsonPairs.length];
      JSON.stringify(decide(JSON.parse(text), e).next);
    },
  };
  // Two interleaved rounds, best of each: one round alone is skewed by JIT and GC timing.
  const rates = {};
  for (let round = 0; round < 2; round++) {
    for (const [name, step] of Object.entries(subjects)) {
      rates[name] = Math.max(rates[name] ?? 0, opsPerSecond(step, seconds / 2));
    }
  }
  const { toggleRate, toggleRestoreRate, decideRate, decideJsonRate } = rates;

  const row = (name, rate) => [name, round(rate), round(1e6 / rate), ratio(rate, toggleRate)];
  return {
    id: 'core',
    title: 'Core transitions per second (decide vs a trivial XState machine)',
    columns: ['subject', 'transitions/s', 'µs each', '÷ toggle'],
    rows: [
      row('XState transition, 2-state toggle (baseline)', toggleRate),
      row('XState toggle + restore/persist snapshot', toggleRestoreRate),
      row('core decide, release machine', decideRate),
      row('core decide + JSON parse/stringify (as stored)', decideJsonRate),
    ],
    notes: [
      `best of 2 rounds of ${seconds / 2} s per subject after a warm-up, single thread; the release walk has ${pairs.length} accepted events from intake to uatComplete, replayed in a loop.`,
      'decide restores the persisted snapshot, checks the event is accepted, transitions, stamps the revision and lists effects with idempotency keys.',
    ],
    data: { seconds, walkLength: pairs.length, toggleRate, toggleRestoreRate, decideRate, decideJsonRate },
  };
}
