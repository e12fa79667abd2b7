/**
 * Production releases in core: a promotion carries exactly what UAT applied, approvals come in order
 * from the step's group (never twice, never by the publisher), a rejection ends the release, cdflow
 * never executes SQL in production, and deploys wait for a change window.
 */
import {
  changeWindowAt,
  changeWindowProblem,
  type Decision,
  decide,
  defaultProdSettings,
  describeRelease,
  interpretJiraDelivery,
  jiraStatusOf,
  type NormalizedRequest,
  type ProdSettings,
  promotedRequest,
  promotionSource,
  type ReleaseEvent,
  type ReleaseSettings,
  startRelease,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { CONSOLE, REPORT, SQL1, SQL2 } from './first-upgrade-items.js';
import { normalizedFixture, settings, summarize } from './release-driver.js';
import { orderSubmitted, readOrder } from './upstream-answers.js';

/** Always open (a window a day, a day long). */
const anyTime = [{ cron: '0 0 * * *', durationMinutes: 24 * 60, timeZone: 'UTC' }];

function prodSettings(overrides: Partial<ProdSettings> = {}): ProdSettings {
  return { ...defaultProdSettings(), changeWindows: anyTime, ...overrides };
}

function prodRunSettings(
  s: Partial<ReleaseSettings> = {},
  prod: Partial<ProdSettings> = {},
): ReleaseSettings {
  return settings({ sqlMode: 'auto', ...s, prod: prodSettings(prod) });
}

/** Archery's sqlcheck, when the decision asked for it: nothing found. */
function answerSqlCheck(d: Decision, send: (e: ReleaseEvent) => Decision): Decision {
  const check = d.effects.find((e) => e.type === 'archery.checkSql');
  if (check?.type !== 'archery.checkSql') return d;
  return send({
    type: 'SQL_CHECKED',
    items: check.items.map((i) => ({ sqlId: i.sqlId, hash: i.hash, errors: [], warnings: [] })),
  });
}

/** The fresh read of Archery a person's SQL升级成功 asks for, when it does: every order finished. */
function answerConfirmationRead(d: Decision, send: (e: ReleaseEvent) => Decision): Decision {
  const read = d.effects.find((e) => e.type === 'archery.readOrders');
  if (read?.type !== 'archery.readOrders') return d;
  return send({
    type: 'SQL_CONFIRMATION_CHECKED',
    orders: read.workflowIds.map((workflowId) => ({ workflowId, status: 'workflow_finish', error: null })),
  });
}

/** A UAT release driven to uatComplete (both SQL items executed, config and code applied). */
function uatComplete(request: NormalizedRequest = normalizedFixture('first-upgrade.json')): Decision {
  let d = startRelease({ releaseId: 'rel-uat', request, settings: settings({ policyGate: false }) });
  const send = (e: ReleaseEvent) => {
    d = decide(d.next, e);
    return d;
  };
  const routes = d.effects.find((e) => e.type === 'archery.resolveRoutes');
  send({ type: 'ISSUE_READY', issueKey: 'AC-1', created: true });
  if (routes?.type !== 'archery.resolveRoutes') throw new Error(`no routes in ${d.state}`);
  send({
    type: 'SQL_ROUTES_RESOLVED',
    routes: routes.routes.map((r) => ({ sqlId: r.sqlId, dbName: 'acc' })),
  });
  answerSqlCheck(d, send);
  for (const [i, item] of request.sql.entries()) {
    send(orderSubmitted(item.sqlId, 11 + i));
  }
  answerConfirmationRead(send({ type: 'SQL_CONFIRMED', by: 'dba1' }), send);
  send({ type: 'CONFIG_CONFIRMED', by: 'ops1' });
  for (const code of request.code)
    send({
      type: 'DEPLOY_TARGETS_FOUND',
      service: code.service,
      targets: [{ id: 12, name: `UAT_${code.service}` }],
    });
  for (const code of request.code)
    send({
      type: 'DEPLOYS_REPORTED',
      deploys: [{ service: code.service, targetId: 12, attempt: 1, outcome: 'success', message: null }],
    });
  expect(d.state).toBe('uatComplete');
  return d;
}

class Prod {
  last: Decision;
  constructor(
    request: NormalizedRequest,
    s: ReleaseSettings,
    origin: 'promotion' | 'request',
    uat: Decision | null,
  ) {
    this.last = startRelease({
      releaseId: 'rel-pro',
      request,
      settings: s,
      prod: {
        origin,
        uatReleaseId: uat?.context.releaseId ?? null,
        uatApplied: uat?.context.applied ?? null,
        publishedBy: 'tester1',
      },
    });
  }
  send(e: ReleaseEvent): Decision {
    this.last = decide(this.last.next, e);
    return this.last;
  }
  approve(
    by: string,
    groups: string[],
    extra: Partial<Extract<ReleaseEvent, { type: 'PROD_APPROVED' }>> = {},
  ) {
    return this.send({ type: 'PROD_APPROVED', by, via: 'api', groups, ...extra });
  }
  get state() {
    return this.last.state;
  }
  get context() {
    return this.last.context;
  }
}

function promoted(s: ReleaseSettings = prodRunSettings()): { prod: Prod; uat: Decision } {
  const uat = uatComplete();
  const prod = new Prod(promotedRequest(promotionSource(uat.context)), s, 'promotion', uat);
  prod.send({ type: 'ISSUE_READY', issueKey: 'AC-2', created: true });
  return { prod, uat };
}

function approvedAll(p: Prod) {
  p.approve('dba1', ['dba']);
  p.approve('sa1', ['sa']);
  return p.approve('lead1', ['team-leads']);
}

describe('promotion: the production release is exactly what UAT applied', () => {
  it('keeps the texts and hashes in sequence order, drops UAT-only files, puts production-only ones back', () => {
    const request = normalizedFixture('first-upgrade.json', (b) => {
      const sql = b.sql_info as Array<Record<string, unknown>>;
      sql.splice(1, 0, {
        sql_id: 'a18-ops',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '01b.运营_backfill.sql',
        svn_version: '2301',
        sql_content: 'UPDATE store SET flag = 1;',
      });
      sql.push({
        sql_id: 'a18-uat-only',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '03.seed_ONLYUAT.sql',
        svn_version: '2301',
        sql_content: "INSERT INTO store (name) VALUES ('test');",
      });
      (b.code_info as unknown[]).push({ svn_path: 'a18/cc_console_prod', svn_version: '77', tag: '' });
    });
    expect(request.sql.map((s) => s.sqlId)).toEqual([SQL1, SQL2, 'a18-uat-only']);
    const uat = uatComplete(request);
    const pro = promotedRequest(promotionSource(uat.context));
    expect(pro.env).toBe('PRO');
    expect(pro.sql.map((s) => [s.seq, s.sqlId])).toEqual([
      [1, SQL1],
      [2, 'a18-ops'],
      [3, SQL2],
    ]);
    for (const item of pro.sql.filter((s) => s.sqlId !== 'a18-ops')) {
      expect(item.hash).toBe(uat.context.applied.sql[item.sqlId]?.hash);
      expect(item.sql).toBe(uat.context.request.sql.find((s) => s.sqlId === item.sqlId)?.sql);
    }
    expect(pro.dropped).toContainEqual(
      expect.objectContaining({ id: 'a18-uat-only', rule: 'sqlFileFilters.PRO (ONLYUAT)' }),
    );
    expect(pro.code.map((c) => [c.service, c.svnVersion])).toEqual([
      [CONSOLE, '1105'],
      [REPORT, '912'],
      ['a18/cc_console_prod', '77'],
    ]);
  });

  it('is refused while production upstreams are missing: the UAT release stays in UAT升级完成', () => {
    const uat = uatComplete();
    const refused = decide(uat.next, { type: 'PROMOTE_TO_PROD', by: 'tester1', prodUpstreams: false });
    expect(refused.accepted).toBe(false);
    expect(refused.refusal).toMatchObject({ code: 'prod_not_configured' });
    expect(refused.refusal?.message).toContain('PRO_ARCHERY_BASE_URL');
    const done = decide(uat.next, { type: 'PROMOTE_TO_PROD', by: 'tester1', prodUpstreams: true });
    expect(done.state).toBe('prodUpgrade');
    const promote = done.effects.find((e) => e.type === 'release.promote');
    expect(promote).toMatchObject({
      idempotencyKey: 'rel-uat:promote',
      by: 'tester1',
      uat: { releaseId: 'rel-uat' },
    });
  });
});

describe('approvals before anything runs in production', () => {
  it('reads and checks, then waits for the DBA, the SA and the team lead, in order', () => {
    const { prod } = promoted();
    prod.send({ type: 'POLICY_CHECKED', findings: [] });
    expect(prod.state).toBe('prodApproval');
    expect(jiraStatusOf(prod.last)).toBe('待DBA审批');
    expect(prod.last.effects.find((e) => e.type === 'jira.comment')).toMatchObject({
      body: expect.stringContaining('promoted from UAT by tester1'),
    });
    // Nothing is routed, submitted or deployed before the approvals.
    const a = prod.approve('dba1', ['dba']);
    expect(a.state).toBe('prodApproval');
    expect(summarize(a.effects)).toEqual(['jira.moveTo prodApproval via approve']);
    expect(a.effects[0]).toMatchObject({ status: '待SA审批', transition: 'DBA审批通过' });
    prod.approve('sa1', ['sa']);
    const last = prod.approve('lead1', ['team-leads']);
    expect(last.state).toBe('sqlPending.resolvingRoutes');
    expect(last.effects[0]).toMatchObject({
      type: 'jira.moveTo',
      status: 'SQL待执行',
      transition: '组长审批通过',
    });
    expect(last.context.prod?.approvals.map((x) => [x.step, x.by])).toEqual([
      ['dba', 'dba1'],
      ['sa', 'sa1'],
      ['lead', 'lead1'],
    ]);
  });

  it('refuses an approval from outside the group, a second one by the same person, and one by the publisher', () => {
    const { prod } = promoted();
    prod.send({ type: 'POLICY_CHECKED', findings: [] });
    const outsider = prod.approve('dev1', ['developers']);
    expect(outsider.accepted).toBe(false);
    expect(outsider.refusal).toMatchObject({ code: 'approval_not_in_group', forbidden: true });
    expect(outsider.refusal?.message).toContain('member of the Jira group dba');
    prod.approve('dba1', ['dba', 'sa']);
    const twice = prod.approve('dba1', ['dba', 'sa']);
    expect(twice.refusal).toMatchObject({ code: 'approval_twice', forbidden: true });
    const publisher = prod.approve('tester1', ['sa']);
    expect(publisher.refusal).toMatchObject({ code: 'approval_by_publisher' });
    expect(describeRelease(prod.last.next).state).toBe('prodApproval');
  });

  it('answers a refused approval made in Jira there: comment, and the issue goes back to the step', () => {
    const { prod } = promoted();
    prod.send({ type: 'POLICY_CHECKED', findings: [] });
    const d = prod.send({ type: 'PROD_APPROVED', by: 'dev1', via: 'jira', groups: ['developers'] });
    expect(d.accepted).toBe(true);
    expect(d.state).toBe('prodApproval');
    expect(summarize(d.effects)).toEqual(['jira.comment', 'jira.moveTo prodApproval via returnForApproval']);
    expect(d.effects[1]).toMatchObject({ status: '待DBA审批', transition: '退回DBA审批' });
    expect(d.context.prod?.refusedApprovals).toEqual([
      { step: 'dba', by: 'dev1', reason: expect.stringContaining('Jira group dba') },
    ]);
  });

  it('maps a person’s approval move in Jira to an approval of the step it left', () => {
    const { prod } = promoted();
    prod.send({ type: 'POLICY_CHECKED', findings: [] });
    const release = describeRelease(prod.last.next);
    const answer = interpretJiraDelivery(
      release,
      { change: { from: '待DBA审批', to: '待SA审批' }, transitionName: 'DBA审批通过', by: 'dba1' },
      '待SA审批',
      { cdflowUser: 'cdflow' },
    );
    expect(answer).toMatchObject({
      kind: 'event',
      event: { type: 'PROD_APPROVED', by: 'dba1', via: 'jira', step: 'dba' },
    });
  });

  it('a rejection ends the release with the reason; nothing ran', () => {
    const { prod } = promoted();
    prod.send({ type: 'POLICY_CHECKED', findings: [] });
    prod.approve('dba1', ['dba']);
    const d = prod.send({
      type: 'PROD_REJECTED',
      by: 'sa1',
      via: 'api',
      groups: ['sa'],
      reason: 'no rollback plan',
    });
    expect(d.state).toBe('prodRejected');
    expect(describeRelease(d.next).final).toBe(true);
    expect(d.context.prod?.rejection).toEqual({ step: 'sa', by: 'sa1', reason: 'no rollback plan' });
    expect(jiraStatusOf(d)).toBe('审批驳回');
    expect(summarize(d.effects)).toEqual(['jira.moveTo prodRejected via reject', 'jira.comment']);
  });
});

describe('in production cdflow never executes SQL and deploys inside a window', () => {
  it('auto is watch (noted); the DBA executes; deploys wait for the window and wake at its start', () => {
    const windows = [{ cron: '0 22 * * *', durationMinutes: 120, timeZone: 'Asia/Shanghai' }];
    const { prod } = promoted(prodRunSettings({}, { changeWindows: windows }));
    expect(prod.context.settings.sqlMode).toBe('watch');
    expect(prod.context.prod?.notes[0]).toContain('cdflow never executes SQL');
    prod.send({ type: 'POLICY_CHECKED', findings: [] });
    approvedAll(prod);
    const resolved = prod.send({
      type: 'SQL_ROUTES_RESOLVED',
      routes: [SQL1, SQL2].map((sqlId) => ({ sqlId, dbName: 'acc' })),
    });
    // Archery's own check runs in production too, on production's Archery, before any submission.
    expect(resolved.state).toBe('sqlPending.checkingSql');
    answerSqlCheck(resolved, (e) => prod.send(e));
    prod.send(orderSubmitted(SQL1, 21));
    const submitted = prod.send(orderSubmitted(SQL2, 22));
    expect(submitted.state).toBe('sqlExecuting.watching');
    const polled = prod.send({
      type: 'SQL_ORDERS_POLLED',
      orders: [readOrder(21, 'workflow_review_pass'), readOrder(22, 'workflow_manreviewing')],
    });
    expect(polled.effects.some((e) => e.type === 'archery.executeOrder')).toBe(false);
    prod.send({
      type: 'SQL_ORDERS_POLLED',
      orders: [21, 22].map((workflowId) => ({ workflowId, status: 'workflow_finish' as const, error: null })),
    });
    const code = prod.send({ type: 'CONFIG_CONFIRMED', by: 'ops1' });
    expect(code.state).toBe('codeExecuting.checkingWindow');
    expect(code.effects.map((e) => e.type)).toContain('prod.checkWindow');
    // 12:00 UTC is 20:00 in Shanghai: two hours before the window.
    const noon = Date.parse('2026-03-02T12:00:00Z');
    const waiting = prod.send({ type: 'CHANGE_WINDOW_CHECKED', now: noon });
    expect(waiting.state).toBe('codeExecuting.waitingForWindow');
    expect(waiting.effects.find((e) => e.type === 'timer.schedule')).toMatchObject({
      timer: 'prod.window',
      delayMs: 2 * 3_600_000,
    });
    expect(waiting.effects.some((e) => e.type === 'cmdb.deploy')).toBe(false);
    for (const service of [CONSOLE, REPORT])
      prod.send({ type: 'DEPLOY_TARGETS_FOUND', service, targets: [{ id: 13, name: `PRO_${service}` }] });
    const woken = prod.send({ type: 'TIMER_FIRED', timer: 'prod.window' });
    expect(woken.state).toBe('codeExecuting.checkingWindow');
    const open = prod.send({ type: 'CHANGE_WINDOW_CHECKED', now: Date.parse('2026-03-02T14:00:00Z') });
    expect(open.state).toBe('codeExecuting.deploying');
    expect(open.effects.some((e) => e.type === 'cmdb.deploy')).toBe(true);
    const done = prod.send({
      type: 'DEPLOYS_REPORTED',
      deploys: [CONSOLE, REPORT].map((service) => ({
        service,
        targetId: 13,
        attempt: 1,
        outcome: 'success' as const,
        message: null,
      })),
    });
    expect(done.state).toBe('prodComplete');
    expect(jiraStatusOf(done)).toBe('运营升级完成');
    expect(done.appliedVersion).toBe('1.2.0');
    expect(prod.send({ type: 'FINISH', by: 'tester1' }).state).toBe('closed');
  });
});

describe('a PRO request from the release system', () => {
  it('flags what differs from its UAT release in the plan and needs the team lead to approve it explicitly', () => {
    const uat = uatComplete();
    const request = normalizedFixture('first-upgrade.json', (b) => {
      b.env = 'PRO';
      (b.code_info as Array<Record<string, unknown>>)[0]!.svn_version = '1106';
    });
    const prod = new Prod(request, prodRunSettings(), 'request', uat);
    prod.send({ type: 'ISSUE_READY', issueKey: 'AC-3', created: true });
    prod.send({ type: 'POLICY_CHECKED', findings: [] });
    expect(prod.context.plan.code.map((e) => [e.item.service, e.differsFromUat ?? null])).toEqual([
      [CONSOLE, 'version 1106 here, UAT deployed 1105'],
      [REPORT, null],
    ]);
    prod.approve('dba1', ['dba']);
    prod.approve('sa1', ['sa']);
    const plain = prod.approve('lead1', ['team-leads']);
    expect(plain.refusal).toMatchObject({ code: 'approval_needs_acknowledgement' });
    expect(plain.refusal?.message).toContain('version 1106 here, UAT deployed 1105');
    const explicit = prod.approve('lead1', ['team-leads'], { acknowledgeDifferences: true });
    expect(explicit.accepted).toBe(true);
    expect(explicit.context.prod?.approvals.at(-1)).toMatchObject({
      step: 'lead',
      differences: [`code ${CONSOLE}: version 1106 here, UAT deployed 1105`],
    });
  });

  it('without a UAT release, every item is a difference', () => {
    const request = normalizedFixture('first-upgrade.json', (b) => {
      b.env = 'PRO';
    });
    const prod = new Prod(request, prodRunSettings(), 'request', null);
    expect(prod.context.plan.sql.map((e) => e.differsFromUat)).toEqual([
      'no UAT release of this summary applied it',
      'no UAT release of this summary applied it',
    ]);
  });
});

describe('change windows', () => {
  const weekdays = [{ cron: '0 22 * * 1-5', durationMinutes: 120, timeZone: 'Asia/Shanghai' }];

  it('is open inside a window until it closes, closed outside until the next start (in its time zone)', () => {
    // Monday 2026-03-02 22:30 in Shanghai is 14:30 UTC.
    expect(changeWindowAt(weekdays, Date.parse('2026-03-02T14:30:00Z'))).toEqual({
      open: true,
      closesAt: Date.parse('2026-03-02T16:00:00Z'),
      opensAt: null,
    });
    // Saturday: the next window is Monday 22:00 Shanghai.
    expect(changeWindowAt(weekdays, Date.parse('2026-03-07T14:30:00Z'))).toEqual({
      open: false,
      closesAt: null,
      opensAt: Date.parse('2026-03-09T14:00:00Z'),
    });
  });

  it('names what is wrong with a configured window', () => {
    expect(changeWindowProblem({ cron: 'every night', durationMinutes: 60, timeZone: 'UTC' })).toContain(
      'cron',
    );
    expect(
      changeWindowProblem({ cron: '0 22 * * *', durationMinutes: 60, timeZone: 'Mars/Olympus' }),
    ).toContain('time zone');
    expect(changeWindowProblem({ cron: '0 22 * * *', durationMinutes: 0, timeZone: 'UTC' })).toContain(
      'durationMinutes',
    );
    expect(changeWindowProblem(weekdays[0]!)).toBeNull();
  });
});
