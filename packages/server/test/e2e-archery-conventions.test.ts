/**
 * Archery the way the site's DBAs use it, end to end (cdflow over HTTP, the Archery and Jira simulators,
 * a real SQLite file): order names `<summary> #<seq>/<total>`, `demand_url` and `is_backup`, the order
 * list on the issue, an unexecuted order an iteration replaced cancelled in Archery, orders found again
 * whatever their numbering, and routing (the path rule, a fixed map, a route Archery does not have).
 */
import { ArcheryClient } from '@cdflow/adapters';
import { type ArcherySeed, archerySeed, type Sandbox, startSandbox } from '@cdflow/sandbox';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, type HarnessOptions, sampleRequest, startHarness } from './support/e2e-harness.js';
import { eventually, ordersOf, threeSqlItems } from './support/e2e-scenario.js';

let h: Harness | undefined;
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await h?.close();
  await sandbox?.close();
  h = undefined;
  sandbox = undefined;
});

/** Archery with two more instances: one whose only database is not named like it, and a QC one. */
const seed: ArcherySeed = {
  ...archerySeed,
  instances: [
    ...archerySeed.instances,
    {
      id: 4,
      instanceName: 'acc_pay',
      dbType: 'mysql',
      host: '10.0.0.14',
      port: 3306,
      resourceGroups: ['A18'],
      databases: ['pay_main'],
    },
    {
      id: 5,
      instanceName: 'qc-merchant',
      dbType: 'mysql',
      host: '10.0.0.15',
      port: 3306,
      resourceGroups: ['QC'],
      databases: ['rex_merchant'],
    },
  ],
};

async function start(options: Omit<HarnessOptions, 'sandbox'>): Promise<Harness> {
  sandbox = await startSandbox({ cmdb: { taskDurationMs: 100 }, archery: { seed, executeDelayMs: 20 } });
  h = await startHarness({ ...options, sandbox });
  return h;
}

function comments(key: string): string[] {
  return sandbox?.jira.issue(key)?.comments ?? [];
}

/** An SQL-only release (no Apollo, config or code). */
function sqlRelease(overrides: Record<string, unknown>): Record<string, unknown> {
  return sampleRequest({ apollo_info: [], config_info: [], code_info: [], ...overrides });
}

