import { afterEach, describe, expect, it } from 'vitest';
import type { JiraDelivery } from '../src/runtime/runtime-api.js';
import { callsTo, type RuntimeHarness, startRuntimeHarness } from './runtime-harness.js';

let h: RuntimeHarness;

afterEach(async () => {
  await h?.close();
});

function delivery(
  issueKey: string,
  dedupeKey: string,
  change: { from: string; to: string } | null,
  user: string,
): JiraDelivery {
  return {
    dedupeKey,
    webhookEvent: 'jira:issue_updated',
    issueKey,
    statusChange: change,
    user,
    timestamp: Date.now(),
  };
}

const comments = () => callsTo(h.sandbox.jira.counters, 'POST', /\/comment$/);

describe('Jira deliveries', () => {
  it('apply a person’s decision once, however many times and however often it is delivered', async () => {
    h = await startRuntimeHarness({ sqlMode: 'manual' });
    const executing = await h.intakeUntil('sqlExecuting');
    const key = executing.key!;
    const workflowId = executing.sqlOrders[0]!.workflowId!;
    await h.sandbox.archery.dba.pass(workflowId);
    // Finished at once: the confirmation stands only on Archery showing the order finished.
    await h.sandbox.archery.dba.execute(workflowId, 'manual');
    await h.sandbox.jira.actAs('dba.wang').transition(key, 'SQL升级成功');

    const change = { from: 'SQL执行中', to: 'CONFIG执行中' };
    const same = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.runtime.acceptJiraDelivery(delivery(key, `${key}:42:status`, change, 'dba.wang'), 2048),
      ),
    );
    // Jira Data Center may also deliver the same change again under another derived key.
    const redelivered = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        h.runtime.acceptJiraDelivery(delivery(key, `${key}:42:status:retry${i}`, change, 'dba.wang'), 2048),
      ),
    );
    expect(same.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(redelivered.every((r) => !r.duplicate)).toBe(true);

    await h.waitFor(key, (r) => r.state === 'uatComplete', 'uatComplete');
    const confirmations = ((await h.runtime.history(key)) ?? []).filter((e) => e.event === 'SQL_CONFIRMED');
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toMatchObject({ source: 'jira', actor: 'dba.wang', accepted: true });
    // No refusal was commented: the only comments are the order list (when the orders were submitted,
    // and once the DBA confirmed them).
    expect(h.sandbox.jira.issue(key)?.comments.filter((c) => !c.startsWith('SQL work orders:'))).toEqual([]);
    expect(comments()).toBe(2);
    expect(callsTo(h.sandbox.cmdb.counters, 'POST', /upgrade$/)).toBe(1);
  });

  it('records a delivery about an issue cdflow does not manage, and does nothing else', async () => {
    // No simulators: an unknown issue must not lead to any upstream call (the ports would fail the test).
    h = await startRuntimeHarness({ upstreams: false });
    const answer = await h.runtime.acceptJiraDelivery(
      delivery('ZZ-999', 'ZZ-999:1:status', { from: 'Open', to: 'Done' }, 'someone'),
      512,
    );
    expect(answer.duplicate).toBe(false);
    await h.runtime.idle();
    const row = await h.store.deliveries.getByDedupeKey('ZZ-999:1:status');
    expect(row).toMatchObject({
      status: 'processed',
      outcome: 'unknown-issue',
      issueKey: 'ZZ-999',
      rawSize: 512,
    });
  });

  it('stores a delivery without a status change as processed when it answers: nothing is left to do', async () => {
    h = await startRuntimeHarness({ sqlMode: 'manual' });
    const key = (await h.intakeUntil('sqlExecuting')).key!;
    await h.runtime.idle();
    const issueReads = () => callsTo(h.sandbox.jira.counters, 'GET', /\/issue\//);
    const reads = issueReads();

    const comment = await h.runtime.acceptJiraDelivery(
      delivery(key, `${key}:9:comment`, null, 'tester.li'),
      900,
    );
    const unmanaged = await h.runtime.acceptJiraDelivery(delivery('ZZ-1', 'ZZ-1:3:comment', null, 'x'), 300);
    expect([comment.duplicate, unmanaged.duplicate]).toEqual([false, false]);
    // Read as the answers return, before anything ran after them.
    expect(await h.store.deliveries.getByDedupeKey(`${key}:9:comment`)).toMatchObject({
      status: 'processed',
      outcome: 'no-status-change',
      detail: { issueKey: key, user: 'tester.li' },
    });
    expect(await h.store.deliveries.getByDedupeKey('ZZ-1:3:comment')).toMatchObject({
      status: 'processed',
      outcome: 'unknown-issue',
    });
    expect(await h.store.deliveries.unprocessed()).toEqual([]);
    await h.runtime.idle();
    // The release is where it was, and the issue was not read again for the deliveries.
    expect((await h.runtime.getRelease(key))?.state).toBe('sqlExecuting');
    expect(issueReads()).toBe(reads);
  });

  it('refuses a move the machine does not allow: recorded in the history and answered with a comment', async () => {
    // A policy error keeps the release in sqlPending.failed, waiting for a new iteration.
    h = await startRuntimeHarness({
      checkPolicy: async () => [
        {
          ruleId: 'DF-V001',
          severity: 'error',
          location: 'version',
          message: 'version must grow',
          suggestion: 'bump it',
        },
      ],
    });
    const failed = await h.intakeUntil('sqlPending.failed');
    const key = failed.key!;
    const commentsBefore = comments();
    await h.sandbox.jira.actAs('dev.li').transition(key, '提交SQL');

    await h.runtime.acceptJiraDelivery(
      delivery(key, `${key}:7:status`, { from: 'SQL待执行', to: 'SQL执行中' }, 'dev.li'),
      1024,
    );
    await h.runtime.idle();

    const after = (await h.runtime.getRelease(key))!;
    expect(after.state).toBe('sqlPending.failed');
    expect(after.revision).toBe(failed.revision);
    const refusal = ((await h.runtime.history(key)) ?? []).find((e) => e.event === 'JIRA_STATUS_CHANGE');
    expect(refusal).toMatchObject({ source: 'jira', actor: 'dev.li', accepted: false });
    expect(JSON.stringify(refusal?.detail)).toMatch(/提交SQL/);
    expect(comments()).toBe(commentsBefore + 1);
    expect((await h.store.deliveries.getByDedupeKey(`${key}:7:status`))?.outcome).toBe('refused');
  });
});
