import {
  type DeployReport,
  decide,
  describeRelease,
  MachineVersionError,
  type NormalizedRequest,
  type PolicyFindingSummary,
  type ReadOrder,
  type ReleaseEvent,
  releaseMachineVersion,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { CONSOLE, REPORT, SQL1, SQL2 } from './first-upgrade-items.js';
import { Drive, expectDecision, normalizedFixture, settings, summarize } from './release-driver.js';
import { orderSubmitted, polledTask, readOrder } from './upstream-answers.js';

const first = () => normalizedFixture('first-upgrade.json');

const policyError: PolicyFindingSummary = {
  ruleId: 'DF-D007',
  severity: 'error',
  location: '01.acc_ddl_store.sql:1',
  message: 'column added without history migration',
  suggestion: 'add the history table migration',
};

/** Drive to sqlExecuting with both orders submitted (workflow ids 11, 12). */
function toSqlExecuting(request: NormalizedRequest = first(), s = settings()): Drive {
  const d = new Drive(request, s);
  d.send({ type: 'ISSUE_READY', issueKey: 'AC-7', created: true });
  if (s.policyGate) d.send({ type: 'POLICY_CHECKED', findings: [] });
  d.resolveRoutes();
  d.send(orderSubmitted(SQL1, 11));
  d.send(orderSubmitted(SQL2, 12));
  return d;
}

function toCodeExecuting(s = settings()): Drive {
  const d = toSqlExecuting(first(), s);
  d.confirmSql('dba.li');
  d.send({ type: 'CONFIG_CONFIRMED', by: 'ops.wang' });
  return d;
}

/** The CMDB targets of the fixture's services: the console deploys to two, the report service to one. */
const consoleTargets = [
  { id: 12, name: 'UAT_a18_console' },
  { id: 13, name: 'UAT_a18_console_job' },
];
const reportTargets = [{ id: 20, name: 'UAT_a18_report_V2' }];

function findTargets(d: Drive): Drive {
  d.send({ type: 'DEPLOY_TARGETS_FOUND', service: CONSOLE, targets: consoleTargets });
  d.send({ type: 'DEPLOY_TARGETS_FOUND', service: REPORT, targets: reportTargets });
  return d;
}

/** What a confirmed SQL stage decides as it ends: the poll stops, Jira moves on, the final list is shown. */
const sqlSucceededEffects = [
  'timer.cancel archery.poll',
  'jira.moveTo configExecuting via sqlSucceeded',
  'jira.showOrders',
];

/** An order failed in Archery: Jira goes back to SQL待执行 with a comment, the order list shown again. */
const orderFailedEffects = ['jira.moveTo sqlPending via sqlFailed', 'jira.comment', 'jira.showOrders'];

/** The SQL stage starting in watch mode: Jira moves on, Archery is polled on a timer, the list is shown. */
const watchStartEffects = [
  'jira.moveTo sqlExecuting via submitSql',
  'timer.schedule archery.poll',
  'jira.showOrders',
];

/** UAT自动迭代升级 from uatComplete: the fields first, then the Jira move, then the policy check. */
const autoIterationEffects = [
  'jira.updateFields',
  'jira.moveTo sqlPending via uatAutoIteration',
  'policy.check',
];

/** Both SQL items routed to the database named after their instance. */
const routedToAcc: ReleaseEvent = {
  type: 'SQL_ROUTES_RESOLVED',
  routes: [
    { sqlId: SQL1, dbName: 'acc' },
    { sqlId: SQL2, dbName: 'acc' },
  ],
};

const started = (service: string, targetId: number, attempt: number, taskId: string) =>
  ({ service, targetId, attempt, outcome: 'started', taskId }) as const;

/** A deploy the CMDB answered at once: done, failed, or not sent for want of a free slot. */
const answered = (
  service: string,
  targetId: number,
  attempt: number,
  outcome: 'success' | 'failed' | 'queued',
  message: string,
): DeployReport => ({ service, targetId, attempt, outcome, message });

function toUatComplete(): Drive {
  const d = findTargets(toCodeExecuting());
  d.reportDeploys([
    started(CONSOLE, 12, 1, 't1'),
    started(CONSOLE, 13, 1, 't2'),
    started(REPORT, 20, 1, 't3'),
  ]);
  d.pollDeployTasks([
    polledTask(CONSOLE, 12, 1, 'success'),
    polledTask(CONSOLE, 13, 1, 'success'),
    polledTask(REPORT, 20, 1, 'success'),
  ]);
  return d;
}

describe('rule 1/2: starting a release', () => {
  it('ensures the issue first, then runs the policy gate before any SQL is submitted', () => {
    const d = new Drive(first());
    expect(d.state).toBe('sqlPending.awaitingPolicy');
    expect(d.context.iteration).toBe(1);
    expect(summarize(d.last.effects)).toEqual(['jira.ensureIssue', 'policy.check']);
    const check = d.last.effects[1]!;
    expect(check.type === 'policy.check' && check.sql.map((s) => s.sqlId)).toEqual([SQL1, SQL2]);
    expect(d.last.effects[0]!.idempotencyKey).toBe('rel-1:issue');
  });

  it('ISSUE_READY records the issue key and changes nothing else', () => {
    const d = new Drive(first());
    const r = d.send({ type: 'ISSUE_READY', issueKey: 'AC-7', created: true });
    expect(r.accepted).toBe(true);
    expect(r.context.issueKey).toBe('AC-7');
    expect(r.state).toBe('sqlPending.awaitingPolicy');
    expect(r.effects).toEqual([]);
  });

  it('submits orders one at a time in sequence order, then moves Jira to SQL执行中 via 提交SQL', () => {
    const d = new Drive(first());
    const afterPolicy = d.send({ type: 'POLICY_CHECKED', findings: [] });
    expect(summarize(afterPolicy.effects)).toEqual(['archery.resolveRoutes']);
    const resolve = afterPolicy.effects[0]!;
    expect(resolve.type === 'archery.resolveRoutes' && resolve.routes).toEqual([
      { sqlId: SQL1, instance: 'acc', group: 'A18', dbName: null },
      { sqlId: SQL2, instance: 'acc', group: 'A18', dbName: null },
    ]);
    // Before any order is submitted, Archery checks every item in the database it runs in.
    const resolved = d.send({
      type: 'SQL_ROUTES_RESOLVED',
      routes: [
        { sqlId: SQL1, dbName: 'acc_main' },
        { sqlId: SQL2, dbName: 'acc_main' },
      ],
    });
    expectDecision(resolved, 'sqlPending.checkingSql', ['archery.checkSql']);
    const check = resolved.effects[0]!;
    expect(
      check.type === 'archery.checkSql' && check.items.map((i) => [i.sqlId, i.instance, i.dbName]),
    ).toEqual([
      [SQL1, 'acc', 'acc_main'],
      [SQL2, 'acc', 'acc_main'],
    ]);
    const routed = d.checkSql();
    expect(summarize(routed.effects)).toEqual([`archery.submitOrder ${SQL1}`]);
    const submit = routed.effects[0]!;
    expect(submit.type === 'archery.submitOrder' && submit.order).toMatchObject({
      seq: 1,
      workflowName: '【A18】【升级】20261201_01 #1/2',
      instance: 'acc',
      dbName: 'acc_main',
      group: 'A18',
    });
    expect(submit.idempotencyKey).toMatch(new RegExp(`^rel-1:sql:${SQL1}:[0-9a-f]{64}$`));
    const second = d.send(orderSubmitted(SQL1, 11));
    expect(summarize(second.effects)).toEqual([`archery.submitOrder ${SQL2}`]);
    const done = d.send(orderSubmitted(SQL2, 12));
    expect(done.state).toBe('sqlExecuting.watching');
    // cdflow reads Archery in every mode (manual too: read-only).
    expect(summarize(done.effects)).toEqual(watchStartEffects);
    const shown = done.effects[2]!;
    expect(
      shown.type === 'jira.showOrders' && shown.orders.map((o) => [o.seq, o.workflowId, o.status]),
    ).toEqual([
      [1, 11, 'workflow_manreviewing'],
      [2, 12, 'workflow_manreviewing'],
    ]);
    expect(done.context.sqlOrders.map((o) => o.workflowId)).toEqual([11, 12]);
    expect(done.context.jiraMirror).toBe('sqlExecuting');
  });

  it('names work orders <summary> #<seq>/<total>, cutting the summary (not the suffix) to 50 characters', () => {
    const long = `【A18】【升级】${'很长的发布说明'.repeat(12)}`;
    const d = new Drive(normalizedFixture('first-upgrade.json', (b) => Object.assign(b, { summary: long })));
    d.send({ type: 'POLICY_CHECKED', findings: [] });
    const submit = d.resolveRoutes().effects[0]!;
    const name = submit.type === 'archery.submitOrder' ? submit.order.workflowName : '';
    expect(Array.from(name)).toHaveLength(50);
    expect(name.endsWith(' #1/2')).toBe(true);
    expect(long.startsWith(name.slice(0, -' #1/2'.length))).toBe(true);
  });

  it('a code-only release is version-checked too: a refused version deploys nothing', () => {
    const codeOnly = normalizedFixture('first-upgrade.json', (b) => {
      b.sql_info = [];
      b.apollo_info = [];
      b.config_info = [];
    });
    const d = new Drive(codeOnly);
    expect(summarize(d.last.effects)).toEqual(['jira.ensureIssue', 'policy.check']);
    const check = d.last.effects[1]!;
    expect(check.type === 'policy.check' && check.sql).toEqual([]);
    const refused = d.send({
      type: 'POLICY_CHECKED',
      findings: [
        {
          ruleId: 'DF-V002',
          severity: 'error',
          location: 'version',
          message: 'version 1.0.0 goes backwards from 1.1.1',
          suggestion: 'publish a version ≥ 1.1.1',
        },
      ],
    });
    expectDecision(refused, 'sqlPending.failed', ['jira.comment']);
    const comment = refused.effects[0]!;
    expect(comment.type === 'jira.comment' && comment.body).toContain('DF-V002');
  });

  it('a policy violation fails the stage, comments the findings and submits nothing', () => {
    const d = new Drive(first());
    const r = d.send({ type: 'POLICY_CHECKED', findings: [policyError] });
    expectDecision(r, 'sqlPending.failed', ['jira.comment']);
    const comment = r.effects[0]!;
    expect(comment.type === 'jira.comment' && comment.body).toContain('DF-D007');
    expect(r.context.failure).toMatchObject({ stage: 'policy' });
  });

  it('policy warnings are kept and do not stop the submission', () => {
    const d = new Drive(first());
    const r = d.send({ type: 'POLICY_CHECKED', findings: [{ ...policyError, severity: 'warning' }] });
    expect(r.state).toBe('sqlPending.resolvingRoutes');
    expect(d.resolveRoutes().state).toBe('sqlPending.submitting');
    expect(r.context.warnings).toHaveLength(1);
  });

  it("Archery's check (sqlcheck) refusing an item submits nothing, not even the items before it", () => {
    const d = new Drive(first(), settings({ policyGate: false }));
    d.send(routedToAcc);
    const r = d.checkSql({
      [SQL2]: { errors: ["Table 'acc.store_region' doesn't exist."] },
      [SQL1]: { warnings: ['Please set the where condition.'] },
    });
    expectDecision(r, 'sqlPending.failed', ['jira.comment']);
    const comment = r.effects[0]!;
    expect(comment.type === 'jira.comment' && comment.body).toContain(
      `- ${SQL2} (02.acc_dml_store.sql):\n  - Table 'acc.store_region' doesn't exist.`,
    );
    expect(r.context.failure).toMatchObject({ stage: 'sql' });
    expect(r.context.failure?.reason).toContain("Table 'acc.store_region' doesn't exist.");
    expect(r.context.failure?.findings?.map((f) => [f.ruleId, f.severity, f.location])).toEqual([
      ['archery.sqlcheck', 'error', `sql_info[${SQL2}] 02.acc_dml_store.sql`],
    ]);
    // Its warnings are recorded on the release.
    expect(r.context.warnings.map((w) => [w.ruleId, w.message])).toEqual([
      ['archery.sqlcheck', 'Please set the where condition.'],
    ]);
    expect(r.context.sqlOrders.every((o) => o.status === 'pending')).toBe(true);
  });

  it("warnings of Archery's check are recorded and the submission goes on; a stale check answer is refused", () => {
    const d = new Drive(first(), settings({ policyGate: false }));
    d.send(routedToAcc);
    const stale = d.send({
      type: 'SQL_CHECKED',
      items: [
        { sqlId: SQL1, hash: 'old', errors: [], warnings: [] },
        { sqlId: SQL2, hash: 'old', errors: [], warnings: [] },
      ],
    });
    expect(stale.accepted).toBe(false);
    const r = d.checkSql({ [SQL1]: { warnings: ['Please set the where condition.'] } });
    expect(r.state).toBe('sqlPending.submitting');
    expect(r.context.warnings).toHaveLength(1);
  });

  it('without the policy gate, submission starts at once', () => {
    const d = new Drive(first(), settings({ policyGate: false }));
    expect(summarize(d.last.effects)).toEqual(['jira.ensureIssue', 'archery.resolveRoutes']);
    expect(summarize(d.resolveRoutes().effects)).toEqual([`archery.submitOrder ${SQL1}`]);
  });

  it('a submission failure → sqlPending.failed with the reason; RETRY_SQL_SUBMIT submits it again', () => {
    const d = new Drive(first(), settings({ policyGate: false }));
    d.resolveRoutes();
    const r = d.send({ type: 'SQL_SUBMIT_FAILED', sqlId: SQL1, reason: '你所在组未关联该实例！' });
    expect(r.state).toBe('sqlPending.failed');
    expect(r.context.failure?.reason).toContain('你所在组未关联该实例');
    expect(summarize(r.effects)).toEqual(['jira.comment']);
    const retry = d.send({ type: 'RETRY_SQL_SUBMIT', by: 'dba.li' });
    expectDecision(retry, 'sqlPending.submitting', [`archery.submitOrder ${SQL1}`]);
  });

  it('an order Archery rejects at submission fails the stage; the next is not submitted', () => {
    const d = new Drive(first(), settings({ policyGate: false }));
    d.resolveRoutes();
    const r = d.send(orderSubmitted(SQL1, 11, 'workflow_autoreviewwrong'));
    expectDecision(r, 'sqlPending.failed', ['jira.comment', 'jira.showOrders']);
    expect(d.send({ type: 'RETRY_SQL_SUBMIT', by: 'dba.li' }).accepted).toBe(false);
  });

  it('no SQL → straight to config via 无SQL升级/已升级; nothing at all → through every stage to uatComplete', () => {
    const noSql = normalizedFixture('first-upgrade.json', (b) => {
      b.sql_info = [];
    });
    const d = new Drive(noSql);
    // The request carries a version, so the gate checks it (DF-V rules) even without SQL.
    expect(d.state).toBe('sqlPending.awaitingPolicy');
    expect(summarize(d.last.effects)).toEqual(['jira.ensureIssue', 'policy.check']);
    d.send({ type: 'POLICY_CHECKED', findings: [] });
    expect(d.state).toBe('configExecuting.awaitingConfirmation');
    expect(summarize(d.last.effects)).toEqual(['jira.moveTo configExecuting via noSql']);
    const empty = normalizedFixture('first-upgrade.json', (b) => {
      b.sql_info = [];
      b.apollo_info = [];
      b.config_info = [];
      b.code_info = [];
      delete b.version;
    });
    const e = new Drive(empty);
    expect(e.state).toBe('uatComplete');
    expect(summarize(e.last.effects)).toEqual([
      'jira.ensureIssue',
      'jira.moveTo configExecuting via noSql',
      'jira.moveTo codeExecuting via noConfig',
      'jira.moveTo uatComplete via noCode',
    ]);
  });
});

describe('rule 3: sqlExecuting', () => {
  it('SQL升级成功 is checked on a fresh read of Archery: every order finished → configExecuting, applied', () => {
    const d = toSqlExecuting();
    const asked = d.send({ type: 'SQL_CONFIRMED', by: 'dba.li' });
    expect(asked.state).toBe('sqlExecuting.confirming');
    // Nothing counts as executed yet: cdflow reads every order now, never a poll's earlier answer.
    expect(summarize(asked.effects)).toEqual(['archery.readOrders']);
    const read = asked.effects[0]!;
    expect(read.type === 'archery.readOrders' && read.workflowIds).toEqual([11, 12]);
    expect(asked.context.applied.sql).toEqual({});
    const r = d.send({
      type: 'SQL_CONFIRMATION_CHECKED',
      orders: [readOrder(11, 'workflow_finish'), readOrder(12, 'workflow_finish')],
    });
    expect(r.state).toBe('configExecuting.awaitingConfirmation');
    expect(summarize(r.effects)).toEqual(sqlSucceededEffects);
    const shown = r.effects[2]!;
    expect(shown.type === 'jira.showOrders' && shown.orders.map((o) => o.status)).toEqual([
      'workflow_finish',
      'workflow_finish',
    ]);
    expect(Object.keys(r.context.applied.sql)).toEqual([SQL1, SQL2]);
  });

  it('SQL升级成功 while an order is not finished is refused: commented, Jira back to SQL执行中, nothing applied', () => {
    const d = toSqlExecuting();
    d.send({ type: 'SQL_CONFIRMED', by: 'dba.li' });
    const r = d.send({
      type: 'SQL_CONFIRMATION_CHECKED',
      orders: [readOrder(11, 'workflow_finish'), readOrder(12, 'workflow_review_pass')],
    });
    expectDecision(r, 'sqlExecuting.watching', [
      'jira.comment',
      'jira.moveTo sqlExecuting via sqlUnfinished',
      'jira.showOrders',
    ]);
    const comment = r.effects[0]!;
    const body = comment.type === 'jira.comment' ? comment.body : '';
    expect(body).toContain('SQL升级成功 by dba.li was not applied');
    expect(body).toContain(`- #2 ${SQL2}: Archery 12: workflow_review_pass`);
    expect(body).not.toContain(`#1 ${SQL1}`);
    // Only what Archery shows finished counts as executed; the unfinished one does not.
    expect(Object.keys(r.context.applied.sql)).toEqual([SQL1]);
    expect(r.context.sqlOrders.map((o) => o.confirmedBy)).toEqual([null, null]);
    expect(r.context.jiraMirror).toBe('sqlExecuting');
    // The DBA may confirm again once it ran.
    const again = d.confirmSql('dba.li');
    expect(again.state).toBe('configExecuting.awaitingConfirmation');
  });

  it('SQL升级成功 while an order is in exception is refused and the release fails, walking Jira back by SQL执行中', () => {
    const d = toSqlExecuting();
    d.send({ type: 'SQL_CONFIRMED', by: 'dba.li' });
    const r = d.send({
      type: 'SQL_CONFIRMATION_CHECKED',
      orders: [
        readOrder(11, 'workflow_finish'),
        readOrder(12, 'workflow_exception', "Unknown column 'city'"),
      ],
    });
    expectDecision(r, 'sqlPending.failed', [
      'timer.cancel archery.poll',
      'jira.comment',
      'jira.moveTo sqlExecuting via sqlUnfinished',
      'jira.comment',
      'jira.moveTo sqlPending via sqlFailed',
      'jira.showOrders',
    ]);
    const refusal = r.effects[1]!;
    expect(refusal.type === 'jira.comment' && refusal.body).toContain(
      `- #2 ${SQL2}: Archery 12: workflow_exception (Unknown column 'city')`,
    );
    expect(r.context.failure?.reason).toContain("Unknown column 'city'");
    expect(r.context.applied.sql[SQL2]).toBeUndefined();
  });

  it('Archery cannot be read to check SQL升级成功: refused, to be given again', () => {
    const d = toSqlExecuting();
    d.send({ type: 'SQL_CONFIRMED', by: 'dba.li' });
    const r = d.send({ type: 'SQL_CONFIRMATION_CHECKED', orders: [], readError: 'Archery answered 502' });
    expect(r.state).toBe('sqlExecuting.watching');
    const comment = r.effects[0]!;
    expect(comment.type === 'jira.comment' && comment.body).toContain(
      'cdflow could not read the work orders in Archery to check it (Archery answered 502)',
    );
    expect(r.context.applied.sql).toEqual({});
  });

  it('manual: polls Archery read-only; all finished waits for the confirmation; an exception fails the release', () => {
    const d = toSqlExecuting();
    expect(d.context.timers).toEqual(['archery.poll']);
    const fired = d.send({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    expect(summarize(fired.effects)).toEqual(['archery.pollOrders']);
    const finished = d.send({
      type: 'SQL_ORDERS_POLLED',
      orders: [readOrder(11, 'workflow_finish'), readOrder(12, 'workflow_finish')],
    });
    // A person confirms in mode manual; every order ended, so there is nothing more to read.
    expectDecision(finished, 'sqlExecuting.watching', ['jira.showOrders']);
    expect(finished.context.timers).toEqual([]);
    // Never audits or executes.
    expect(d.effects.some((e) => e.type === 'archery.executeOrder')).toBe(false);

    const e = toSqlExecuting();
    const failed = e.pollSqlOrders([
      readOrder(11, 'workflow_exception', 'Duplicate column name city'),
      readOrder(12, 'workflow_manreviewing'),
    ]);
    expectDecision(failed, 'sqlPending.failed', orderFailedEffects);
  });

  it('a person reporting SQL升级失败 → sqlPending.failed', () => {
    const d = toSqlExecuting();
    const r = d.send({ type: 'SQL_REPORTED_FAILED', by: 'dba.li', reason: 'lock timeout' });
    expectDecision(r, 'sqlPending.failed', [
      'timer.cancel archery.poll',
      'jira.moveTo sqlPending via sqlFailed',
    ]);
    expect(r.context.failure?.reason).toContain('lock timeout');
  });

  it('watch: polls Archery on a timer and confirms itself when every order finished', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'watch', archeryPollMs: 3000 }));
    expect(summarize(d.last.effects)).toEqual(watchStartEffects);
    const schedule = d.last.effects[1]!;
    expect(schedule.type === 'timer.schedule' && schedule.delayMs).toBe(3000);
    const fired = d.send({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    expect(summarize(fired.effects)).toEqual(['archery.pollOrders']);
    expect(fired.effects[0]!.type === 'archery.pollOrders' && fired.effects[0]!.workflowIds).toEqual([
      11, 12,
    ]);
    const waiting = d.send({
      type: 'SQL_ORDERS_POLLED',
      orders: [readOrder(11, 'workflow_finish'), readOrder(12, 'workflow_review_pass')],
    });
    expect(waiting.state).toBe('sqlExecuting.watching');
    // The list changed (order 11 finished): shown again.
    expect(summarize(waiting.effects)).toEqual(['timer.schedule archery.poll', 'jira.showOrders']);
    const same = d.pollSqlOrders([readOrder(11, 'workflow_finish'), readOrder(12, 'workflow_review_pass')]);
    // Nothing changed: not shown again.
    expect(summarize(same.effects)).toEqual(['timer.schedule archery.poll']);
    const finished = d.pollSqlOrders([readOrder(11, 'workflow_finish'), readOrder(12, 'workflow_finish')]);
    expectDecision(finished, 'configExecuting.awaitingConfirmation', [
      'jira.moveTo configExecuting via sqlSucceeded',
      'jira.showOrders',
    ]);
    expect(finished.context.applied.sql[SQL2]?.workflowId).toBe(12);
  });

  it('watch: a failed order → sqlPending.failed with a comment; a later order run after it is recorded', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'watch' }));
    const r = d.pollSqlOrders([
      readOrder(11, 'workflow_exception', 'Duplicate column name city'),
      readOrder(12, 'workflow_finish'),
    ]);
    expectDecision(r, 'sqlPending.failed', orderFailedEffects);
    const body = r.effects[1]!.type === 'jira.comment' ? r.effects[1]!.body : '';
    expect(body).toContain('Duplicate column name city');
    expect(body).toContain(`${SQL2} (order 12) was run after an earlier order failed`);
    // The order that did run is applied, so it never runs again.
    expect(Object.keys(r.context.applied.sql)).toEqual([SQL2]);
  });

  it('auto: executes the next order only when its predecessors finished, once per order', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'auto' }));
    expect(summarize(d.last.effects)).toEqual([
      'jira.moveTo sqlExecuting via submitSql',
      'timer.schedule archery.poll',
      'archery.executeOrder 11',
      'jira.showOrders',
    ]);
    const still = d.pollSqlOrders([
      readOrder(11, 'workflow_executing'),
      readOrder(12, 'workflow_manreviewing'),
    ]);
    expect(summarize(still.effects)).toEqual(['timer.schedule archery.poll', 'jira.showOrders']);
    const next = d.pollSqlOrders([readOrder(11, 'workflow_finish'), readOrder(12, 'workflow_manreviewing')]);
    expect(summarize(next.effects)).toEqual([
      'timer.schedule archery.poll',
      'archery.executeOrder 12',
      'jira.showOrders',
    ]);
  });

  it('auto: a refused audit reported while a poll waits for a change schedules the next read (its comment supersedes the poll)', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'auto' }));
    const polling = d.send({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    expect(summarize(polling.effects)).toContain('archery.pollOrders');
    const r = d.send({ type: 'SQL_AUDIT_REFUSED', workflowId: 11, sqlId: SQL1, reason: 'ban_self_audit' });
    expect(summarize(r.effects)).toEqual(['jira.comment', 'timer.schedule archery.poll']);
  });

  it("auto: Archery refusing cdflow's own audit is reported once; cdflow reads the order and never audits it again", () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'auto' }));
    const refusal = '操作失败, 当前配置禁止本人审核自己的工单';
    const r = d.send({ type: 'SQL_AUDIT_REFUSED', workflowId: 11, sqlId: SQL1, reason: refusal });
    expectDecision(r, 'sqlExecuting.watching', ['jira.comment']);
    const comment = r.effects[0]!;
    expect(comment.type === 'jira.comment' && comment.body).toContain(
      `A DBA must audit order 11 in Archery and execute it`,
    );
    expect(r.context.sqlOrders[0]?.auditRefused).toBe(refusal);
    // Once: a second report changes nothing.
    expect(d.send({ type: 'SQL_AUDIT_REFUSED', workflowId: 11, sqlId: SQL1, reason: refusal }).accepted).toBe(
      false,
    );
    // The DBA passed review: cdflow does not execute it (as in watch), it keeps reading.
    const passed = d.pollSqlOrders([
      readOrder(11, 'workflow_review_pass'),
      readOrder(12, 'workflow_manreviewing'),
    ]);
    expect(summarize(passed.effects)).toEqual(['timer.schedule archery.poll', 'jira.showOrders']);
    // Once it finished, the next order is cdflow's again.
    const next = d.pollSqlOrders([readOrder(11, 'workflow_finish'), readOrder(12, 'workflow_manreviewing')]);
    expect(summarize(next.effects)).toContain('archery.executeOrder 12');
  });

  it('leaving sqlExecuting cancels the pending poll timer', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'watch' }));
    const r = d.confirmSql('dba.li');
    expect(summarize(r.effects)).toEqual(sqlSucceededEffects);
    expect(r.context.timers).toEqual([]);
  });
});

