/**
 * Production releases end to end: a UAT release promoted with 升级运营环境 becomes its own production
 * release (a second issue of type 运营升级), passes DBA, SA and team-lead approvals, runs against the
 * production Archery, CMDB and Apollo simulators only, and never has its SQL executed by cdflow.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest } from './support/e2e-harness.js';
import { eventually, jiraPerson, ordersOf } from './support/e2e-scenario.js';
import { alwaysOpen, type ProdScenario, startProdScenario } from './support/prod-scenario.js';

const closedAfterTest = closingAfterEach();

type View = Record<string, unknown> & {
  state: string;
  step: string;
  jiraStatus: string;
  linked: { env: string; releaseId: string; key: string | null; state: string } | null;
  prod: {
    origin: string;
    publishedBy: string;
    steps: Array<{ key: string; approvedBy: string | null }>;
    waitingFor: string | null;
    refusedApprovals: Array<{ step: string; by: string; reason: string }>;
    rejection: { step: string; by: string; reason: string } | null;
    differences: Array<{ section: string; id: string; reason: string }>;
    notes: string[];
    window: { open: boolean; opensAt: string | null; closesAt: string | null } | null;
  } | null;
};

const auditOrExecute = (s: ProdScenario) =>
  s.prod.archery.calls().filter((c) => /workflow\/(audit|execute)/.test(c.route));

/** A UAT release of `body` driven to UAT升级完成 in auto mode (cdflow executes UAT's SQL itself). */
async function uatComplete(s: ProdScenario, body: Record<string, unknown>): Promise<string> {
  const res = await s.intake(body);
  expect(res.status).toBe(201);
  const key = String(res.body.key);
  await s.waitForStep(key, 'configExecuting.awaitingConfirmation');
  await s.waitForJiraStatus(key, 'CONFIG执行中');
  await s.sandbox.jira.actAs('ops').transition(key, '配置升级成功');
  await s.waitForState(key, 'uatComplete');
  await s.waitForJiraStatus(key, 'UAT升级完成');
  return key;
}

/** The production release of the UAT release `uatKey`, once its Jira issue exists. */
async function prodReleaseOf(s: ProdScenario, uatKey: string): Promise<{ key: string; view: View }> {
  return eventually(`the production release of ${uatKey}`, async () => {
    const uat = (await s.release(uatKey)) as View;
    const key = uat.linked?.key;
    if (!key) return undefined;
    return { key, view: (await s.release(key)) as View };
  });
}

