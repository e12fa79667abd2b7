/**
 * The SQL stage's steps in order when the texts come from the SQL source: read the files, the policy
 * gate, the Archery routes, then the submissions; an item already in UAT is neither read nor routed;
 * an unexecuted order of an earlier iteration whose file is read again is kept when the text is the
 * same and cancelled when it changed.
 */
import { normalizeReleaseRequest, type ReleaseEffect } from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { SQL1, SQL2 } from './first-upgrade-items.js';
import { Drive, fixture, requestFrom, settings, summarize } from './release-driver.js';
import { a18NormalizeOptions, svnSqlText } from './svn-sql-source.js';
import { orderSubmitted } from './upstream-answers.js';

const DDL = 'ALTER TABLE store ADD city INT;';
const DML = "UPDATE store SET city = 'x';";

/** The original release system's SQL items (a file at a revision, no text). */
function originalRequest(change?: (items: Array<Record<string, unknown>>) => void) {
  const body = fixture('first-upgrade.json');
  const items = body.sql_info as Array<Record<string, unknown>>;
  for (const item of items) delete item.sql_content;
  change?.(items);
  return normalizeReleaseRequest(requestFrom(body), { ...a18NormalizeOptions(), sqlSource: 'svn' });
}

const reads = (effects: ReleaseEffect[]) => effects.flatMap((e) => (e.type === 'sql.fetch' ? [e] : []));

/** Read every file the last decision asked for, answering with `texts[sqlId]`. */
function answerReads(d: Drive, texts: Record<string, string>): void {
  for (const read of reads(d.last.effects)) {
    d.send({ type: 'SQL_TEXT_FETCHED', ref: read.ref, text: svnSqlText(texts[read.sqlIds[0]!]!) });
  }
}

describe('the SQL stage in order', () => {
  it('reads the texts, then the policy gate, then the Archery routes, then submits', () => {
    const d = new Drive(originalRequest(), settings({ policyGate: true }));
    expect(d.state).toBe('sqlPending.fetchingSql');
    answerReads(d, { [SQL1]: DDL, [SQL2]: DML });
    expect(d.state).toBe('sqlPending.awaitingPolicy');
    expect(summarize(d.last.effects)).toEqual(['policy.check']);

    d.send({ type: 'POLICY_CHECKED', findings: [] });
    expect(d.state).toBe('sqlPending.resolvingRoutes');
    const routes = d.last.effects.find((e) => e.type === 'archery.resolveRoutes');
    expect(routes?.type === 'archery.resolveRoutes' && routes.routes).toEqual([
      { sqlId: SQL1, instance: 'acc', group: 'A18', dbName: null },
      { sqlId: SQL2, instance: 'acc', group: 'A18', dbName: null },
    ]);

    d.resolveRoutes({ acc: 'acc_main' });
    expect(d.state).toBe('sqlPending.submitting');
    const submit = d.last.effects.find((e) => e.type === 'archery.submitOrder');
    expect(
      submit?.type === 'archery.submitOrder' && [submit.order.sqlId, submit.order.dbName, submit.order.sql],
    ).toEqual([SQL1, 'acc_main', DDL]);
  });

  it('an item already in UAT is neither read nor routed, even on a path no rule routes', () => {
    const request = originalRequest((items) => {
      items[1]!.has_deploy_uat = true;
      items[1]!.svn_path = 'database_acc/unrouted';
    });
    const d = new Drive(request, settings({ policyGate: false }));
    expect(reads(d.last.effects).map((r) => r.sqlIds)).toEqual([[SQL1]]);
    answerReads(d, { [SQL1]: DDL });
    expect(d.state).toBe('sqlPending.resolvingRoutes');
    const routes = d.last.effects.find((e) => e.type === 'archery.resolveRoutes');
    expect(routes?.type === 'archery.resolveRoutes' && routes.routes.map((r) => r.sqlId)).toEqual([SQL1]);
  });
});