describe('rule 4: configExecuting', () => {
  it('CONFIG执行中 waits for ops; 配置升级成功 records apollo/config applied and deploys code', () => {
    const d = toSqlExecuting();
    d.confirmSql('dba.li');
    const r = d.send({ type: 'CONFIG_CONFIRMED', by: 'ops.wang' });
    expect(r.state).toBe('codeExecuting.deploying');
    // The targets of each item are looked up first; nothing deploys before all are known.
    expect(summarize(r.effects)).toEqual([
      'jira.moveTo codeExecuting via configSucceeded',
      `cmdb.findTargets ${CONSOLE}`,
      `cmdb.findTargets ${REPORT}`,
      'timer.schedule deploy.timeout',
    ]);
    expect(Object.keys(r.context.applied.config)).toEqual(['nginx/a18-console.conf']);
    expect(Object.keys(r.context.applied.apollo)).toEqual([
      'a18-console/default/application/order.export.enabled',
    ]);
  });

  it('配置升级失败 → fixing', () => {
    const d = toSqlExecuting();
    d.confirmSql('dba.li');
    const r = d.send({ type: 'CONFIG_REPORTED_FAILED', by: 'ops.wang', reason: 'nginx reload failed' });
    expectDecision(r, 'fixing', ['jira.moveTo fixing via configFailed']);
    expect(r.context.failure).toMatchObject({ stage: 'config' });
  });

  it('apollo automatic: applies Apollo items, and confirms itself when no config_info item remains', () => {
    const request = normalizedFixture('first-upgrade.json', (b) => {
      b.config_info = [];
    });
    const d = toSqlExecuting(request, settings({ apolloAutomatic: true }));
    const r = d.confirmSql('dba.li');
    expectDecision(r, 'configExecuting.applyingApollo', [
      'timer.cancel archery.poll',
      'jira.moveTo configExecuting via sqlSucceeded',
      'jira.showOrders',
      'apollo.apply',
    ]);
    const applied = d.send({ type: 'CONFIG_APPLIED' });
    expect(applied.state).toBe('codeExecuting.deploying');
    expect(summarize(applied.effects)[0]).toBe('jira.moveTo codeExecuting via configSucceeded');
  });

  it('apollo automatic with config_info left: waits for ops after applying; an apply failure → fixing', () => {
    const d = toSqlExecuting(first(), settings({ apolloAutomatic: true }));
    d.confirmSql('dba.li');
    expect(d.send({ type: 'CONFIG_APPLIED' }).state).toBe('configExecuting.awaitingConfirmation');
    const e = toSqlExecuting(first(), settings({ apolloAutomatic: true }));
    e.confirmSql('dba.li');
    const failed = e.send({ type: 'CONFIG_APPLY_FAILED', reason: '403 forbidden' });
    expectDecision(failed, 'fixing', ['jira.moveTo fixing via configFailed', 'jira.comment']);
  });
});

