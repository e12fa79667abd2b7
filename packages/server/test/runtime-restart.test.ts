import { afterEach, describe, expect, it } from 'vitest';
import { callsTo, type RuntimeHarness, releaseRequest, startRuntimeHarness } from './runtime-harness.js';

let h: RuntimeHarness;

// Each test starts its runtime unstarted: decisions are committed but no effect runs, as if the process
// died right after the commit.

afterEach(async () => {
  await h?.close();
});

const issueCreations = () => callsTo(h.sandbox.jira.counters, 'POST', /^\/rest\/api\/2\/issue\/?$/);

describe('a restart', () => {
  it('runs the effects committed before the stop', async () => {
    h = await startRuntimeHarness({ start: false });
    const request = releaseRequest({ sql_info: [] });
    const created = await h.runtime.intake(request, 'release-system');
    expect(created.outcome).toBe('created');
    expect((await h.store.effectsOf(created.release.releaseId)).some((e) => e.status === 'pending')).toBe(
      true,
    );
    expect(issueCreations()).toBe(0);

    await h.restart();
    const release = await h.waitFor(request.summary, (r) => r.key !== null, 'an issue key');

    expect(release.key).toMatch(/^AC-\d+$/);
    expect(issueCreations()).toBe(1);
  });

  it('runs an effect interrupted mid-flight again without repeating it upstream', async () => {
    h = await startRuntimeHarness({ start: false });
    const request = releaseRequest({ sql_info: [] });
    const { release } = await h.runtime.intake(request, 'release-system');
    const head = (await h.store.headEffect(release.releaseId))!;
    expect(head.type).toBe('jira.ensureIssue');
    // The crashed process had created the issue and marked the effect running, but never recorded the outcome.
    const upstream = await h.ports.jira.createIssue({
      project: { key: 'AC' },
      issuetype: { name: '升级' },
      summary: request.summary,
    });
    await h.store.markEffect(head.id, 'running');

    await h.restart();
    const after = await h.waitFor(request.summary, (r) => r.key !== null, 'an issue key');

    expect(after.key).toBe(upstream.key);
    expect(issueCreations()).toBe(1);
    // Done: it left the outbox, and the history has its one outcome.
    expect((await h.store.effectsOf(release.releaseId)).find((e) => e.id === head.id)).toBeUndefined();
    const outcomes = (await h.store.history(release.releaseId)).filter((e) => e.event === 'ISSUE_READY');
    expect(outcomes).toHaveLength(1);
  });

  it('fires the timers that came due while the server was down', async () => {
    // No simulators needed: this is about the timer; the release's own effects fail fast and are recorded.
    h = await startRuntimeHarness({ start: false, upstreams: false });
    const request = releaseRequest({ sql_info: [] });
    const { release } = await h.runtime.intake(request, 'release-system');
    await h.store.commitDecision({
      releaseId: release.releaseId,
      audit: [],
      effects: [],
      scheduleTimers: [
        { name: 'restart-test', dueAt: Date.now() - 1_000, scheduleKey: `${release.releaseId}:test-timer` },
      ],
      cancelTimers: [],
    });

    await h.restart();
    await h.waitFor(
      request.summary,
      // (The release's own timers, e.g. the deploy timeout of the code stage, are not this one.)
      async () => !(await h.store.timersOf(release.releaseId)).some((t) => t.name === 'restart-test'),
      'its timer fired',
    );

    const fired = ((await h.runtime.history(release.releaseId)) ?? []).filter(
      (e) => e.event === 'TIMER_FIRED',
    );
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ source: 'system', actor: 'timer' });
  });
});
