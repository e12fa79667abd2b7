/**
 * The SQL stage tells the truth (issue 11), through HTTP against the simulators: Archery decides what
 * ran (a person's SQL升级成功 stands only when Archery shows every order finished), a re-publish during a
 * submission binds each order to the content it was submitted with, a refused self-audit is reported
 * once, Archery's own check stops a submission, and a post-function webhook is read like an issue event.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, finishSqlOrders, sampleRequest, tokens } from './support/e2e-harness.js';
import {
  confirmConfigUntilUatComplete,
  eventually,
  ordersOf,
  type Scenario,
  startScenario,
} from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

interface LegacyData {
  upgrade_status: unknown;
  sql_info: Array<{ sql_id: string; status: string; errormessage?: string }>;
  errormessage: string;
}

/** The original's status query (GET /cicdflow/?summary=…), as the release system reads it. */
async function legacy(s: Scenario, summary: string): Promise<LegacyData> {
  const res = await fetch(`${s.url}/cicdflow/?${new URLSearchParams({ summary })}`, {
    headers: { authorization: `Bearer ${tokens.intake}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: LegacyData }).data;
}

function orderStatuses(view: Record<string, unknown>): Array<[string, string]> {
  return (view.sqlOrders as Array<{ sqlId: string; status: string }>).map((o) => [o.sqlId, o.status]);
}

describe("a person's SQL升级成功 stands only on Archery", () => {
  it('refused while order 2 is not finished (under review, then in exception): commented, Jira back, nothing applied', async () => {
    // Archery is read slowly: the confirmation's own fresh read is what finds the orders' statuses.
    const h = await closedAfterTest(
      startScenario({ sqlMode: 'manual', config: { timings: { archeryPollMs: 60_000 } } }),
    );
    const body = sampleRequest();
    const summary = String(body.summary);
    const key = String((await h.intake(body)).body.key);
    await h.waitForState(key, 'sqlExecuting');
    await h.waitForJiraStatus(key, 'SQL执行中');
    const [first, second] = ordersOf(h, summary);
    if (!first || !second) throw new Error('expected two orders');

    // The DBA runs order 1 only and clicks SQL升级成功.
    h.sandbox.archery.dba.pass(first.workflowId);
    h.sandbox.archery.dba.execute(first.workflowId, 'manual');
    await h.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    const refused = await eventually('the refusal on the issue', () =>
      h.jiraComments(key).find((c) => c.startsWith('SQL升级成功 by dba was not applied')),
    );
    expect(refused).toContain(`- #2 a18-0002: Archery ${second.workflowId}: workflow_manreviewing`);
    expect(refused).not.toContain('#1 a18-0001');
    // Jira is back in SQL执行中 (by SQL未执行完成), where the DBA can confirm again.
    await eventually('Jira back in SQL执行中', () =>
      h.jiraStatuses(key).slice(-3).join(' → ') === 'SQL执行中 → CONFIG执行中 → SQL执行中' ? true : undefined,
    );
    await h.waitForJiraStatus(key, 'SQL执行中');
    const back = await h.release(key);
    expect(back.state).toBe('sqlExecuting');
    // The API and the legacy status show the statuses Archery answered, live.
    expect(orderStatuses(back)).toEqual([
      ['a18-0001', 'workflow_finish'],
      ['a18-0002', 'workflow_manreviewing'],
    ]);
    expect((await legacy(h, summary)).sql_info.map((i) => [i.sql_id, i.status])).toEqual([
      ['a18-0001', 'workflow_finish'],
      ['a18-0002', 'workflow_manreviewing'],
    ]);
    expect(h.sandbox.cmdb.deploys()).toEqual([]);

    // Order 2 ends in exception in Archery; the DBA clicks SQL升级成功 again.
    h.sandbox.archery.dba.pass(second.workflowId);
    h.sandbox.archery.dba.fail(second.workflowId, "Unknown column 'city' in 'laboratory'");
    await eventually('order 2 in exception in Archery', () =>
      ordersOf(h, summary).find(
        (o) => o.workflowId === second.workflowId && o.status === 'workflow_exception',
      ),
    );
    await h.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    const again = await eventually('the second refusal on the issue', () => {
      const found = h.jiraComments(key).filter((c) => c.startsWith('SQL升级成功 by dba was not applied'));
      return found.length === 2 ? found[1] : undefined;
    });
    expect(again).toContain(
      `- #2 a18-0002: Archery ${second.workflowId}: workflow_exception (Unknown column 'city' in 'laboratory')`,
    );
    // An order in exception never runs again: the release fails, Jira walks back through SQL执行中.
    const failed = await h.waitForState(key, 'sqlPending.failed');
    await h.waitForJiraStatus(key, 'SQL待执行');
    expect(h.jiraStatuses(key).slice(-3)).toEqual(['CONFIG执行中', 'SQL执行中', 'SQL待执行']);
    expect(orderStatuses(failed)).toEqual([
      ['a18-0001', 'workflow_finish'],
      ['a18-0002', 'workflow_exception'],
    ]);
    const answer = await legacy(h, summary);
    expect(answer.sql_info.find((i) => i.sql_id === 'a18-0002')).toMatchObject({
      status: 'workflow_exception',
      errormessage: expect.stringContaining("Unknown column 'city'"),
    });
    // Nothing after the SQL ran: no configuration, no deploy.
    expect(h.sandbox.cmdb.deploys()).toEqual([]);
    expect(h.jiraStatuses(key)).not.toContain('CODE执行中');
  });
});