describe('rule 5: codeExecuting', () => {
  it('deploys every target of every item in one effect, polls CMDB, and all success → uatComplete', () => {
    const d = toCodeExecuting();
    const first = d.send({
      type: 'DEPLOY_TARGETS_FOUND',
      service: CONSOLE,
      targets: consoleTargets,
    });
    // The report service's targets are not known yet: nothing is sent.
    expect(summarize(first.effects)).toEqual([]);
    const all = d.send({
      type: 'DEPLOY_TARGETS_FOUND',
      service: REPORT,
      targets: reportTargets,
    });
    expect(summarize(all.effects)).toEqual([
      `cmdb.deploy ${CONSOLE}@12 a1, ${CONSOLE}@13 a1, ${REPORT}@20 a1`,
    ]);
    const deploy = all.effects[0]!;
    // A request_id per deploy round (the decision that entered the stage), target and attempt.
    expect(deploy.type === 'cmdb.deploy' && deploy.deploys.map((x) => x.requestId)).toEqual([
      `rel-1:deploy:${CONSOLE}:1105:i1:r10:t12:a1`,
      `rel-1:deploy:${CONSOLE}:1105:i1:r10:t13:a1`,
      `rel-1:deploy:${REPORT}:912:i1:r10:t20:a1`,
    ]);
    const reported = d.reportDeploys([
      started(CONSOLE, 12, 1, 't1'),
      started(CONSOLE, 13, 1, 't2'),
      started(REPORT, 20, 1, 't3'),
    ]);
    expect(summarize(reported.effects)).toEqual(['timer.schedule cmdb.poll']);
    const poll = d.send({ type: 'TIMER_FIRED', timer: 'cmdb.poll' });
    expect(poll.effects[0]!.type === 'cmdb.pollTasks' && poll.effects[0]!.tasks).toEqual([
      { service: CONSOLE, targetId: 12, attempt: 1, taskId: 't1', known: 'pending' },
      { service: CONSOLE, targetId: 13, attempt: 1, taskId: 't2', known: 'pending' },
      { service: REPORT, targetId: 20, attempt: 1, taskId: 't3', known: 'pending' },
    ]);
    // One target of the console done, the other still running: the item is not done.
    const half = d.send({
      type: 'DEPLOY_TASKS_POLLED',
      tasks: [
        polledTask(CONSOLE, 12, 1, 'success'),
        polledTask(CONSOLE, 13, 1, 'running'),
        polledTask(REPORT, 20, 1, 'success'),
      ],
    });
    expect(half.state).toBe('codeExecuting.deploying');
    expect(half.context.deployments.map((x) => x.status)).toEqual(['running', 'success']);
    const done = d.pollDeployTasks([polledTask(CONSOLE, 13, 1, 'success')]);
    expectDecision(done, 'uatComplete', [
      'timer.cancel deploy.timeout',
      'jira.moveTo uatComplete via codeSucceeded',
    ]);
    expect(done.context.applied.code[CONSOLE]).toEqual({ svnVersion: '1105', tag: 'V1', iteration: 1 });
  });

  it('a synchronous CMDB answers the outcome itself: no poll; one failing target fails the item with its text', () => {
    const d = findTargets(toCodeExecuting(settings({ deployRetries: 0 })));
    const r = d.reportDeploys([
      answered(CONSOLE, 12, 1, 'success', '成功'),
      answered(CONSOLE, 13, 1, 'failed', '失败: 镜像拉取超时'),
      answered(REPORT, 20, 1, 'success', '成功'),
    ]);
    expectDecision(r, 'fixing', [
      'timer.cancel deploy.timeout',
      'jira.moveTo fixing via codeFailed',
      'jira.comment',
    ]);
    const comment = r.effects[2]!;
    expect(comment.type === 'jira.comment' && comment.body).toContain(
      `${CONSOLE}@1105 (tag V1) on UAT_a18_console_job (attempt 1): 失败: 镜像拉取超时`,
    );
    expect(r.context.deployments[0]).toMatchObject({
      status: 'failed',
      message: 'UAT_a18_console_job: 失败: 镜像拉取超时',
    });
    // Only the item whose every target succeeded is applied.
    expect(Object.keys(r.context.applied.code)).toEqual([REPORT]);
  });

  it('a failed deploy is retried after the pause (deployRetries), then fails for good → fixing', () => {
    const d = findTargets(toCodeExecuting(settings({ deployRetries: 1, deployRetryPauseMs: 10_000 })));
    const r = d.reportDeploys([
      answered(CONSOLE, 12, 1, 'success', '成功'),
      answered(CONSOLE, 13, 1, 'success', '成功'),
      answered(REPORT, 20, 1, 'failed', 'image not found'),
    ]);
    expect(r.state).toBe('codeExecuting.deploying');
    // Not at once: after the pause.
    expect(summarize(r.effects)).toEqual(['timer.schedule deploy.retry']);
    const pause = r.effects[0]!;
    expect(pause.type === 'timer.schedule' && pause.delayMs).toBe(10_000);
    const retry = d.send({ type: 'TIMER_FIRED', timer: 'deploy.retry' });
    expect(summarize(retry.effects)).toEqual([`cmdb.deploy ${REPORT}@20 a2`]);
    const failed = d.reportDeploys([answered(REPORT, 20, 2, 'failed', 'image not found')]);
    expect(failed.state).toBe('fixing');
    const comment = failed.effects.find((e) => e.type === 'jira.comment');
    expect(comment?.type === 'jira.comment' && comment.body).toContain(
      `${REPORT}@912 (tag V2) on UAT_a18_report_V2 (attempt 2)`,
    );
    expect(Object.keys(failed.context.applied.code)).toEqual([CONSOLE]);
  });

  it('an item with no CMDB target fails naming its path and tag; the others still deploy', () => {
    const d = toCodeExecuting(settings({ deployRetries: 0 }));
    d.send({
      type: 'DEPLOY_TARGETS_FOUND',
      service: CONSOLE,
      targets: [{ id: 12, name: 'UAT_a18_console' }],
    });
    const r = d.send({ type: 'DEPLOY_TARGETS_FOUND', service: REPORT, targets: [] });
    expect(r.state).toBe('codeExecuting.deploying');
    expect(r.context.deployments[1]).toMatchObject({
      status: 'failed',
      message: `No CMDB deploy target for ${REPORT} with tag V2 in UAT: register it in the CMDB or fix the tag of the code item.`,
    });
    expect(summarize(r.effects)).toEqual([`cmdb.deploy ${CONSOLE}@12 a1`]);
    const f = d.reportDeploys([answered(CONSOLE, 12, 1, 'success', '成功')]);
    expect(f.state).toBe('fixing');
    expect(f.context.failure?.reason).toBe(`deploy failed: ${REPORT}`);
  });

  it('a deploy that found no free slot is sent again at the next CMDB poll', () => {
    const d = findTargets(toCodeExecuting());
    const queued = d.reportDeploys([
      started(CONSOLE, 12, 1, 't1'),
      answered(CONSOLE, 13, 1, 'queued', '4 deploys in flight'),
      answered(REPORT, 20, 1, 'queued', '4 deploys in flight'),
    ]);
    expect(summarize(queued.effects)).toEqual(['timer.schedule cmdb.poll']);
    const poll = d.send({ type: 'TIMER_FIRED', timer: 'cmdb.poll' });
    // The deploys first: the poll may wait quietly for its task to change, and must not hold them back.
    expect(summarize(poll.effects)).toEqual([
      `cmdb.deploy ${CONSOLE}@13 a1, ${REPORT}@20 a1`,
      'cmdb.pollTasks',
    ]);
  });

  it('a stale or repeated answer is refused and changes nothing', () => {
    const d = findTargets(toCodeExecuting());
    const report: ReleaseEvent = {
      type: 'DEPLOYS_REPORTED',
      deploys: [started(CONSOLE, 12, 1, 't1')],
    };
    expect(d.send(report).accepted).toBe(true);
    expect(d.send(report).accepted).toBe(false);
    expect(d.send({ type: 'DEPLOY_TARGETS_FOUND', service: CONSOLE, targets: [] }).accepted).toBe(false);
  });

  it('the deploy timeout fails what has not finished', () => {
    const d = findTargets(toCodeExecuting());
    d.reportDeploys([started(CONSOLE, 12, 1, 't1')]);
    const r = d.send({ type: 'TIMER_FIRED', timer: 'deploy.timeout' });
    expect(r.state).toBe('fixing');
    expect(r.context.deployments.every((x) => x.status === 'failed')).toBe(true);
    expect(summarize(r.effects)).toEqual([
      'timer.cancel cmdb.poll',
      'jira.moveTo fixing via codeFailed',
      'jira.comment',
    ]);
  });

  it('a pre-deploy delay schedules a timer; targets are looked up meanwhile, deploys wait for it', () => {
    const d = toCodeExecuting(settings({ preDeployDelayMs: 60_000 }));
    expect(d.state).toBe('codeExecuting.delaying');
    expect(summarize(d.last.effects)).toEqual([
      'jira.moveTo codeExecuting via configSucceeded',
      `cmdb.findTargets ${CONSOLE}`,
      `cmdb.findTargets ${REPORT}`,
      'timer.schedule deploy.delay',
    ]);
    findTargets(d);
    expect(summarize(d.last.effects)).toEqual([]);
    const r = d.send({ type: 'TIMER_FIRED', timer: 'deploy.delay' });
    expect(summarize(r.effects)).toEqual([
      `cmdb.deploy ${CONSOLE}@12 a1, ${CONSOLE}@13 a1, ${REPORT}@20 a1`,
      'timer.schedule deploy.timeout',
    ]);
  });

  it('during the delay, items that all have no target fail at once', () => {
    const d = toCodeExecuting(settings({ preDeployDelayMs: 60_000 }));
    d.send({ type: 'DEPLOY_TARGETS_FOUND', service: CONSOLE, targets: [] });
    const r = d.send({ type: 'DEPLOY_FAILED', service: REPORT, reason: 'cmdb answered 403' });
    expectDecision(r, 'fixing', [
      'timer.cancel deploy.delay',
      'jira.moveTo fixing via codeFailed',
      'jira.comment',
    ]);
  });

  it('only code changed: the next iteration deploys only the changed service', () => {
    const d = toUatComplete();
    const r = d.send({
      type: 'NEW_ITERATION',
      request: normalizedFixture('code-only-iteration.json'),
      by: 'release-system',
    });
    expect(r.context.iteration).toBe(2);
    expect(summarize(r.effects)).toEqual(autoIterationEffects);
    const checked = d.send({ type: 'POLICY_CHECKED', findings: [] });
    expectDecision(checked, 'codeExecuting.deploying', [
      'jira.moveTo configExecuting via noSql',
      'jira.moveTo codeExecuting via noConfig',
      `cmdb.findTargets ${CONSOLE}`,
      'timer.schedule deploy.timeout',
    ]);
    const found = d.send({
      type: 'DEPLOY_TARGETS_FOUND',
      service: CONSOLE,
      targets: [{ id: 12, name: 'UAT_a18_console' }],
    });
    const deploy = found.effects[0]!;
    expect(deploy.type === 'cmdb.deploy' && deploy.deploys[0]!.requestId).toBe(
      `rel-1:deploy:${CONSOLE}:1106:i2:r17:t12:a1`,
    );
  });
});