/** What Archery's list API answers for an order (as a DBA's browser sees it). */
async function archeryRow(workflowId: number): Promise<{ workflow: Record<string, unknown> }> {
  const base = sandbox!.urls.archery;
  const login = await fetch(`${base}/api/auth/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'dba', password: 'dba-sandbox-password' }),
  });
  const { access } = (await login.json()) as { access: string };
  const res = await fetch(`${base}/api/v1/workflow/?workflow_id=${workflowId}`, {
    headers: { authorization: `Bearer ${access}` },
  });
  const page = (await res.json()) as { results: Array<{ workflow: Record<string, unknown> }> };
  return page.results[0]!;
}

describe('Archery work orders as DBAs use them', () => {
  it('names the orders of a 60-character summary <summary> #<seq>/<total> in 50 characters, with demand_url and is_backup', async () => {
    await start({ sqlMode: 'manual' });
    const summary = `【A18】【升级】20261205_${'订单导出门店区域筛选'.repeat(5)}`.slice(0, 60);
    expect(Array.from(summary)).toHaveLength(60);
    const res = await h!.intake(sqlRelease({ summary, sql_info: threeSqlItems() }));
    expect(res.status).toBe(201);
    const key = String(res.body.key);
    await h!.waitForState(key, 'sqlExecuting');

    const orders = sandbox!.archery.orders();
    expect(orders).toHaveLength(3);
    orders.forEach((o, i) => {
      const suffix = ` #${i + 1}/3`;
      expect(Array.from(o.workflowName)).toHaveLength(50);
      expect(o.workflowName.endsWith(suffix)).toBe(true);
      // The summary is cut, never the suffix: a DBA's search for the summary's start finds them all.
      expect(summary.startsWith(o.workflowName.slice(0, -suffix.length))).toBe(true);
    });
    const row = await archeryRow(orders[0]!.workflowId);
    expect(row.workflow.demand_url).toBe(`${sandbox!.urls.jira}/browse/${key}`);
    expect(row.workflow.is_backup).toBe(true);

    // The issue lists the orders with their Archery ids, links and statuses.
    const list = await eventually('the order list on the issue', () =>
      comments(key).find((c) => c.startsWith('SQL work orders:')),
    );
    for (const [i, o] of orders.entries()) {
      expect(list).toContain(
        `- #${i + 1} a18-000${i + 1}: Archery ${o.workflowId} "${o.workflowName}" ${sandbox!.urls.archery}/detail/${o.workflowId}/: workflow_manreviewing`,
      );
    }
  });

  it('writes the order list to a field instead, when configured', async () => {
    // The Jira simulator has a fixed set of fields: a text field this release leaves empty stands in.
    await start({
      sqlMode: 'manual',
      config: { jira: { orderList: 'field', fields: { sqlOrders: 'customfield_10104' } } },
    });
    const res = await h!.intake(sqlRelease({}));
    const key = String(res.body.key);
    await h!.waitForState(key, 'sqlExecuting');
    const orders = sandbox!.archery.orders();
    const field = await eventually('the order list field', () => {
      const value = sandbox!.jira.issue(key)?.fields.customfield_10104;
      return typeof value === 'string' && value.startsWith('SQL work orders:') ? value : undefined;
    });
    expect(field).toContain(`Archery ${orders[1]!.workflowId}`);
    expect(comments(key).some((c) => c.startsWith('SQL work orders:'))).toBe(false);
  });

  it('an iteration replacing an unexecuted order cancels it in Archery; the new orders run in order', async () => {
    await start({ sqlMode: 'auto' });
    // Archery's check passes, then its review at submission refuses the second item (the database
    // changed in between): the first order stays unexecuted (under review).
    sandbox!.archery.failNextAutoReview('use the new city name table', 1, { after: 1 });
    const body = sqlRelease({});
    const summary = String(body.summary);
    const res = await h!.intake(body);
    const key = String(res.body.key);
    await h!.waitForState(key, 'sqlPending.failed');
    const [oldFirst, rejected] = ordersOf(h!, summary);
    expect([oldFirst?.status, rejected?.status]).toEqual([
      'workflow_manreviewing',
      'workflow_autoreviewwrong',
    ]);

    // A fix of both items: the first one's content changed too, so its unexecuted order is replaced.
    const sql = body.sql_info as Array<Record<string, string>>;
    const fixed = {
      ...body,
      sql_info: [
        {
          ...sql[0],
          sql_content:
            'CREATE OR REPLACE VIEW search_laboratory_by_city AS SELECT id, name, city, region FROM laboratory;',
        },
        { ...sql[1], sql_content: "UPDATE laboratory SET city = 'Kyiv' WHERE city = 'Kyiv (old)';" },
      ],
    };
    const again = await h!.intake(fixed);
    expect(again.status).toBe(200);
    await h!.waitForState(key, 'uatComplete', 20_000);

    const orders = ordersOf(h!, summary);
    expect(orders.map((o) => [o.workflowName.slice(-4), o.status])).toEqual([
      ['#1/2', 'workflow_abort'], // cancelled by cdflow, its submitter
      ['#2/2', 'workflow_autoreviewwrong'],
      ['#1/2', 'workflow_finish'],
      ['#2/2', 'workflow_finish'],
    ]);
    const [, , newFirst, newSecond] = orders;
    const history = await h!.history(key);
    const cancel = history.find((e) => e.event === 'effect:archery.cancelOrder');
    expect(cancel?.detail).toMatchObject({
      outcome: 'done',
      result: {
        workflowId: oldFirst?.workflowId,
        cancelled: true,
        reason: expect.stringContaining('content changed'),
      },
    });
    // cdflow executed the new orders one after the other, in sequence order, and never the replaced one.
    const executed = history
      .filter((e) => e.event === 'effect:archery.executeOrder')
      .map((e) =>
        Number(
          String((e.detail as { idempotencyKey: string }).idempotencyKey)
            .split(':')
            .at(-1),
        ),
      );
    expect(executed).toEqual([newFirst?.workflowId, newSecond?.workflowId]);
    // The issue shows the replaced order as cancelled.
    expect(
      comments(key).some((c) => c.includes(`Archery ${oldFirst?.workflowId}`) && c.includes('cancelled')),
    ).toBe(true);
  });

  it('records and comments a later order the DBA ran before an earlier one (mode watch)', async () => {
    await start({ sqlMode: 'watch' });
    const body = sqlRelease({});
    const res = await h!.intake(body);
    const key = String(res.body.key);
    await h!.waitForState(key, 'sqlExecuting');
    const [first, second] = ordersOf(h!, String(body.summary));
    sandbox!.archery.dba.pass(second!.workflowId);
    sandbox!.archery.dba.execute(second!.workflowId, 'manual');
    const comment = await eventually('the out-of-sequence comment', () =>
      comments(key).find((c) => c.startsWith('SQL orders ran out of sequence')),
    );
    expect(comment).toContain(`#2 a18-0002 (order ${second!.workflowId}) finished before #1`);
    const view = await h!.release(key);
    expect((view.sqlOrders as Array<{ finishedBefore?: number[] }>)[1]?.finishedBefore).toEqual([1]);
    // The DBA then runs the first one: the release moves on, the comment is not repeated.
    sandbox!.archery.dba.pass(first!.workflowId);
    sandbox!.archery.dba.execute(first!.workflowId, 'manual');
    await h!.waitForState(key, (s) => s.startsWith('configExecuting') || s === 'uatComplete');
    expect(comments(key).filter((c) => c.startsWith('SQL orders ran out of sequence'))).toHaveLength(1);
  });

  it('finds an order already in Archery under an earlier numbering instead of submitting it again', async () => {
    await start({ sqlMode: 'manual' });
    const body = sqlRelease({});
    const summary = String(body.summary);
    const sql = body.sql_info as Array<Record<string, string>>;
    // Submitted before an iteration renumbered the items (e.g. a process that stopped before recording
    // it), and another release's order whose summary starts the same way, with the same SQL.
    const archery = new ArcheryClient({
      baseUrl: sandbox!.urls.archery,
      username: sandbox!.credentials.archery.username,
      password: sandbox!.credentials.archery.password,
    });
    const common = { groupName: 'A18', instanceName: 'acc', dbName: 'acc', sql: sql[1]!.sql_content! };
    const other = await archery.submitWorkOrder({ ...common, workflowName: `${summary}9 #2/2` });
    const earlier = await archery.submitWorkOrder({ ...common, workflowName: `${summary} #3/3` });
    const before = sandbox!.archery.counters.get('POST /api/v1/workflow/');

    const res = await h!.intake(body);
    const key = String(res.body.key);
    const executing = await h!.waitForState(key, 'sqlExecuting');
    // Only the first item was submitted; the second is the order already there.
    expect(sandbox!.archery.counters.get('POST /api/v1/workflow/')).toBe(before + 1);
    const orders = executing.sqlOrders as Array<{ sqlId: string; workflowId: number; workflowName: string }>;
    expect(orders[1]).toMatchObject({ workflowId: earlier.workflowId, workflowName: `${summary} #3/3` });
    expect(orders[1]?.workflowId).not.toBe(other.workflowId);
  });
});