describe('a re-publish while an order is being submitted', () => {
  it('binds each order to the content it was submitted with; the superseded one is cancelled, never kept', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    // Archery commits the first submission at once but answers it only a second later.
    h.sandbox.archery.slowSubmissionAnswers(1_000, 1);
    const body = sampleRequest();
    const summary = String(body.summary);
    const res = await h.intake(body);
    const key = String(res.body.key ?? res.body.releaseId);
    const [old] = await eventually('the first order saved in Archery', () => {
      const orders = ordersOf(h, summary);
      return orders.length === 1 ? orders : undefined;
    });
    if (!old) throw new Error('expected the first order');

    // Meanwhile the release system re-publishes with the first item changed.
    const sql = body.sql_info as Array<Record<string, string>>;
    const changed =
      'CREATE OR REPLACE VIEW search_laboratory_by_city AS SELECT id, name, city, region FROM laboratory;';
    const again = await h.intake({ ...body, sql_info: [{ ...sql[0], sql_content: changed }, sql[1]] });
    expect(again.status).toBe(200);
    expect(again.body.iteration).toBe(2);

    const executing = await h.waitForState(key, 'sqlExecuting');
    const cancelled = await eventually('the superseded order cancelled in Archery', () =>
      ordersOf(h, summary).find((o) => o.workflowId === old.workflowId && o.status === 'workflow_abort'),
    );
    expect(cancelled.sqlContent.trim()).toBe(String(sql[0]?.sql_content));
    const orders = ordersOf(h, summary);
    const current = executing.sqlOrders as Array<{ sqlId: string; workflowId: number }>;
    const contentOf = (id: number) => orders.find((o) => o.workflowId === id)?.sqlContent.trim();
    expect(current.map((o) => o.sqlId)).toEqual(['a18-0001', 'a18-0002']);
    // Each item's order carries that item's content now; the old order is no item's.
    expect(contentOf(current[0]!.workflowId)).toBe(changed);
    expect(contentOf(current[1]!.workflowId)).toBe(String(sql[1]?.sql_content));
    expect(current.map((o) => o.workflowId)).not.toContain(old.workflowId);
    expect(orders.filter((o) => o.status !== 'workflow_abort')).toHaveLength(2);
  });
});

