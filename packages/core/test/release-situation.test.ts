/** Where a release is and why (`explainRelease`): the step, what it waits for, the last failure in full. */
import {
  defaultJiraWorkflowNames,
  explainRelease,
  type JiraWorkflowNames,
  legacySqlInfo,
  type PolicyFindingSummary,
  type ReleaseEffect,
  situationErrorMessage,
  type TimerName,
  waitsOn,
  waitsOnNow,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { SQL1, SQL2 } from './first-upgrade-items.js';
import { Drive, normalizedFixture, settings } from './release-driver.js';
import { orderSubmitted, readOrder } from './upstream-answers.js';

const finding: PolicyFindingSummary = {
  ruleId: 'DF-D001',
  severity: 'error',
  location: '01.acc_ddl_store.sql:1',
  message: 'column laboratory.name is renamed',
  suggestion: 'Keep name; add full_name as a new column',
};

function started(s = settings()): Drive {
  const d = new Drive(normalizedFixture('first-upgrade.json'), s);
  d.send({ type: 'ISSUE_READY', issueKey: 'AC-7', created: true });
  return d;
}

function toSqlExecuting(s = settings()): Drive {
  const d = started(s);
  d.send({ type: 'POLICY_CHECKED', findings: [] });
  d.resolveRoutes();
  d.send(orderSubmitted(SQL1, 11));
  d.send(orderSubmitted(SQL2, 12));
  return d;
}

const at = (iso: string) => Date.parse(iso);

/** The release as `d` drives it now, explained while the host still tries `effect` (queued at 10:00). */
function explainWhilePending(
  d: Drive,
  effect: ReleaseEffect,
  attempts: number,
  nextAttemptAt: number,
  lastError: string | null,
) {
  return explainRelease(
    { state: d.state, context: d.context },
    { pendingEffect: { effect, attempts, nextAttemptAt, lastError, queuedAt: '2026-11-22T10:00:00.000Z' } },
  );
}

/** The release as `d` drives it now, explained with `timer` pending until `dueAt`. */
function explainWithTimer(d: Drive, timer: TimerName, dueAt: string) {
  return explainRelease(
    { state: d.state, context: d.context },
    { timers: [{ name: timer, dueAt: at(dueAt) }] },
  );
}

describe('explainRelease: a policy refusal', () => {
  it('carries every finding (rule, location, message, fix) in the failure, the summary and the legacy errormessage', () => {
    const d = started();
    d.send({ type: 'POLICY_CHECKED', findings: [finding] });
    expect(d.state).toBe('sqlPending.failed');
    expect(d.context.failure?.findings).toEqual([finding]);

    const situation = explainRelease({ state: d.state, context: d.context });
    expect(situation.step).toBe(
      'SQL待执行: SQL failed: the versioning policy refused it; nothing was submitted to Archery',
    );
    expect(situation.lastFailure?.stage).toBe('policy');
    expect(situation.lastFailure?.findings).toEqual([finding]);
    const line =
      '[DF-D001] 01.acc_ddl_store.sql:1: column laboratory.name is renamed (fix: Keep name; add full_name as a new column)';
    expect(situation.lastFailure?.reason).toBe(`the versioning policy refused the SQL: ${line}`);
    expect(situation.summary).toContain(line);
    expect(situationErrorMessage(situation)).toContain(line);
    // What a person does next: fix it, and the release system publishes again.
    expect(situation.waitsFor).toMatchObject({ kind: 'person', who: 'the developers' });
  });
});

describe('explainRelease: an upstream that keeps failing', () => {
  it('names the upstream, since when, the failed tries, the next try and the last error (Archery answering 500)', () => {
    const d = started();
    d.send({ type: 'POLICY_CHECKED', findings: [] });
    const decision = d.resolveRoutes();
    expect(d.state).toBe('sqlPending.submitting');
    const submit = decision.effects.find((e) => e.type === 'archery.submitOrder') as ReleaseEffect;
    const situation = explainWhilePending(
      d,
      submit,
      6,
      at('2026-11-22T10:01:32.000Z'),
      'Archery answered 500 Internal Server Error',
    );
    expect(situation.waitsFor).toEqual({
      kind: 'upstream',
      upstream: 'archery',
      task: `cdflow submits SQL ${SQL1} to Archery as a work order`,
      since: '2026-11-22T10:00:00.000Z',
      attempts: 6,
      nextTryAt: '2026-11-22T10:01:32.000Z',
      lastError: 'Archery answered 500 Internal Server Error',
    });
    expect(situation.lastFailure).toBeNull();
    expect(situation.summary).toContain('6 tries failed since 2026-11-22T10:00:00.000Z');
    expect(situation.summary).toContain('next try (attempt 7) at 2026-11-22T10:01:32.000Z');
    expect(situationErrorMessage(situation)).toBe(
      'Archery is failing: Archery answered 500 Internal Server Error (6 tries since 2026-11-22T10:00:00.000Z; next try at 2026-11-22T10:01:32.000Z)',
    );
  });

  it('an effect not tried yet is due now: no next-look time (never the epoch)', () => {
    const d = started();
    d.send({ type: 'POLICY_CHECKED', findings: [] });
    const decision = d.resolveRoutes();
    const submit = decision.effects.find((e) => e.type === 'archery.submitOrder') as ReleaseEffect;
    const situation = explainWhilePending(d, submit, 0, 0, null);
    expect(situation.waitsFor).toMatchObject({ kind: 'upstream', upstream: 'archery', nextTryAt: null });
    expect(situation.summary).not.toContain('1970');
    expect(situation.summary).not.toContain('next look at');
  });

  it('a failing upstream comes first even while the step waits for a person (a Jira move that cannot land)', () => {
    const d = toSqlExecuting();
    const move: ReleaseEffect = {
      type: 'jira.moveTo',
      idempotencyKey: 'rel-1:move',
      revision: 4,
      state: 'sqlExecuting',
      via: 'submitSql',
    };
    const situation = explainWhilePending(d, move, 2, at('2026-11-22T10:00:10.000Z'), 'Jira answered 503');
    expect(situation.waitsFor).toMatchObject({
      kind: 'upstream',
      upstream: 'jira',
      task: 'cdflow moves the Jira issue to SQL执行中',
      attempts: 2,
    });
  });
});

describe('explainRelease: waiting for a person', () => {
  it('says who, doing what, by which Jira transition or API event, and which groups may', () => {
    const d = toSqlExecuting();
    const situation = explainRelease(
      { state: d.state, context: d.context },
      { allowedGroups: { SQL_CONFIRMED: ['dba'], SQL_REPORTED_FAILED: ['dba', 'ops'] } },
    );
    expect(situation.step).toBe(
      'SQL执行中: the DBA reviews and executes the SQL work orders in Archery, in sequence order, then confirms; cdflow watches Archery',
    );
    expect(situation.waitsFor).toEqual({
      kind: 'person',
      who: 'the DBA',
      task:
        `review and execute #1 ${SQL1} (work order 11, workflow_manreviewing), ` +
        `#2 ${SQL2} (work order 12, workflow_manreviewing) in Archery, in sequence order, then confirm ` +
        '(cdflow checks Archery shows every order finished)',
      moves: [
        { event: 'SQL_CONFIRMED', jiraTransition: 'SQL升级成功', allowedGroups: ['dba'] },
        { event: 'SQL_REPORTED_FAILED', jiraTransition: 'SQL升级失败', allowedGroups: ['dba', 'ops'] },
      ],
    });
    expect(situation.summary).toContain('SQL升级成功 (SQL_CONFIRMED, by dba) or SQL升级失败');
  });

  it("uses the site's names for statuses and transitions", () => {
    const english: JiraWorkflowNames = {
      statuses: { ...defaultJiraWorkflowNames.statuses, configExecuting: 'CONFIG PROCESSING' },
      transitions: { ...defaultJiraWorkflowNames.transitions, configSucceeded: 'CONFIG DONE' },
    };
    const d = toSqlExecuting();
    d.confirmSql('dba.li');
    expect(d.state).toBe('configExecuting.awaitingConfirmation');
    const situation = explainRelease({ state: d.state, context: d.context }, { names: english });
    expect(situation.step).toBe('CONFIG PROCESSING: ops apply the configuration and confirm');
    expect(situation.waitsFor).toMatchObject({ kind: 'person', who: 'ops' });
    const moves = situation.waitsFor?.kind === 'person' ? situation.waitsFor.moves : [];
    expect(moves.map((m) => [m.event, m.jiraTransition, m.allowedGroups])).toEqual([
      ['CONFIG_CONFIRMED', 'CONFIG DONE', null],
      ['CONFIG_REPORTED_FAILED', '配置升级失败', null],
    ]);
  });
});

describe('explainRelease: waiting for a timer', () => {
  it('the pre-deploy delay: which timer and when it fires', () => {
    const d = toSqlExecuting(settings({ preDeployDelayMs: 30_000 }));
    d.confirmSql('dba.li');
    d.send({ type: 'CONFIG_CONFIRMED', by: 'ops.wang' });
    expect(d.state).toBe('codeExecuting.delaying');
    const situation = explainWithTimer(d, 'deploy.delay', '2026-11-22T10:00:30.000Z');
    expect(situation.waitsFor).toEqual({
      kind: 'timer',
      timer: 'deploy.delay',
      purpose: 'the pre-deploy delay (image sync) ends and cdflow deploys',
      firesAt: '2026-11-22T10:00:30.000Z',
    });
    expect(situation.summary).toContain('Waits for a timer (deploy.delay)');
    expect(situation.summary).toContain('at 2026-11-22T10:00:30.000Z');
  });
});

describe('explainRelease: the SQL mode decides who sqlExecuting waits on', () => {
  it('manual: a person; watch and auto: Archery (a Jira move is still accepted in every mode)', () => {
    expect(waitsOnNow('sqlExecuting', { sqlMode: 'manual' })).toBe('person');
    expect(waitsOnNow('sqlExecuting', { sqlMode: 'watch' })).toBe('upstream');
    expect(waitsOnNow('sqlExecuting', { sqlMode: 'auto' })).toBe('upstream');
    expect(waitsOn('sqlExecuting')).toBe('person');
  });

  it('watch: waits for the DBA working in Archery, with the next look at Archery', () => {
    const d = toSqlExecuting(settings({ sqlMode: 'watch' }));
    const situation = explainWithTimer(d, 'archery.poll', '2026-11-22T10:00:05.000Z');
    expect(situation.waitsFor).toEqual({
      kind: 'upstream',
      upstream: 'archery',
      task: `the DBA reviews and executes #1 ${SQL1} (work order 11, workflow_manreviewing) in Archery; cdflow reads Archery's status`,
      since: null,
      attempts: 0,
      nextTryAt: '2026-11-22T10:00:05.000Z',
      lastError: null,
    });
    expect(situation.timers).toEqual([
      {
        timer: 'archery.poll',
        purpose: "cdflow reads the work orders' status in Archery again",
        firesAt: '2026-11-22T10:00:05.000Z',
      },
    ]);
  });
});

describe("explainRelease: Archery's messages reach the failure", () => {
  it("an auto-review rejection at submission keeps the review's message (failure, orders, legacy sql_info)", () => {
    const d = started();
    d.send({ type: 'POLICY_CHECKED', findings: [] });
    d.resolveRoutes();
    d.send({
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: SQL1,
      workflowId: 11,
      status: 'workflow_autoreviewwrong',
      error: "Table 'laboratory' doesn't exist",
    });
    expect(d.state).toBe('sqlPending.failed');
    const situation = explainRelease({ state: d.state, context: d.context });
    expect(situation.lastFailure?.reason).toBe(
      `Archery rejected ${SQL1} (order 11, workflow_autoreviewwrong: Table 'laboratory' doesn't exist) at submission`,
    );
    expect(situation.lastFailure?.orders).toEqual([
      {
        sqlId: SQL1,
        seq: 1,
        workflowId: 11,
        status: 'workflow_autoreviewwrong',
        message: "Table 'laboratory' doesn't exist",
      },
    ]);
    expect(legacySqlInfo(d.context)[0]?.errormessage).toBe("Table 'laboratory' doesn't exist");
  });

  it("an execution failure seen by a poll names the order and Archery's message", () => {
    const d = toSqlExecuting(settings({ sqlMode: 'watch' }));
    d.send({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    d.send({
      type: 'SQL_ORDERS_POLLED',
      orders: [
        readOrder(11, 'workflow_exception', "Unknown column 'city'"),
        readOrder(12, 'workflow_manreviewing'),
      ],
    });
    expect(d.state).toBe('sqlPending.failed');
    expect(situationErrorMessage(explainRelease({ state: d.state, context: d.context }))).toBe(
      `SQL order(s) failed in Archery: ${SQL1} (order 11, workflow_exception: Unknown column 'city')`,
    );
  });
});

describe('explainRelease: checking a confirmation, an audit Archery refused, an effect that failed for good', () => {
  it("a person's SQL升级成功 being checked waits for Archery, naming who confirmed", () => {
    const d = toSqlExecuting();
    d.send({ type: 'SQL_CONFIRMED', by: 'dba.li' });
    expect(d.state).toBe('sqlExecuting.confirming');
    const situation = explainRelease({ state: d.state, context: d.context });
    expect(situation.step).toBe(
      'SQL执行中: cdflow reads every work order in Archery to check SQL升级成功 by dba.li',
    );
    expect(situation.waitsFor).toMatchObject({ kind: 'upstream', upstream: 'archery' });
  });

  it('an order whose audit Archery refused to cdflow waits for a DBA to audit it', () => {
    const d = toSqlExecuting(settings({ sqlMode: 'auto' }));
    d.send({
      type: 'SQL_AUDIT_REFUSED',
      workflowId: 11,
      sqlId: SQL1,
      reason: '当前配置禁止本人审核自己的工单',
    });
    const situation = explainRelease({ state: d.state, context: d.context });
    expect(situation.waitsFor).toMatchObject({
      kind: 'upstream',
      task: `a DBA audits and executes #1 ${SQL1} (work order 11, workflow_manreviewing) in Archery (Archery refused cdflow's own audit: 当前配置禁止本人审核自己的工单); cdflow reads Archery's status`,
    });
  });

  it('an effect that failed for good stops the release visibly: the step, the reason, the retry route', () => {
    const d = toSqlExecuting();
    d.send({
      type: 'EFFECT_FAILED',
      effectType: 'jira.ensureIssue',
      idempotencyKey: 'rel-1:issue',
      reason: "Jira answered 400: customfield_10101: Option value '' is not valid",
    });
    const situation = explainRelease(
      { state: d.state, context: d.context },
      { failedEffects: [{ id: 7, idempotencyKey: 'rel-1:issue' }], releaseRef: 'rel-1' },
    );
    expect(situation.step).toContain('stopped: jira.ensureIssue failed; an operator retries it');
    expect(situation.lastFailure).toMatchObject({ stage: 'jira' });
    expect(situation.lastFailure?.reason).toContain("Option value '' is not valid");
    expect(situation.waitsFor).toMatchObject({
      kind: 'person',
      who: 'an operator',
      retry: [
        {
          effectId: 7,
          effectType: 'jira.ensureIssue',
          route: 'POST /api/releases/rel-1/effects/7/retry',
        },
      ],
    });
    d.send({
      type: 'EFFECT_RETRY_REQUESTED',
      idempotencyKey: 'rel-1:issue',
      effectType: 'jira.ensureIssue',
      by: 'op',
    });
    const after = explainRelease({ state: d.state, context: d.context });
    expect(after.lastFailure).toBeNull();
    expect(after.step).not.toContain('stopped');
  });
});

describe('explainRelease: a finished release', () => {
  it('waits for nothing', () => {
    const d = toSqlExecuting(settings({ policyGate: true }));
    const closed = explainRelease({ state: 'closed', context: d.context });
    expect(closed.waitsFor).toBeNull();
    expect(closed.summary).toBe('升级流程结束: the release is closed. Nothing more to do.');
  });
});