describe('an iteration naming a new revision of a file an unexecuted order runs', () => {
  /** Iteration 1 submitted both orders; the DBA reported the first failed (the second never ran). */
  function failedWithTwoOrders(): Drive {
    const d = new Drive(originalRequest(), settings({ policyGate: false }));
    answerReads(d, { [SQL1]: DDL, [SQL2]: DML });
    d.resolveRoutes();
    d.send({ type: 'ISSUE_READY', issueKey: 'AC-1', created: true });
    d.send(orderSubmitted(SQL1, 11));
    d.send(orderSubmitted(SQL2, 12));
    expect(d.state).toBe('sqlExecuting.watching');
    d.send({ type: 'SQL_REPORTED_FAILED', by: 'dba.li', reason: 'column exists' });
    expect(d.state).toBe('sqlPending.failed');
    return d;
  }

  const atRevision = (revision: string) =>
    originalRequest((items) => {
      for (const item of items) item.svn_version = revision;
    });

  it('keeps the order when the text read is the one it runs: not cancelled, not submitted again', () => {
    const d = failedWithTwoOrders();
    const iteration = d.send({ type: 'NEW_ITERATION', request: atRevision('2400'), by: 'release-system' });
    expect(iteration.state).toBe('sqlPending.fetchingSql');
    // Whether an order is replaced is not known before its file is read: nothing is cancelled yet.
    expect(summarize(iteration.effects)).not.toContain('archery.cancelOrder 11');
    expect(summarize(iteration.effects)).not.toContain('archery.cancelOrder 12');
    const [first, second] = reads(iteration.effects);
    const changed = d.send({
      type: 'SQL_TEXT_FETCHED',
      ref: first!.ref,
      text: svnSqlText('ALTER TABLE store ADD city2 INT;'),
    });
    expect(summarize(changed.effects)).toEqual(['archery.cancelOrder 11']);
    const same = d.send({ type: 'SQL_TEXT_FETCHED', ref: second!.ref, text: svnSqlText(DML) });
    expect(summarize(same.effects)).not.toContain('archery.cancelOrder 12');
    expect(d.context.sqlOrders.map((o) => [o.sqlId, o.workflowId])).toEqual([
      [SQL1, null],
      [SQL2, 12],
    ]);
    expect(d.context.replacedOrders).toEqual([
      expect.objectContaining({ sqlId: SQL1, workflowId: 11, iteration: 2, reason: 'content changed' }),
    ]);
    expect(d.context.ordersAwaitingText).toBeUndefined();
    // Only the changed item is routed and submitted.
    expect(d.state).toBe('sqlPending.resolvingRoutes');
    d.resolveRoutes();
    expect(summarize(d.last.effects)).toEqual([`archery.submitOrder ${SQL1}`]);
  });

  it('cancels the order once its file is read with another text, as content changed', () => {
    const d = failedWithTwoOrders();
    d.send({ type: 'NEW_ITERATION', request: atRevision('2400'), by: 'release-system' });
    const [first, second] = reads(d.last.effects);
    const one = d.send({ type: 'SQL_TEXT_FETCHED', ref: first!.ref, text: svnSqlText(DDL) });
    // The first file kept its text: its order is kept.
    expect(summarize(one.effects)).toEqual([]);
    const two = d.send({
      type: 'SQL_TEXT_FETCHED',
      ref: second!.ref,
      text: svnSqlText("UPDATE store SET city = 'y';"),
    });
    expect(summarize(two.effects)).toContain('archery.cancelOrder 12');
    const cancel = two.effects.find((e) => e.type === 'archery.cancelOrder');
    expect(cancel?.type === 'archery.cancelOrder' && cancel.reason).toContain('content changed');
    expect(d.context.sqlOrders.map((o) => [o.sqlId, o.workflowId, o.status])).toEqual([
      [SQL1, 11, 'workflow_manreviewing'],
      [SQL2, null, 'pending'],
    ]);
  });
});