describe('mode auto with Archery refusing self-audit (ban_self_audit)', () => {
  it('reports once that a DBA must audit the order, then follows Archery as in watch', async () => {
    const h = await closedAfterTest(
      startScenario({ sqlMode: 'auto', simulators: { archery: { banSelfAudit: true } } }),
    );
    const body = sampleRequest({ sql_info: [(sampleRequest().sql_info as unknown[])[0]] });
    const key = String((await h.intake(body)).body.key);
    const [order] = await h.waitForOrders(String(body.summary), ['workflow_manreviewing']);
    if (!order) throw new Error('expected one order');
    const report = await eventually('the audit refusal on the issue', () =>
      h.jiraComments(key).find((c) => c.includes(`A DBA must audit order ${order.workflowId}`)),
    );
    expect(report).toContain(`Archery refused cdflow's own audit of work order ${order.workflowId}`);
    const view = await h.release(key);
    expect(view.state).toBe('sqlExecuting');
    expect(JSON.stringify(view.situation)).toContain('a DBA audits and executes');

    // Polls go on; cdflow never audits it again nor reports it twice.
    const audits = h.sandbox.archery.counters.get('POST /api/v1/workflow/audit/');
    await new Promise((r) => setTimeout(r, 400));
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/audit/')).toBe(audits);
    expect(h.jiraComments(key).filter((c) => c.includes('must audit order'))).toHaveLength(1);

    // The DBA audits and executes it in Archery: cdflow sees it finished and moves on.
    h.sandbox.archery.dba.pass(order.workflowId);
    h.sandbox.archery.dba.execute(order.workflowId, 'manual');
    await h.waitForState(key, (st) => st.startsWith('configExecuting'));
    await h.waitForJiraStatus(key, 'CONFIG执行中');
    expect(h.jiraComments(key).filter((c) => c.includes('must audit order'))).toHaveLength(1);
  });
});

describe("Archery's own check (sqlcheck) before any submission", () => {
  it('its errors stop the submission and are commented with the item; its warnings are recorded', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'auto' }));
    h.sandbox.archery.setCheckRule('Kiev', {
      errlevel: 2,
      message: "Column 'city' in table 'laboratory' is locked for a migration.",
    });
    h.sandbox.archery.setCheckRule('CREATE OR REPLACE VIEW', {
      errlevel: 1,
      message: 'Views should name their algorithm.',
    });
    const body = sampleRequest();
    const key = String((await h.intake(body)).body.key);
    const failed = await h.waitForState(key, 'sqlPending.failed');
    expect(failed.jiraStatus).toBe('SQL待执行');
    const comment = await eventually('the check refusal on the issue', () =>
      h.jiraComments(key).find((c) => c.startsWith("Archery's check (sqlcheck) refused the SQL")),
    );
    expect(comment).toContain('- a18-0002 (02.acc_dml_laboratory.sql):');
    expect(comment).toContain("Column 'city' in table 'laboratory' is locked for a migration.");
    expect(comment).not.toContain('a18-0001');
    // Nothing was submitted: no order in Archery, for either item.
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/sqlcheck/')).toBeGreaterThanOrEqual(2);
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(0);
    expect(h.sandbox.archery.orders()).toEqual([]);
    const warnings = failed.warnings as Array<{ ruleId: string; severity: string; message: string }>;
    expect(warnings).toEqual([
      expect.objectContaining({
        ruleId: 'archery.sqlcheck',
        severity: 'warning',
        message: expect.stringContaining('Views should name their algorithm.'),
      }),
    ]);
  });
});

describe('a webhook fired by a workflow post function', () => {
  it('(a `transition` object, no changelog) is read from its transition and the re-read issue', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual', registerWebhook: false }));
    // The site fires cdflow's webhook from the workflow's post functions only, not from issue events.
    h.sandbox.jira.registerWebhook({
      url: `${h.url}/cicdflow/jira/`,
      secret: tokens.webhook,
      events: false,
      postFunction: true,
    });
    const body = sampleRequest({ apollo_info: [] });
    const key = String((await h.intake(body)).body.key);
    await h.waitForState(key, 'sqlExecuting');
    await h.waitForJiraStatus(key, 'SQL执行中');
    finishSqlOrders(h.sandbox);
    await h.sandbox.jira.actAs('dba').transition(key, 'SQL升级成功');
    await confirmConfigUntilUatComplete(h, key);

    const deliveries = h.sandbox.jira.webhookDeliveries();
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.trigger === 'postFunction' && !('changelog' in d.payload))).toBe(true);
    expect(deliveries.every((d) => d.status !== null && d.status < 300)).toBe(true);
    const applied = (await h.history(key)).filter((e) => e.source === 'jira' && e.accepted === true);
    expect(applied.map((e) => [e.event, e.actor])).toEqual([
      ['SQL_CONFIRMED', 'dba'],
      ['CONFIG_CONFIRMED', 'ops'],
    ]);
  });
});
