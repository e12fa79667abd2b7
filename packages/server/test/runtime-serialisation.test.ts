import type { PersonEvent } from '@cdflow/core';
import { afterEach, describe, expect, it } from 'vitest';
import { callsTo, type RuntimeHarness, releaseRequest, startRuntimeHarness } from './runtime-harness.js';

let h: RuntimeHarness;

afterEach(async () => {
  await h?.close();
});

describe("one release's events", () => {
  it('from intake and operators at once are decided one at a time, in arrival order, on the latest snapshot', async () => {
    // Not started: no effect runs, so every decision below comes from the calls of this test.
    h = await startRuntimeHarness({ start: false, upstreams: false });
    const request = releaseRequest();
    const { release } = await h.runtime.intake(request, 'release-system');
    const calls = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? h.runtime.intake({ ...request, functionList: [`feature ${i}`] }, `rs-${i}`)
        : h.runtime.sendEvent(release.releaseId, { type: 'RETRY_SQL_SUBMIT', by: `op-${i}` }, 'operator'),
    );
    const results = await Promise.all(calls);

    expect(results.every((r) => r !== null)).toBe(true);
    const history = (await h.runtime.history(release.releaseId)) ?? [];
    const actors = history
      .filter((e) => e.source === 'operator' || e.source === 'intake')
      .map((e) => e.actor);
    expect(actors).toEqual(['release-system', ...calls.map((_, i) => (i % 3 === 0 ? `rs-${i}` : `op-${i}`))]);
    const decisions = history.filter((e) => e.accepted && !e.event.startsWith('effect:'));
    for (let i = 1; i < decisions.length; i += 1) {
      expect(decisions[i]!.fromState).toBe(decisions[i - 1]!.toState);
    }
    // The ten iterations were accepted (re-plan in place): the check above compared real decisions.
    expect(decisions.filter((e) => e.event === 'NEW_ITERATION')).toHaveLength(10);
    const after = (await h.runtime.getRelease(release.releaseId))!;
    expect(after.revision).toBe(decisions.length);
    // Each accepted iteration is kept, numbered in order.
    const iterations = await h.database.sql<{ iteration: number; by: string }>(
      'select iteration, by from requests where release_id = ? order by id',
      [release.releaseId],
    );
    expect(iterations[0]).toEqual({ iteration: 1, by: 'release-system' });
    expect(iterations.map((r) => r.iteration)).toEqual(
      [...iterations.map((r) => r.iteration)].sort((a, b) => a - b),
    );
    expect(after.iteration).toBe(iterations.at(-1)!.iteration);
  });

  it('are applied one at a time in arrival order, each decision on top of the previous one', async () => {
    h = await startRuntimeHarness();
    const request = releaseRequest({ sql_info: [] });
    const done = await h.intakeUntil('uatComplete', request);
    const types: PersonEvent['type'][] = [
      'UAT_MANUAL_ITERATION',
      'RESUBMIT_CODE',
      'FINISH',
      'RESUBMIT_CONFIG',
    ];
    const events = Array.from(
      { length: 24 },
      (_, i) => ({ type: types[i % types.length]!, by: `op-${i}` }) as PersonEvent,
    );

    const results = await Promise.all(
      events.map((event) => h.runtime.sendEvent(done.releaseId, event, 'operator')),
    );
    await h.runtime.idle();

    expect(results.every((r) => r !== null)).toBe(true);
    const history = (await h.runtime.history(done.releaseId)) ?? [];
    const operatorActors = history.filter((e) => e.source === 'operator').map((e) => e.actor);
    expect(operatorActors).toEqual(events.map((e) => e.by));

    // Every accepted decision starts from the state the previous one left: nothing decided on a stale snapshot.
    const decisions = history.filter((e) => e.accepted && !e.event.startsWith('effect:'));
    for (let i = 1; i < decisions.length; i += 1) {
      expect(decisions[i]!.fromState, `decision ${decisions[i]!.seq} (${decisions[i]!.event})`).toBe(
        decisions[i - 1]!.toState,
      );
    }
    // The revision counts every committed decision exactly once (the first one is the creation).
    expect((await h.runtime.getRelease(done.releaseId))?.revision).toBe(decisions.length);
  });

  it('creates one release and one Jira issue when the same new request arrives many times at once', async () => {
    h = await startRuntimeHarness();
    const request = releaseRequest({ sql_info: [] });
    const results = await Promise.all(
      Array.from({ length: 12 }, () => h.runtime.intake(request, 'release-system')),
    );
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
    const release = await h.waitFor(request.summary, (r) => r.key !== null, 'an issue key');
    await h.runtime.idle();
    expect((await h.runtime.listReleases({ limit: 10, offset: 0 })).total).toBe(1);
    expect(callsTo(h.sandbox.jira.counters, 'POST', /^\/rest\/api\/2\/issue\/?$/)).toBe(1);
    expect(release.summary).toBe(request.summary);
  });
});