describe('production: promotion from UAT, approvals, its own upstreams', () => {
  it('a promoted release passes three approvals, waits for the DBA in the production Archery, deploys there and completes; UAT sees nothing', async () => {
    const h = await closedAfterTest(
      startProdScenario({ sqlMode: 'auto', config: { prod: { changeWindows: alwaysOpen } } }),
    );
    const body = sampleRequest();
    const summary = String(body.summary);
    const uatKey = await uatComplete(h, body);
    const uatOrders = ordersOf(h, summary).length;
    expect(uatOrders).toBe(2);
    const uatCallsBefore = h.uatCalls();

    // Alice promotes the UAT release in Jira.
    await h.sandbox.jira.actAs(jiraPerson.name).transition(uatKey, '升级运营环境');
    await h.waitForState(uatKey, 'prodUpgrade');
    const { key: proKey, view: created } = await prodReleaseOf(h, uatKey);
    expect(proKey).not.toBe(uatKey);
    expect(created.env).toBe('PRO');
    expect(h.sandbox.jira.issue(proKey)?.issueType).toBe('运营升级');
    // The link both ways, and exactly what UAT applied: nothing differs.
    expect(created.linked).toMatchObject({ env: 'UAT', key: uatKey });
    expect(((await h.release(uatKey)) as View).linked).toMatchObject({ env: 'PRO', key: proKey });
    expect(created.prod).toMatchObject({
      origin: 'promotion',
      publishedBy: jiraPerson.name,
      differences: [],
    });
    // SQL mode auto is watch in production, and the history says so.
    expect(created.prod?.notes.join(' ')).toMatch(/auto is watch in production/);
    const byName = await h.releaseIn(summary, 'PRO');
    expect(byName.status).toBe(200);
    expect(byName.body.key).toBe(proKey);

    // Approvals in order: DBA and SA in Jira, the team lead through the operator API.
    await h.waitForState(proKey, 'prodApproval');
    await h.waitForJiraStatus(proKey, '待DBA审批');
    await h.sandbox.jira.actAs('dba1').transition(proKey, 'DBA审批通过');
    await eventually('the DBA approval', async () =>
      ((await h.release(proKey)) as View).prod?.waitingFor === 'sa' ? true : undefined,
    );
    await h.waitForJiraStatus(proKey, '待SA审批');
    await h.sandbox.jira.actAs('sa1').transition(proKey, 'SA审批通过');
    await eventually('the SA approval', async () =>
      ((await h.release(proKey)) as View).prod?.waitingFor === 'lead' ? true : undefined,
    );
    // Nothing has run in production before the last approval.
    expect(h.prod.archery.calls().filter((c) => c.route.startsWith('POST'))).toEqual([]);
    const lead = await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'lead1' });
    expect(lead.status).toBe(200);

    // The SQL goes to the production Archery; cdflow waits for the DBA there.
    const executing = (await h.waitForState(proKey, 'sqlExecuting')) as View;
    expect(executing.prod?.steps.map((s) => [s.key, s.approvedBy])).toEqual([
      ['dba', 'dba1'],
      ['sa', 'sa1'],
      ['lead', 'lead1'],
    ]);
    const prodOrders = h.prod.archery.orders().filter((o) => o.workflowName.includes(summary));
    expect(prodOrders).toHaveLength(2);
    expect(prodOrders.map((o) => o.sqlContent)).toEqual(
      (body.sql_info as Array<{ sql_content: string }>).map((i) => i.sql_content),
    );
    // Still waiting a while later: cdflow never audits or executes in production.
    await new Promise((r) => setTimeout(r, 300));
    expect(((await h.release(proKey)) as View).state).toBe('sqlExecuting');
    expect(auditOrExecute(h)).toEqual([]);
    for (const o of prodOrders) {
      h.prod.archery.dba.pass(o.workflowId);
      h.prod.archery.dba.execute(o.workflowId);
    }
    await h.waitForStep(proKey, 'configExecuting.awaitingConfirmation');
    await h.waitForJiraStatus(proKey, 'CONFIG执行中');
    await h.sandbox.jira.actAs('ops').transition(proKey, '配置升级成功');
    const done = (await h.waitForState(proKey, 'prodComplete')) as View;
    expect(done.jiraStatus).toBe('运营升级完成');
    await h.waitForJiraStatus(proKey, '运营升级完成');

    // Production's CMDB and Apollo did the work; the UAT simulators saw no call at all.
    const deploys = h.prod.cmdb.deploys();
    expect(deploys.length).toBeGreaterThan(0);
    expect(deploys.map((d) => d.version).sort()).toEqual(['1061', '877']);
    expect(h.prod.apollo.requests().length).toBeGreaterThan(0);
    expect(h.uatCalls()).toBe(uatCallsBefore);
    expect(ordersOf(h, summary)).toHaveLength(uatOrders);
    expect(auditOrExecute(h)).toEqual([]);

    // Who approved and when is in the history.
    const history = await h.history(proKey);
    const approvals = history.filter((e) => e.event === 'PROD_APPROVED' && e.accepted === true);
    expect(approvals.map((e) => e.actor)).toEqual(['dba1', 'sa1', 'lead1']);
    expect(approvals.every((e) => typeof e.at === 'string')).toBe(true);
    // The UAT release kept its own applied state.
    const uatView = (await h.release(uatKey)) as View;
    expect(uatView.state).toBe('prodUpgrade');
    expect(uatView.linked).toMatchObject({ env: 'PRO', state: 'prodComplete' });
    // The UAT release ended with 升级运营环境 (as its Jira workflow does): a UAT re-publish is told so,
    // and neither release changes.
    const republished = await h.intake(body);
    expect(republished.status).toBe(409);
    expect(republished.body.error).toBe('release_final');
    expect(String(republished.body.message)).toMatch(/promoted to production \(运营环境升级\)/);
    expect(((await h.release(proKey)) as View).revision).toBe(done.revision);
  });
});