describe('routing SQL to Archery', () => {
  it('the path rule: instance and group from svn_path, the database read from the instance in Archery', async () => {
    await start({ sqlMode: 'manual' });
    const sql = sampleRequest().sql_info as Array<Record<string, string>>;
    const res = await h!.intake(
      sqlRelease({
        sql_info: [
          // acc_pay's only database is pay_main: never the instance's name taken as a database.
          { ...sql[0], svn_path: 'database_acc/db_a18/acc_pay' },
          // An item may name its database.
          { ...sql[1], db_name: 'acc_audit' },
        ],
      }),
    );
    const key = String(res.body.key);
    await h!.waitForState(key, 'sqlExecuting');
    expect(sandbox!.archery.orders().map((o) => [o.instance, o.groupName, o.dbName])).toEqual([
      ['acc_pay', 'A18', 'pay_main'],
      ['acc', 'A18', 'acc_audit'],
    ]);
  });

  it("a fixed map (the original's QC map): the path's last segment names the instance", async () => {
    await start({
      sqlMode: 'manual',
      config: { normalize: { routing: { projects: { QC: 'jiracdflow-qc' } } } },
    });
    const sql = sampleRequest().sql_info as Array<Record<string, string>>;
    const res = await h!.intake(
      sqlRelease({
        project: 'QC',
        summary: `【QC】【升级】20261205_${Math.random().toString(36).slice(2, 8)}`,
        sql_info: [{ ...sql[0], svn_path: 'database_qc/qc/rex_merchant_qc' }],
      }),
    );
    expect(res.status).toBe(201);
    const key = String(res.body.key);
    await h!.waitForState(key, 'sqlExecuting');
    expect(sandbox!.archery.orders().map((o) => [o.instance, o.groupName, o.dbName])).toEqual([
      ['qc-merchant', 'QC', 'rex_merchant'],
    ]);
    // A segment the map does not know is refused at intake, naming it.
    const refused = await h!.intake(
      sqlRelease({ project: 'QC', sql_info: [{ ...sql[0], svn_path: 'database_qc/qc/rex_unknown' }] }),
    );
    expect(refused.status).toBe(400);
    expect(String(refused.body.message)).toContain('the routing map has no instance for "rex_unknown"');
  });

  it('a route to an instance Archery does not have fails before anything is submitted, naming instance and group', async () => {
    await start({ sqlMode: 'manual' });
    const sql = sampleRequest().sql_info as Array<Record<string, string>>;
    const res = await h!.intake(
      sqlRelease({ sql_info: [sql[0], { ...sql[1], svn_path: 'database_acc/db_a18/acc_missing' }] }),
    );
    const key = String(res.body.key);
    const failed = await h!.waitForState(key, 'sqlPending.failed');
    expect(sandbox!.archery.orders()).toEqual([]);
    expect((failed.failure as { reason: string }).reason).toContain(
      'a18-0002 (instance acc_missing, group A18): Archery has no instance "acc_missing" (resource group "A18" exists)',
    );
    const comment = await eventually('the routing comment', () =>
      comments(key).find((c) => c.startsWith('SQL cannot be routed to Archery')),
    );
    expect(comment).toContain('instance acc_missing, group A18');
  });
});
