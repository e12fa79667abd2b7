import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseView } from '../src/runtime/runtime-api.js';
import { callsTo, type RuntimeHarness, releaseRequest, startRuntimeHarness } from './runtime-harness.js';

let h: RuntimeHarness;

afterEach(async () => {
  await h?.close();
});

const issueCreations = () => callsTo(h.sandbox.jira.counters, 'POST', /^\/rest\/api\/2\/issue\/?$/);

function retryList(release: ReleaseView): Array<{ effectId: number | null; effectType: string }> {
  const wait = release.situation.waitsFor as {
    retry?: Array<{ effectId: number | null; effectType: string }>;
  };
  return wait?.retry ?? [];
}

describe('a person retries a failed effect', () => {
  it('a failed creation waits across a restart; the retry runs it once, recorded under the person', async () => {
    h = await startRuntimeHarness({ sqlMode: 'manual' });
    h.sandbox.jira.faults.inject({
      route: 'POST /rest/api/2/issue',
      status: 400,
      body: { errorMessages: ['Issue type is locked'], errors: {} },
      times: 1,
    });
    const request = releaseRequest({ sql_info: [] });
    await h.runtime.intake(request, 'release-system');
    const failed = await h.waitFor(request.summary, (r) => retryList(r).length > 0, 'the failed creation');
    const [effect] = retryList(failed);
    expect(effect?.effectType).toBe('jira.ensureIssue');
    expect(failed.key).toBeNull();

    // Nothing retries it by itself, a restart included.
    await h.restart();
    const after = await h.runtime.getRelease(request.summary);
    expect(after && retryList(after).map((e) => e.effectId)).toEqual([effect?.effectId]);
    expect(issueCreations()).toBe(1);

    const retried = await h.runtime.retryEffect(failed.releaseId, Number(effect?.effectId), 'ops.li');
    expect(retried?.outcome).toBe('queued');
    const done = await h.waitFor(request.summary, (r) => r.key !== null, 'the issue created');
    expect(retryList(done)).toEqual([]);
    expect(issueCreations()).toBe(2);
    expect(h.sandbox.jira.issues()).toHaveLength(1);
    const asked = ((await h.runtime.history(failed.releaseId)) ?? []).filter(
      (e) => e.event === 'EFFECT_RETRY_REQUESTED',
    );
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ source: 'operator', actor: 'ops.li', accepted: true });

    // A finished effect is no longer there; an unknown release is null.
    expect((await h.runtime.retryEffect(failed.releaseId, Number(effect?.effectId), 'ops.li'))?.outcome).toBe(
      'unknown-effect',
    );
    expect(await h.runtime.retryEffect('rel-none', 1, 'ops.li')).toBeNull();
  });

  it('an effect that has not failed is not retried', async () => {
    h = await startRuntimeHarness({ start: false });
    const request = releaseRequest({ sql_info: [] });
    const { release } = await h.runtime.intake(request, 'release-system');
    const head = await h.store.headEffect(release.releaseId);
    if (!head) throw new Error('expected a pending effect');
    const answer = await h.runtime.retryEffect(release.releaseId, head.id, 'ops.li');
    expect(answer).toMatchObject({ outcome: 'not-failed', status: 'pending' });
    expect((await h.store.effectsOf(release.releaseId)).find((e) => e.id === head.id)?.attempts).toBe(0);
    expect(
      ((await h.runtime.history(release.releaseId)) ?? []).some((e) => e.event === 'EFFECT_RETRY_REQUESTED'),
    ).toBe(false);
  });
});
