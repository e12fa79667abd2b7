import { afterEach, describe, expect, it } from 'vitest';
import { callsTo, type RuntimeHarness, startRuntimeHarness } from './runtime-harness.js';

let h: RuntimeHarness;

afterEach(async () => {
  await h?.close();
});

const jiraMoves = () => callsTo(h.sandbox.jira.counters, 'POST', /\/transitions$/);

describe('the outcome of an effect that brings no event', () => {
  it('is in the history once each, in the order the effects ran, the last one as soon as the release is idle', async () => {
    h = await startRuntimeHarness({ sqlMode: 'auto' });
    const done = await h.intakeUntil('uatComplete');
    await h.runtime.idle();

    const history = (await h.runtime.history(done.releaseId)) ?? [];
    const moves = history.filter((e) => e.event === 'effect:jira.moveTo');
    const targets = moves.map((e) => (e.detail as { result?: { to?: string } }).result?.to);
    // Every move once, the move to UAT升级完成 (the release's last effect) included.
    expect(targets).toEqual(['SQL执行中', 'CONFIG执行中', 'CODE执行中', 'UAT升级完成']);
    expect(new Set(moves.map((e) => (e.detail as { idempotencyKey: string }).idempotencyKey)).size).toBe(4);
    expect(jiraMoves()).toBeGreaterThanOrEqual(4);
    // The effects of the SQL stage ran in this order, and their outcomes are recorded in it.
    const ran = history
      .filter((e) =>
        ['effect:jira.moveTo', 'effect:archery.executeOrder', 'effect:jira.showOrders'].includes(e.event),
      )
      .slice(0, 3)
      .map((e) => e.event);
    expect(ran).toEqual(['effect:jira.moveTo', 'effect:archery.executeOrder', 'effect:jira.showOrders']);
    // One process: the move's outcome waited for the release's next write and is recorded in it, just
    // before what that write decided (replicas write each outcome at once: another may take the next effect).
    if (h.store.dialect === 'sqlite') {
      const first = history.indexOf(moves[0]!);
      expect(history[first + 1]?.at).toBe(moves[0]!.at);
    }
    // Nothing is left queued: each finished effect left the outbox.
    expect((await h.store.effectsOf(done.releaseId)).filter((e) => e.status !== 'failed')).toEqual([]);
  });
});
