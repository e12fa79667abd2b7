/** The reconciliation reads a bounded page of waiting releases per sweep and gives every one its turn. */
import { afterEach, describe, expect, it } from 'vitest';
import { callsTo, type RuntimeHarness, startRuntimeHarness } from './runtime-harness.js';
import { testDialect } from './support/test-store.js';

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Jira reconciliation sweeps', () => {
  it('read at most 100 releases each and go round all 150 waiting ones', async () => {
    h = await startRuntimeHarness({ sqlMode: 'manual', timings: { jiraReconcileMs: 0, jiraMoveGraceMs: 0 } });
    const waiting = await h.intakeUntil('sqlExecuting');
    await h.runtime.idle();
    // 149 more releases waiting on people, each with its own issue, changed at distinct times (SQLite
    // keeps the link to the stored request in a column of its own).
    const link = testDialect() === 'sqlite' ? ', request_id' : '';
    const insert = (...params: unknown[]) =>
      h!.database.sql(
        `insert into releases (release_id, summary, issue_key, project, jira_project, env, state, iteration,
           machine_version, snapshot, revision, created_at, updated_at, applied_version, applied_at${link})
         select ? as release_id, ? as summary, ? as issue_key, project, jira_project, env, state,
         iteration, machine_version, snapshot, revision, created_at, ? as updated_at, applied_version, applied_at${link}
       from releases where release_id = ?`,
        params,
      );
    for (let i = 1; i <= 149; i++) {
      const at = new Date(Date.now() - 3_600_000 + i * 1000).toISOString();
      await insert(`rel-copy-${i}`, `copy ${i}`, `AC-${9000 + i}`, at, waiting.releaseId);
    }
    const reads = () => callsTo(h!.sandbox.jira.counters, 'GET', /^\/rest\/api\/2\/issue\/:key$/);
    const start = reads();
    expect(await h.runtime.reconcileNow()).toBe(0);
    expect(reads() - start).toBe(100);
    await h.runtime.reconcileNow();
    // The second sweep goes on after the first page: the other 50 (the copies' issues do not exist in
    // Jira and are skipped; the real one agrees with Jira).
    expect(reads() - start).toBe(150);
    await h.runtime.reconcileNow();
    expect(reads() - start).toBe(250);
  });
});
