import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callsTo, type RuntimeHarness, releaseRequest, startRuntimeHarness } from './runtime-harness.js';

let h: RuntimeHarness;

beforeEach(async () => {
  h = await startRuntimeHarness();
});

afterEach(async () => {
  await h?.close();
});

describe('a retryable upstream failure', () => {
  it('keeps the release where it is, records the error, and retries until Jira answers', async () => {
    h.sandbox.jira.faults.inject({ route: '*', status: 503, times: 3 });
    const request = releaseRequest({ sql_info: [] });
    const { release } = await h.runtime.intake(request, 'release-system');

    const ready = await h.waitFor(request.summary, (r) => r.key !== null, 'an issue key');

    const retries = ((await h.runtime.history(release.releaseId)) ?? []).filter(
      (e) =>
        e.event === 'effect:jira.ensureIssue' && (e.detail as { outcome?: string }).outcome === 'retrying',
    );
    expect(retries).toHaveLength(3);
    for (const entry of retries) {
      // The release stays where it was while Jira fails (the audit trail records the exact step).
      expect(entry.fromState).toMatch(/^sqlPending/);
      expect(entry.toState).toBe(entry.fromState);
      expect(JSON.stringify(entry.detail)).toMatch(/503|unavailable/i);
    }
    expect(ready.key).toMatch(/^AC-\d+$/);
    expect(callsTo(h.sandbox.jira.counters, 'POST', /^\/rest\/api\/2\/issue\/?$/)).toBe(1);
  });

  it('turns a refused submission (4xx) into a failure of the release, not an endless retry', async () => {
    h.sandbox.archery.faults.inject({
      route: 'POST /api/v1/workflow/',
      status: 400,
      body: { errors: '你所在组未关联该实例！' },
    });
    const failed = await h.intakeUntil('sqlPending.failed');

    expect(failed.failure?.reason ?? '').toMatch(/你所在组未关联该实例/);
    expect(callsTo(h.sandbox.archery.counters, 'POST', /^\/api\/v1\/workflow\/$/)).toBe(1);
  });
});