describe('rules 6/7: fixing and new iterations', () => {
  function toFixingAfterCode(): Drive {
    const d = toCodeExecuting(settings({ deployRetries: 0 }));
    d.send({ type: 'DEPLOY_FAILED', service: CONSOLE, reason: 'x' });
    d.send({ type: 'DEPLOY_FAILED', service: REPORT, reason: 'y' });
    expect(d.state).toBe('fixing');
    return d;
  }

  it('重新提交代码 re-plans code against what was applied and deploys again', () => {
    const d = toFixingAfterCode();
    const r = d.send({ type: 'RESUBMIT_CODE', by: 'dev.zhao' });
    expectDecision(r, 'codeExecuting.deploying', [
      'jira.moveTo codeExecuting via resubmitCode',
      `cmdb.findTargets ${CONSOLE}`,
      `cmdb.findTargets ${REPORT}`,
      'timer.schedule deploy.timeout',
    ]);
  });

  it('重新提交代码 after a failed deploy sends new request_ids: the CMDB never answers the failed round', () => {
    const d = findTargets(toCodeExecuting(settings({ deployRetries: 0 })));
    const firstRound = d.last.effects.find((e) => e.type === 'cmdb.deploy');
    const firstIds = firstRound?.type === 'cmdb.deploy' ? firstRound.deploys.map((x) => x.requestId) : [];
    d.reportDeploys([
      started(CONSOLE, 12, 1, 't1'),
      started(CONSOLE, 13, 1, 't2'),
      started(REPORT, 20, 1, 't3'),
    ]);
    const failed = d.pollDeployTasks([
      polledTask(CONSOLE, 12, 1, 'success'),
      polledTask(CONSOLE, 13, 1, 'failed', 'image not found'),
      polledTask(REPORT, 20, 1, 'success'),
    ]);
    expect(failed.state).toBe('fixing');

    const resubmitted = d.send({ type: 'RESUBMIT_CODE', by: 'dev.zhao' });
    // Only the console failed: it is deployed again, in the same iteration, as attempt 1 of a new round.
    expect(summarize(resubmitted.effects)).toContain(`cmdb.findTargets ${CONSOLE}`);
    expect(summarize(resubmitted.effects)).not.toContain(`cmdb.findTargets ${REPORT}`);
    const again = d.send({
      type: 'DEPLOY_TARGETS_FOUND',
      service: CONSOLE,
      targets: consoleTargets,
    }).effects[0];
    expect(again?.type === 'cmdb.deploy' && again.deploys.map((x) => `${x.target.id} a${x.attempt}`)).toEqual(
      ['12 a1', '13 a1'],
    );
    const againIds = again?.type === 'cmdb.deploy' ? again.deploys.map((x) => x.requestId) : [];
    expect(d.context.iteration).toBe(1);
    expect(againIds.some((id) => firstIds.includes(id))).toBe(false);
    expect(new Set(againIds).size).toBe(2);
  });

  it('重新提交配置 → configExecuting; 重新提交UAT迭代升级 → new iteration in sqlPending', () => {
    const d = toFixingAfterCode();
    expect(d.send({ type: 'RESUBMIT_CONFIG', by: 'ops' }).state).toBe('codeExecuting.deploying');
    const e = toFixingAfterCode();
    const r = e.send({ type: 'RESUBMIT_ITERATION', by: 'dev' });
    expect(r.context.iteration).toBe(2);
    expect(summarize(r.effects)).toEqual(['jira.moveTo sqlPending via resubmitIteration', 'policy.check']);
    // SQL, apollo and config were applied in iteration 1: only code remains.
    const checked = e.send({ type: 'POLICY_CHECKED', findings: [] });
    expect(summarize(checked.effects).slice(0, 2)).toEqual([
      'jira.moveTo configExecuting via noSql',
      'jira.moveTo codeExecuting via noConfig',
    ]);
  });

  it('NEW_ITERATION is refused while a stage runs, saying why and when to retry', () => {
    for (const d of [toSqlExecuting(), toCodeExecuting()]) {
      const before = d.last.next;
      const r = d.send({ type: 'NEW_ITERATION', request: first(), by: 'release-system' });
      expect(r.accepted).toBe(false);
      expect(r.refusal?.message).toMatch(/refused while a stage is running.*Retry when the stage ends/);
      expect(r.refusal?.acceptedEvents).not.toContain('NEW_ITERATION');
      expect(r.next).toBe(before);
      expect(r.effects).toEqual([]);
    }
  });

  it('NEW_ITERATION in uatComplete updates the fields first, then moves Jira (UAT自动迭代升级)', () => {
    const d = toUatComplete();
    const r0 = d.send({ type: 'NEW_ITERATION', request: first(), by: 'release-system' });
    expect(summarize(r0.effects)).toEqual(autoIterationEffects);
    expect(r0.context.iteration).toBe(2);
    const r = d.send({ type: 'POLICY_CHECKED', findings: [] });
    expect(summarize(r.effects)).toEqual([
      'jira.moveTo configExecuting via noSql',
      'jira.moveTo codeExecuting via noConfig',
      'jira.moveTo uatComplete via noCode',
    ]);
    expect(r.state).toBe('uatComplete');
    expect(r.context.iteration).toBe(2);
  });

  it('a new iteration after a failed order resubmits the fixed item and keeps the unexecuted later order', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'watch' }));
    d.pollSqlOrders([
      readOrder(11, 'workflow_exception', 'syntax error'),
      readOrder(12, 'workflow_manreviewing'),
    ]);
    expect(d.state).toBe('sqlPending.failed');
    const fixed = normalizedFixture('first-upgrade.json', (b) => {
      (b.sql_info as Array<Record<string, unknown>>)[0]!.sql_content =
        'ALTER TABLE store ADD COLUMN city varchar(80);';
    });
    const r = d.send({ type: 'NEW_ITERATION', request: fixed, by: 'release-system' });
    expectDecision(r, 'sqlPending.awaitingPolicy', ['jira.updateFields', 'policy.check']);
    const check = r.effects[1]!;
    expect(check.type === 'policy.check' && check.sql.map((s) => s.sqlId)).toEqual([SQL1]);
    d.send({ type: 'POLICY_CHECKED', findings: [] });
    const submitted = d.resolveRoutes();
    expect(summarize(submitted.effects)).toEqual([`archery.submitOrder ${SQL1}`]);
    const submit = submitted.effects[0]!;
    // Orders the release recorded are never taken for the new one, whatever their name.
    expect(submit.type === 'archery.submitOrder' && submit.recordedWorkflowIds).toEqual([11, 12]);
    const done = d.send(orderSubmitted(SQL1, 21));
    expect(done.state).toBe('sqlExecuting.watching');
    expect(done.context.sqlOrders.map((o) => [o.seq, o.workflowId])).toEqual([
      [1, 21],
      [2, 12],
    ]);
  });

  it('an iteration that changes an unexecuted order cancels it in Archery; the new orders run in sequence', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'watch' }));
    d.pollSqlOrders([
      readOrder(11, 'workflow_exception', 'syntax error'),
      readOrder(12, 'workflow_review_pass'),
    ]);
    const both = normalizedFixture('first-upgrade.json', (b) => {
      const items = b.sql_info as Array<Record<string, unknown>>;
      items[0]!.sql_content = 'ALTER TABLE store ADD COLUMN city varchar(80);';
      items[1]!.sql_content = 'UPDATE store SET city = NULL;';
    });
    const r = d.send({ type: 'NEW_ITERATION', request: both, by: 'release-system' });
    // The failed order needs nothing; the unexecuted one is cancelled before anything is submitted.
    expect(summarize(r.effects)).toEqual(['jira.updateFields', 'archery.cancelOrder 12', 'policy.check']);
    const cancel = r.effects[1]!;
    expect(cancel.type === 'archery.cancelOrder' && [cancel.idempotencyKey, cancel.reason]).toEqual([
      'rel-1:cancel:12',
      'replaced by iteration 2 of rel-1 (content changed)',
    ]);
    d.send({ type: 'POLICY_CHECKED', findings: [] });
    const first1 = d.resolveRoutes();
    expect(summarize(first1.effects)).toEqual([`archery.submitOrder ${SQL1}`]);
    const second = d.send(orderSubmitted(SQL1, 21));
    expect(summarize(second.effects)).toEqual([`archery.submitOrder ${SQL2}`]);
    const done = d.send(orderSubmitted(SQL2, 22));
    expect(done.state).toBe('sqlExecuting.watching');
    const shown = done.effects.find((e) => e.type === 'jira.showOrders');
    expect(
      shown?.type === 'jira.showOrders' &&
        shown.orders.map((o) => [o.seq, o.workflowId, o.status, o.replaced]),
    ).toEqual([
      [1, 21, 'workflow_manreviewing', null],
      [2, 22, 'workflow_manreviewing', null],
      [2, 12, 'cancelled', 'replaced by iteration 2: content changed'],
    ]);
    expect(done.context.replacedOrders).toEqual([
      { sqlId: SQL2, seq: 2, workflowId: 12, workflowName: null, iteration: 2, reason: 'content changed' },
    ]);
  });

  it('an unexecuted order whose item left the request is cancelled too', () => {
    const d = new Drive(first(), settings({ policyGate: false }));
    d.resolveRoutes();
    d.send(orderSubmitted(SQL1, 11));
    d.send(orderSubmitted(SQL2, 12, 'workflow_autoreviewwrong'));
    expect(d.state).toBe('sqlPending.failed');
    const onlySecond = normalizedFixture('first-upgrade.json', (b) => {
      (b.sql_info as unknown[]).splice(0, 1);
    });
    const r = d.send({ type: 'NEW_ITERATION', request: onlySecond, by: 'release-system' });
    expect(summarize(r.effects)).toContain('archery.cancelOrder 11');
    expect(r.context.replacedOrders?.[0]).toMatchObject({
      workflowId: 11,
      reason: 'removed from the request',
    });
  });

  it('a later order seen finished before an earlier one is recorded and commented once', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'watch' }));
    const polled: ReadOrder[] = [
      readOrder(11, 'workflow_review_pass'),
      { workflowId: 12, status: 'workflow_finish', error: null, finishedAt: '2026-12-01T10:00:00' },
    ];
    const r = d.pollSqlOrders(polled);
    expect(summarize(r.effects)).toEqual(['jira.comment', 'timer.schedule archery.poll', 'jira.showOrders']);
    const comment = r.effects[0]!;
    expect(comment.type === 'jira.comment' && comment.body).toContain(
      `#2 ${SQL2} (order 12) finished before #1`,
    );
    expect(r.context.sqlOrders[1]!.finishedBefore).toEqual([1]);
    expect(summarize(d.pollSqlOrders(polled).effects)).toEqual(['timer.schedule archery.poll']);
  });

  it("Archery's finish times tell a later order that finished first, even when both are seen finished together", () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'watch' }));
    const r = d.pollSqlOrders([
      { workflowId: 11, status: 'workflow_finish', error: null, finishedAt: '2026-12-01T10:05:00' },
      { workflowId: 12, status: 'workflow_finish', error: null, finishedAt: '2026-12-01T10:00:00' },
    ]);
    expect(r.state).toBe('configExecuting.awaitingConfirmation');
    expect(summarize(r.effects)[0]).toBe('jira.comment');
    expect(r.context.sqlOrders.map((o) => o.finishedBefore ?? [])).toEqual([[], [1]]);
  });

  it('a route Archery does not have fails the iteration naming instance and group; 触发提交SQL resolves again', () => {
    const d = new Drive(first());
    d.send({ type: 'POLICY_CHECKED', findings: [] });
    const r = d.send({
      type: 'SQL_ROUTES_FAILED',
      failures: [
        { sqlId: SQL1, instance: 'acc', group: 'A18', reason: 'Archery has no instance named "acc"' },
      ],
    });
    expectDecision(r, 'sqlPending.failed', ['jira.comment']);
    const comment = r.effects[0]!;
    expect(comment.type === 'jira.comment' && comment.body).toContain(
      `${SQL1} (instance acc, group A18): Archery has no instance named "acc"`,
    );
    expect(r.context.failure).toMatchObject({ stage: 'sql' });
    const retry = d.send({ type: 'RETRY_SQL_SUBMIT', by: 'dba.li' });
    expect(summarize(retry.effects)).toEqual(['archery.resolveRoutes']);
  });

  it('NEW_ITERATION in sqlPending re-plans in place', () => {
    const d = new Drive(first());
    const r = d.send({ type: 'NEW_ITERATION', request: first(), by: 'release-system' });
    expect(r.accepted).toBe(true);
    expectDecision(r, 'sqlPending.awaitingPolicy', ['jira.updateFields', 'policy.check']);
  });

  it('a re-publish while an order is being submitted: the late answer is not kept, it is cancelled; the new order binds', () => {
    const d = new Drive(first(), settings({ policyGate: false }));
    const submitting = d.resolveRoutes();
    const oldSubmit = submitting.effects[0]!;
    if (oldSubmit.type !== 'archery.submitOrder') throw new Error('expected a submission');
    // The release system publishes a fix of the first item while its submission is on its way.
    const fixed = normalizedFixture('first-upgrade.json', (b) => {
      (b.sql_info as Array<Record<string, unknown>>)[0]!.sql_content =
        'ALTER TABLE store ADD COLUMN city varchar(80);';
    });
    d.send({ type: 'NEW_ITERATION', request: fixed, by: 'release-system' });
    const again = d.resolveRoutes();
    const newSubmit = again.effects[0]!;
    if (newSubmit.type !== 'archery.submitOrder') throw new Error('expected a submission');
    expect(newSubmit.order.hash).not.toBe(oldSubmit.order.hash);
    // The first submission's answer arrives now: Archery made order 21 with the old content.
    const late = d.send({
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: SQL1,
      workflowId: 21,
      status: 'workflow_manreviewing',
      workflowName: oldSubmit.order.workflowName,
      hash: oldSubmit.order.hash,
      instance: oldSubmit.order.instance,
      dbName: oldSubmit.order.dbName,
    });
    expect(late.accepted).toBe(true);
    expectDecision(late, 'sqlPending.submitting', ['archery.cancelOrder 21']);
    expect(late.context.sqlOrders.find((o) => o.sqlId === SQL1)).toMatchObject({
      status: 'submitting',
      workflowId: null,
      hash: newSubmit.order.hash,
    });
    expect(late.context.replacedOrders?.map((o) => [o.workflowId, o.reason])).toEqual([
      [21, 'submitted for content the item no longer has'],
    ]);
    // The new submission's answer binds the new order; order 21 is never taken for it.
    const bound = d.send({
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: SQL1,
      workflowId: 22,
      status: 'workflow_manreviewing',
      hash: newSubmit.order.hash,
      instance: newSubmit.order.instance,
      dbName: newSubmit.order.dbName,
    });
    expect(bound.context.sqlOrders.find((o) => o.sqlId === SQL1)?.workflowId).toBe(22);
    const next = bound.effects.find((e) => e.type === 'archery.submitOrder');
    expect(next?.type === 'archery.submitOrder' && next.recordedWorkflowIds).toEqual([21, 22]);
  });

  it('a submission answered for another target (instance, database) is not bound to the item', () => {
    const d = new Drive(first(), settings({ policyGate: false }));
    const submit = d.resolveRoutes().effects[0]!;
    if (submit.type !== 'archery.submitOrder') throw new Error('expected a submission');
    const elsewhere = d.send({
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: SQL1,
      workflowId: 31,
      status: 'workflow_manreviewing',
      hash: submit.order.hash,
      instance: submit.order.instance,
      dbName: 'acc_audit',
    });
    expect(summarize(elsewhere.effects)).toEqual(['archery.cancelOrder 31']);
    expect(elsewhere.context.sqlOrders[0]?.workflowId).toBeNull();
    // A late failure of content the item no longer has is refused too.
    const failed = d.send({ type: 'SQL_SUBMIT_FAILED', sqlId: SQL1, reason: 'x', hash: 'old' });
    expect(failed.accepted).toBe(false);
  });

  it('a closed or promoted release answers final: what to do instead', () => {
    const closed = toUatComplete();
    closed.send({ type: 'FINISH', by: 'pm' });
    const again = closed.send({ type: 'NEW_ITERATION', request: first(), by: 'release-system' });
    expect(again.refusal).toMatchObject({ kind: 'final', state: 'closed' });
    expect(again.refusal?.message).toContain('The release is closed (升级流程结束): it is final');
    expect(again.refusal?.message).toContain('Publish the change under a new summary');
    const promoted = toUatComplete();
    promoted.send({ type: 'PROMOTE_TO_PROD', by: 'pm' });
    const prod = promoted.send({ type: 'NEW_ITERATION', request: first(), by: 'release-system' });
    expect(prod.refusal).toMatchObject({ kind: 'final', state: 'prodUpgrade' });
    expect(prod.refusal?.message).toContain('iterate in PRO');
    // Mid-stage stays a retry-later refusal.
    const busy = toSqlExecuting().send({ type: 'NEW_ITERATION', request: first(), by: 'release-system' });
    expect(busy.refusal?.kind).toBe('mid-stage');
  });

  it('a later iteration is version-checked against the version this release brought to UAT (DF-V002)', () => {
    const d = toUatComplete();
    expect(d.context.appliedVersion).toBe(d.context.request.version);
    const lower = normalizedFixture('first-upgrade.json', (b) => {
      b.version = '1.0.0';
    });
    const r = d.send({ type: 'NEW_ITERATION', request: lower, by: 'release-system' });
    const check = r.effects.find((e) => e.type === 'policy.check');
    expect(check?.type === 'policy.check' && [check.version, check.previousVersion]).toEqual([
      '1.0.0',
      d.context.appliedVersion,
    ]);
  });

  it('uatComplete: 升级结束 → closed, 升级运营环境 → prodUpgrade (both final), 手动迭代 → fixing', () => {
    const a = toUatComplete();
    const closed = a.send({ type: 'FINISH', by: 'pm' });
    expect([closed.state, summarize(closed.effects)]).toEqual(['closed', ['jira.moveTo closed via finish']]);
    expect(describeRelease(closed.next)).toMatchObject({ final: true, acceptedEvents: [] });
    expect(a.send({ type: 'FINISH', by: 'pm' }).accepted).toBe(false);
    expect(toUatComplete().send({ type: 'PROMOTE_TO_PROD', by: 'pm' }).state).toBe('prodUpgrade');
    expect(toUatComplete().send({ type: 'UAT_MANUAL_ITERATION', by: 'pm' }).state).toBe('fixing');
    const again = toUatComplete();
    again.send({ type: 'UAT_AUTO_ITERATION', by: 'pm' });
    const auto = again.send({ type: 'POLICY_CHECKED', findings: [] });
    expect([auto.state, auto.context.iteration]).toEqual(['uatComplete', 2]);
  });
});