/** The first window of Jan 1st, 00:00 in Beijing, after now (ISO). */
function nextNewYearInBeijing(now = Date.now()): string {
  const year = new Date(now + 8 * 3_600_000).getUTCFullYear();
  const thisYear = Date.UTC(year, 0, 1) - 8 * 3_600_000;
  return new Date(thisYear > now ? thisYear : Date.UTC(year + 1, 0, 1) - 8 * 3_600_000).toISOString();
}

describe('production: the answers a person gets', () => {
  it('an approval from outside the group (in Jira or the API), twice by one person, out of order, and a rejection with its reason', async () => {
    // Jira without group conditions on the approvals: cdflow checks the groups itself, through Jira's REST API.
    const h = await closedAfterTest(
      startProdScenario({
        sqlMode: 'auto',
        config: { prod: { changeWindows: alwaysOpen } },
        jira: { prodApprovalGroups: null },
      }),
    );
    const body = sampleRequest();
    await uatComplete(h, body);
    // The release system asks for production with what UAT applied: nothing differs.
    const res = await h.intake({ ...body, env: 'PRO' });
    expect(res.status).toBe(201);
    const proKey = String(res.body.key);
    const created = (await h.waitForState(proKey, 'prodApproval')) as View;
    expect(created.prod).toMatchObject({ origin: 'request', differences: [], waitingFor: 'dba' });
    expect(h.sandbox.jira.issue(proKey)?.issueType).toBe('运营升级');
    await h.waitForJiraStatus(proKey, '待DBA审批');

    // A tester moves the issue to the DBA's approval in Jira: not theirs to give; Jira is taken back.
    await h.sandbox.jira.actAs('tester1').transition(proKey, 'DBA审批通过');
    const refused = await eventually('the refused approval', async () => {
      const view = (await h.release(proKey)) as View;
      return view.prod?.refusedApprovals.length === 1 ? view : undefined;
    });
    expect(refused.prod?.refusedApprovals[0]).toMatchObject({ step: 'dba', by: 'tester1' });
    expect(refused.prod?.waitingFor).toBe('dba');
    await h.waitForJiraStatus(proKey, '待DBA审批');
    await eventually('the comment for the tester', () =>
      h.jiraComments(proKey).some((c) => c.includes('tester1') && c.includes('dba')) ? true : undefined,
    );

    // Through the API: the SA may not give the DBA's approval.
    const bySa = await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'sa1' });
    expect(bySa.status).toBe(403);
    expect(bySa.body.reason).toBe('approval_not_in_group');
    expect(String(bySa.body.message)).toMatch(/Jira group dba/);
    // The shared token names its approver.
    const unnamed = await h.decide(proKey, { type: 'PROD_APPROVED' });
    expect(unnamed.status).toBe(400);
    expect(String(unnamed.body.message)).toMatch(/approver/);

    // Carol (in dba and sa) approves the DBA step, then may not approve the SA step too.
    expect((await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'carol' })).status).toBe(200);
    const twice = await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'carol' });
    expect(twice.status).toBe(403);
    expect(twice.body.reason).toBe('approval_twice');
    expect(String(twice.body.message)).toMatch(/already approved step dba/);
    // The DBA step is approved: approving it again is out of order.
    const again = await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'dba1', step: 'dba' });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('approval_out_of_order');
    await h.waitForJiraStatus(proKey, '待SA审批');

    // The SA rejects, with a reason: the production release ends there.
    const rejected = await h.decide(proKey, {
      type: 'PROD_REJECTED',
      approver: 'sa1',
      reason: 'the DML has no rollback script',
    });
    expect(rejected.status).toBe(200);
    const ended = (await h.waitForState(proKey, 'prodRejected')) as View;
    expect(ended.prod?.rejection).toEqual({
      step: 'sa',
      by: 'sa1',
      reason: 'the DML has no rollback script',
    });
    await h.waitForJiraStatus(proKey, '审批驳回');
    const late = await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'sa1' });
    expect(late.status).toBe(409);
    const history = await h.history(proKey);
    expect(history.some((e) => e.event === 'PROD_REJECTED' && e.actor === 'sa1' && e.accepted)).toBe(true);
    // Nothing reached the production upstreams.
    expect(h.prod.archery.orders()).toEqual([]);
    expect(h.prod.cmdb.deploys()).toEqual([]);
  });

  it('the person who promoted a release may not approve it (prod.publisherMayApprove is false)', async () => {
    const h = await closedAfterTest(
      startProdScenario({ sqlMode: 'auto', config: { prod: { changeWindows: alwaysOpen } } }),
    );
    const uatKey = await uatComplete(h, sampleRequest());
    // Carol (in dba and sa) promotes in Jira, then tries to approve the DBA step of what she asked for.
    await h.sandbox.jira.actAs('carol').transition(uatKey, '升级运营环境');
    const { key: proKey } = await prodReleaseOf(h, uatKey);
    await h.waitForState(proKey, 'prodApproval');
    const own = await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'carol' });
    expect(own.status).toBe(403);
    expect(own.body.reason).toBe('approval_by_publisher');
    expect(String(own.body.message)).toMatch(/carol asked for this production release/);
    expect((await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'dba1' })).status).toBe(200);
  });

  it('without production upstreams, a PRO request and a promotion are refused, and nothing goes to the UAT upstreams', async () => {
    const h = await closedAfterTest(startProdScenario({ sqlMode: 'auto', prodUpstreams: false }));
    const body = sampleRequest();
    const uatKey = await uatComplete(h, body);
    const uatCalls = h.uatCalls();

    const pro = await h.intake({ ...body, env: 'PRO' });
    expect(pro.status).toBe(409);
    expect(pro.body.error).toBe('prod_not_configured');
    expect(String(pro.body.message)).toMatch(/PRO_ARCHERY_BASE_URL/);
    expect(String(pro.body.message)).toMatch(/never sent to the UAT upstreams/);

    const promote = await h.decide(uatKey, { type: 'PROMOTE_TO_PROD' });
    expect(promote.status).toBe(409);
    expect(promote.body.reason).toBe('prod_not_configured');
    const uat = (await h.release(uatKey)) as View;
    expect(uat.state).toBe('uatComplete');
    expect(uat.linked).toBeNull();
    expect((await h.releaseIn(String(body.summary), 'PRO')).status).toBe(404);
    // In Jira too: the move is answered on the issue, and the UAT release stays where it was.
    await h.sandbox.jira.actAs(jiraPerson.name).transition(uatKey, '升级运营环境');
    await eventually('the answer on the issue', () =>
      h.jiraComments(uatKey).some((c) => c.includes('Production is not configured')) ? true : undefined,
    );
    expect(((await h.release(uatKey)) as View).state).toBe('uatComplete');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.uatCalls()).toBe(uatCalls);
  });

  it('a PRO request that differs from UAT needs its differences approved, then waits for the change window', async () => {
    const h = await closedAfterTest(
      startProdScenario({
        sqlMode: 'auto',
        // Once a year, Jan 1st 00:00 in Beijing: closed now.
        config: {
          prod: { changeWindows: [{ cron: '0 0 1 1 *', durationMinutes: 60, timeZone: 'Asia/Shanghai' }] },
        },
      }),
    );
    const body = sampleRequest({ sql_info: [], apollo_info: [], config_info: [] });
    const res = await h.intake({ ...body, env: 'PRO' });
    expect(res.status).toBe(201);
    const proKey = String(res.body.key);
    const view = (await h.waitForState(proKey, 'prodApproval')) as View;
    // No UAT release applied any of it: flagged in the plan and in the production view.
    expect(view.prod?.differences.map((d) => d.id)).toEqual([
      'a18/cc_merchant_console',
      'a18/cc_report_service',
    ]);
    expect(
      (view.plan as { code: Array<{ differsFromUat?: string }> }).code.every((e) => e.differsFromUat),
    ).toBe(true);
    expect((await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'dba1' })).status).toBe(200);
    expect((await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'sa1' })).status).toBe(200);
    const unacknowledged = await h.decide(proKey, { type: 'PROD_APPROVED', approver: 'lead1' });
    expect(unacknowledged.status).toBe(409);
    expect(unacknowledged.body.reason).toBe('approval_needs_acknowledgement');
    expect(String(unacknowledged.body.message)).toMatch(/acknowledgeDifferences/);
    const acknowledged = await h.decide(proKey, {
      type: 'PROD_APPROVED',
      approver: 'lead1',
      acknowledgeDifferences: true,
    });
    expect(acknowledged.status).toBe(200);

    // Outside the window: a visible wait with the next window's start, and no deploy.
    const waiting = (await h.waitForStep(proKey, 'codeExecuting.waitingForWindow')) as View;
    expect(waiting.prod?.window).toMatchObject({ open: false, opensAt: nextNewYearInBeijing() });
    const situation = JSON.stringify(waiting.situation);
    expect(situation).toMatch(/change window/);
    await new Promise((r) => setTimeout(r, 300));
    expect(((await h.release(proKey)) as View).step).toBe('codeExecuting.waitingForWindow');
    expect(h.prod.cmdb.deploys()).toEqual([]);
    expect(h.sandbox.cmdb.deploys()).toEqual([]);
  });

  it('a UAT re-publish after a production request still plans against what UAT applied; the production release is untouched', async () => {
    const h = await closedAfterTest(
      startProdScenario({ sqlMode: 'auto', config: { prod: { changeWindows: alwaysOpen } } }),
    );
    const body = sampleRequest();
    const uatKey = await uatComplete(h, body);
    const pro = await h.intake({ ...body, env: 'PRO' });
    expect(pro.status).toBe(201);
    const proKey = String(pro.body.key);
    const proBefore = (await h.waitForState(proKey, 'prodApproval')) as View;
    await h.waitForJiraStatus(proKey, '待DBA审批');

    // UAT gets a changed DML: the view is already applied in UAT, the DML is not.
    const sql = (body.sql_info as Array<Record<string, string>>).map((i) =>
      i.sql_id === 'a18-0002'
        ? { ...i, sql_content: "UPDATE laboratory SET city = 'Lviv' WHERE city = 'Lvov';" }
        : i,
    );
    const again = await h.intake({ ...body, sql_info: sql });
    expect(again.status).toBe(200);
    expect(again.body.key).toBe(uatKey);
    const uat = (await h.release(uatKey)) as View;
    const plan = uat.plan as { sql: Array<{ item: { sqlId: string }; decision: string }> };
    expect(plan.sql.map((e) => [e.item.sqlId, e.decision])).toEqual([
      ['a18-0001', 'skip'],
      ['a18-0002', 'run'],
    ]);
    const proAfter = (await h.release(proKey)) as View;
    expect(proAfter.revision).toBe(proBefore.revision);
    expect(proAfter.state).toBe('prodApproval');
    expect(uat.linked).toMatchObject({ env: 'PRO', key: proKey });
  });
});
