import {
  notificationChat,
  notificationMail,
  notificationsFor,
  type ReleaseEvent,
  type ReleaseNotification,
  type ReleaseSettings,
  stuckNotification,
  upgradeStartedAt,
  waitingOn,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { CONSOLE, REPORT, SQL1, SQL2 } from './first-upgrade-items.js';
import { Drive, normalizedFixture, settings } from './release-driver.js';
import { orderSubmitted, polledTask, readOrder } from './upstream-answers.js';

/** A release driven through decide, collecting what each accepted decision notifies. */
class Notified {
  readonly drive: Drive;
  readonly told: ReleaseNotification[] = [];

  constructor(s: ReleaseSettings = settings()) {
    this.drive = new Drive(normalizedFixture('first-upgrade.json'), s);
    this.told.push(
      ...notificationsFor({ from: null, event: null, to: this.drive.state, context: this.drive.context }),
    );
  }

  send(event: ReleaseEvent): ReleaseNotification[] {
    const from = this.drive.state;
    const decision = this.drive.send(event);
    if (!decision.accepted) return [];
    const out = notificationsFor({ from, event, to: decision.state, context: decision.context });
    this.told.push(...out);
    return out;
  }

  toSqlExecuting(): this {
    this.send({ type: 'ISSUE_READY', issueKey: 'AC-7', created: true });
    this.send({ type: 'POLICY_CHECKED', findings: [] });
    this.drive.resolveRoutes();
    this.send(orderSubmitted(SQL1, 11));
    this.send(orderSubmitted(SQL2, 12));
    return this;
  }

  /** SQL升级成功, and the fresh read of Archery showing every order finished. */
  confirmSql(by: string): ReleaseNotification[] {
    const asked = this.send({ type: 'SQL_CONFIRMED', by });
    const read = this.drive.latest('archery.readOrders');
    if (!read) return asked;
    return this.send({
      type: 'SQL_CONFIRMATION_CHECKED',
      orders: read.workflowIds.map((workflowId) => ({ workflowId, status: 'workflow_finish', error: null })),
    });
  }

  toCodeExecuting(): this {
    this.toSqlExecuting();
    this.confirmSql('dba.li');
    this.send({ type: 'CONFIG_CONFIRMED', by: 'ops.wang' });
    this.send({ type: 'DEPLOY_TARGETS_FOUND', service: CONSOLE, targets: [{ id: 1, name: 'UAT_console' }] });
    this.send({ type: 'DEPLOY_TARGETS_FOUND', service: REPORT, targets: [{ id: 2, name: 'UAT_report' }] });
    this.send({
      type: 'DEPLOYS_REPORTED',
      deploys: [
        { service: CONSOLE, targetId: 1, attempt: 1, outcome: 'started', taskId: 't1' },
        { service: REPORT, targetId: 2, attempt: 1, outcome: 'started', taskId: 't2' },
      ],
    });
    this.send({ type: 'TIMER_FIRED', timer: 'cmdb.poll' });
    return this;
  }
}

const kinds = (list: ReleaseNotification[]) => list.map((n) => `${n.kind}:${n.state}`);

describe('notificationsFor: which decisions tell people', () => {
  it('a manual release tells the DBA, then ops, then everyone that it completed with what was upgraded', () => {
    const r = new Notified().toCodeExecuting();
    const done = r.send({
      type: 'DEPLOY_TASKS_POLLED',
      tasks: [polledTask(CONSOLE, 1, 1, 'success'), polledTask(REPORT, 2, 1, 'success')],
    });
    expect(kinds(r.told)).toEqual([
      'waiting:sqlExecuting',
      'waiting:configExecuting',
      'completed:uatComplete',
    ]);
    expect(r.told.map((n) => n.waitingOn ?? null)).toEqual(['dba', 'ops', null]);
    const [completed] = done;
    expect(completed!.issueKey).toBe('AC-7');
    expect(completed!.upgraded!.code).toEqual([
      { service: CONSOLE, version: '1105' },
      { service: REPORT, version: '912' },
    ]);
    expect(completed!.upgraded!.sql.map((s) => s.workflowId)).toEqual([11, 12]);
    // Each decision's notification carries its revision: the host's idempotency key.
    expect(new Set(r.told.map((n) => n.revision)).size).toBe(3);
  });

  it('polls inside one wait tell nobody again', () => {
    const r = new Notified(settings({ sqlMode: 'watch' })).toSqlExecuting();
    expect(kinds(r.told)).toEqual(['waiting:sqlExecuting']);
    r.send({ type: 'TIMER_FIRED', timer: 'archery.poll' });
    r.send({
      type: 'SQL_ORDERS_POLLED',
      orders: [readOrder(11, 'workflow_executing'), readOrder(12, 'workflow_review_pass')],
    });
    expect(kinds(r.told)).toEqual(['waiting:sqlExecuting']);
  });

  it('in auto mode cdflow executes the SQL itself: nobody is told to wait for the DBA', () => {
    const r = new Notified(settings({ sqlMode: 'auto' })).toSqlExecuting();
    expect(r.told).toEqual([]);
    expect(waitingOn('sqlExecuting', { sqlMode: 'auto' })).toBeNull();
    expect(waitingOn('sqlExecuting', { sqlMode: 'manual' })).toBe('dba');
    expect(waitingOn('uatComplete', { sqlMode: 'manual' })).toBeNull();
    expect(waitingOn('codeExecuting.deploying', { sqlMode: 'manual' })).toBeNull();
  });

  it('a failure is told with its stage and reason; a failed deploy too', () => {
    const sql = new Notified().toSqlExecuting();
    const [failed] = sql.send({ type: 'SQL_REPORTED_FAILED', by: 'dba.li', reason: 'table locked' });
    expect(failed).toMatchObject({ kind: 'failed', state: 'sqlPending.failed' });
    expect(failed!.failure).toMatchObject({ stage: 'sql' });
    expect(failed!.failure!.reason).toContain('table locked');

    const code = new Notified(settings({ deployRetries: 0 })).toCodeExecuting();
    const [deploy] = code.send({
      type: 'DEPLOY_TASKS_POLLED',
      tasks: [polledTask(CONSOLE, 1, 1, 'success'), polledTask(REPORT, 2, 1, 'failed', 'image not found')],
    });
    expect(deploy).toMatchObject({ kind: 'failed', state: 'fixing', failure: { stage: 'code' } });
    expect(deploy!.failure!.reason).toContain(REPORT);
  });

  it('an effect that failed for good is a failure even though the stage stays put', () => {
    const r = new Notified().toSqlExecuting();
    const out = r.send({
      type: 'EFFECT_FAILED',
      effectType: 'jira.comment',
      idempotencyKey: 'k',
      reason: 'Jira refused the comment',
    });
    expect(kinds(out)).toEqual(['failed:sqlExecuting']);
    expect(out[0]!.failure!.reason).toContain('Jira refused the comment');
  });

  it('a manual iteration sends the release to the developers: waiting, not failed', () => {
    const r = new Notified().toCodeExecuting();
    r.send({
      type: 'DEPLOY_TASKS_POLLED',
      tasks: [polledTask(CONSOLE, 1, 1, 'success'), polledTask(REPORT, 2, 1, 'success')],
    });
    const out = r.send({ type: 'UAT_MANUAL_ITERATION', by: 'dev1' });
    expect(out.map((n) => [n.kind, n.state, n.waitingOn])).toEqual([['waiting', 'fixing', 'developers']]);
  });
});

describe('stuckNotification', () => {
  const r = new Notified().toSqlExecuting();
  const since = '2026-01-05T10:00:00.000Z';
  const at = Date.parse(since);
  const c = r.drive.context;
  const identity = {
    releaseId: c.releaseId,
    summary: c.summary,
    issueKey: c.issueKey,
    project: c.request.project,
    env: c.request.env,
    iteration: c.iteration,
    failure: null,
  };

  it('tells once the wait on a person is longer than the threshold, naming who and since when', () => {
    const release = { ...identity, state: r.drive.state, waitingSince: since };
    expect(stuckNotification(release, at + 60_000, 60_000)).toBeNull();
    expect(stuckNotification(release, at + 60_001, 60_000)).toMatchObject({
      kind: 'stuck',
      state: 'sqlExecuting',
      waitingOn: 'dba',
      waitingSince: since,
      revision: null,
    });
  });

  it('a release nobody waits on is never stuck', () => {
    const release = { ...identity, state: 'codeExecuting.deploying', waitingSince: since };
    expect(stuckNotification(release, at + 10 * 3_600_000, 60_000)).toBeNull();
  });
});

describe('texts', () => {
  const r = new Notified().toCodeExecuting();
  const [completed] = r.send({
    type: 'DEPLOY_TASKS_POLLED',
    tasks: [polledTask(CONSOLE, 1, 1, 'success'), polledTask(REPORT, 2, 1, 'success')],
  });

  it("the completion mail is the original's: subject, Dear All, times, upgrader, the upgraded services", () => {
    const mail = notificationMail({
      notification: completed!,
      statusName: 'UAT升级完成',
      startedAt: '2026-01-05 10:00:00',
      at: '2026-01-05 10:20:00',
      issueUrl: 'https://jira.example.com/browse/AC-7',
    });
    expect(mail.subject).toBe(`升级工单: ${completed!.summary}`);
    const lines = mail.text.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'Dear All:',
      '',
      '1. Upgrade start time:  2026-01-05 10:00:00',
      '2. Upgrade end   time:  2026-01-05 10:20:00',
      '3. Upgrader: API',
      '4. The following content has been upgraded:',
      '',
      `${CONSOLE.padEnd(25)} 升级版本: 1105`,
    ]);
    expect(mail.text).toContain('(Archery #11)');
    expect(mail.text).toContain('https://jira.example.com/browse/AC-7');
  });

  it('without deployed code the content is the original sentence', () => {
    const none = { ...completed!, upgraded: { code: [], sql: [], config: [] } };
    const mail = notificationMail({
      notification: none,
      statusName: 'x',
      startedAt: null,
      at: 't',
      issueUrl: null,
    });
    expect(mail.text).toContain('无代码升级，SQL 或配置已升级到 UAT 环境');
  });

  it('a failure message carries the reason', () => {
    const failed = new Notified().toSqlExecuting();
    const [n] = failed.send({ type: 'SQL_REPORTED_FAILED', by: 'dba.li', reason: 'table locked' });
    const chat = notificationChat({
      notification: n!,
      statusName: 'SQL待执行',
      startedAt: null,
      at: 't',
      issueUrl: null,
    });
    expect(chat.title).toContain('升级失败');
    expect(chat.lines.join('\n')).toContain('table locked');
  });
});

describe('upgradeStartedAt', () => {
  it('is the last time the release was created or came back into sqlPending', () => {
    const at = (n: number) => `2026-01-05T10:0${n}:00.000Z`;
    expect(
      upgradeStartedAt([
        { at: at(0), fromState: null, toState: 'sqlPending.awaitingPolicy', accepted: true },
        {
          at: at(1),
          fromState: 'sqlPending.awaitingPolicy',
          toState: 'sqlPending.submitting',
          accepted: true,
        },
        { at: at(2), fromState: 'sqlPending.submitting', toState: 'uatComplete', accepted: true },
        { at: at(3), fromState: 'uatComplete', toState: 'sqlPending.submitting', accepted: false },
        { at: at(4), fromState: 'uatComplete', toState: 'sqlPending.submitting', accepted: true },
        { at: at(5), fromState: 'sqlPending.submitting', toState: 'sqlExecuting', accepted: true },
      ]),
    ).toBe(at(4));
    expect(upgradeStartedAt([])).toBeNull();
  });
});
