/**
 * Production releases end to end: a UAT release promoted with 升级运营环境 becomes its own production
 * release (a second issue of type 运营升级), passes DBA, SA and team-lead approvals, runs against the
 * production Archery, CMDB and Apollo simulators only, and never has its SQL executed by cdflow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sampleRequest } from './support/e2e-harness.js';
import { eventually, jiraPerson, ordersOf } from './support/e2e-scenario.js';
import { alwaysOpen, type ProdScenario, startProdScenario } from './support/prod-scenario.js';

let h: ProdScenario | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

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
    h = await startProdScenario({ sqlMode: 'auto', config: { prod: { changeWindows: alwaysOpen } } });
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
      ((await h!.release(proKey)) as View).prod?.waitingFor === 'sa' ? true : undefined,
    );
    await h.waitForJiraStatus(proKey, '待SA审批');
    await h.sandbox.jira.actAs('sa1').transition(proKey, 'SA审批通过');
    await eventually('the SA approval', async () =>
      ((await h!.release(proKey)) as View).prod?.waitingFor === 'lead' ? true : undefined,
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
  });
});