describe('decisions and snapshots', () => {
  it("EFFECT_FAILED is the release's failure until a person retries the effect (EFFECT_RETRY_REQUESTED)", () => {
    const d = toSqlExecuting();
    const r = d.send({
      type: 'EFFECT_FAILED',
      effectType: 'jira.moveTo',
      idempotencyKey: 'k',
      reason: '403 from Jira',
    });
    expect(r.accepted).toBe(true);
    expect(r.state).toBe('sqlExecuting.watching');
    expect(r.context.failure).toEqual({
      stage: 'jira',
      reason: 'jira.moveTo failed: 403 from Jira',
      at: 'sqlExecuting',
      effect: 'k',
    });
    expect(r.context.failedEffects).toEqual([
      { idempotencyKey: 'k', effectType: 'jira.moveTo', reason: '403 from Jira', at: 'sqlExecuting' },
    ]);
    // Only an effect that failed for good is retried, once.
    const other = {
      type: 'EFFECT_RETRY_REQUESTED',
      idempotencyKey: 'x',
      effectType: 'jira.moveTo',
      by: 'op',
    };
    expect(d.send(other as ReleaseEvent).accepted).toBe(false);
    const retried = d.send({ ...other, idempotencyKey: 'k' } as ReleaseEvent);
    expect(retried.accepted).toBe(true);
    expect(retried.state).toBe('sqlExecuting.watching');
    expect(retried.effects).toEqual([]);
    expect(retried.context.failure).toBeNull();
    expect(retried.context.failedEffects).toBeUndefined();
    expect(d.send({ ...other, idempotencyKey: 'k' } as ReleaseEvent).accepted).toBe(false);
  });

  it('the same event on the same snapshot gives the same decision (deterministic keys)', () => {
    const d = toCodeExecuting();
    const e: ReleaseEvent = {
      type: 'DEPLOY_TARGETS_FOUND',
      service: CONSOLE,
      targets: [{ id: 12, name: 'UAT_a18_console' }],
    };
    expect(decide(d.last.next, e)).toEqual(decide(d.last.next, e));
  });

  it('snapshots are plain JSON and survive a round trip', () => {
    const d = toSqlExecuting();
    const copy = JSON.parse(JSON.stringify(d.last.next));
    expect(decide(copy, { type: 'SQL_CONFIRMED', by: 'x' }).state).toBe('sqlExecuting.confirming');
    expect(describeRelease(copy)).toMatchObject({ state: 'sqlExecuting.watching', final: false });
    // What a person may send, apart from what the machine itself takes (effect outcomes, timers).
    expect(describeRelease(copy).acceptedEvents).toEqual(['SQL_CONFIRMED', 'SQL_REPORTED_FAILED']);
    expect(describeRelease(copy).machineEvents).toEqual(
      expect.arrayContaining(['SQL_CONFIRMED', 'SQL_REPORTED_FAILED', 'SQL_ORDERS_POLLED', 'TIMER_FIRED']),
    );
  });

  it('a snapshot of another machine version is refused, never half-loaded', () => {
    const d = toSqlExecuting();
    const other = { machineVersion: releaseMachineVersion + 1, snapshot: d.last.next.snapshot };
    expect(() => decide(other, { type: 'SQL_CONFIRMED', by: 'x' })).toThrow(MachineVersionError);
    const unknownState = {
      machineVersion: releaseMachineVersion,
      snapshot: { ...(d.last.next.snapshot as object), value: 'nowhere' },
    };
    expect(() => describeRelease(unknownState)).toThrow(expect.objectContaining({ code: 'MACHINE_VERSION' }));
  });

  it('an event the state does not accept is refused with the state and the accepted events', () => {
    const d = toSqlExecuting();
    const r = d.send({ type: 'CONFIG_CONFIRMED', by: 'ops' });
    expect(r.accepted).toBe(false);
    expect(r.refusal).toMatchObject({ state: 'sqlExecuting' });
    expect(r.refusal?.message).toContain('CONFIG_CONFIRMED is not accepted in sqlExecuting (SQL执行中)');
    expect(r.refusal?.acceptedEvents).toContain('SQL_CONFIRMED');
    // Only what a person may send is offered, never the machine's own events.
    expect(r.refusal?.acceptedEvents).not.toContain('SQL_ORDERS_POLLED');
    expect(r.refusal?.acceptedEvents).not.toContain('TIMER_FIRED');
    expect(r.refusal?.acceptedEvents).not.toContain('EFFECT_FAILED');
    expect(r.refusal?.message).not.toContain('SQL_ORDERS_POLLED');
  });

  it('revision counts decisions and makes keys of repeated effects distinct', () => {
    const d = toSqlExecuting(first(), settings({ sqlMode: 'watch' }));
    const a = d.send({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    d.send({ type: 'SQL_ORDERS_POLLED', orders: [] });
    const b = d.send({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    expect(a.effects[0]!.idempotencyKey).not.toBe(b.effects[0]!.idempotencyKey);
    expect(b.context.revision).toBe(a.context.revision + 2);
  });
});
