/**
 * GET /cicdflow/?summary=&sql_id= answers as the original program did (its cicdflow/views.py): always
 * HTTP 200; `code` 10200 `success`, 10404 / 10500 `failed` with `data.error`; `upgrade_status` the
 * original's number for its five statuses, else the Jira status name; `sql_info[].status` Archery's
 * status string and `errormessage` Archery's message for an exception. One test per answer shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, sampleRequest, startHarness, tokens } from './support/e2e-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ sqlMode: 'watch' });
}, 60_000);
afterAll(() => h.close());

interface LegacyAnswer {
  code: number;
  msg: string;
  data: {
    summary?: string;
    upgrade_status?: number | string;
    sql_info?: Array<{ sql_id: string; status: string; errormessage: string; workflow_id: number | null }>;
    error?: string;
  };
}

async function legacy(
  query: Record<string, string>,
  authorization: string | null = tokens.intake,
  url = h.url,
): Promise<{ http: number; body: LegacyAnswer }> {
  const res = await fetch(`${url}/cicdflow/?${new URLSearchParams(query)}`, {
    headers: authorization === null ? {} : { authorization },
  });
  return { http: res.status, body: (await res.json()) as LegacyAnswer };
}

/** A release whose orders are in Archery (sqlExecuting), waiting for the DBA. */
async function inSqlExecuting(overrides: Record<string, unknown> = {}) {
  const request = sampleRequest(overrides);
  const created = await h.intake(request);
  expect(created.status).toBe(201);
  const release = await h.waitForState(String(created.body.releaseId), 'sqlExecuting');
  const orders = (release.sqlOrders as Array<{ sqlId: string; workflowId: number }>).sort(
    (a, b) => a.workflowId - b.workflowId,
  );
  return { summary: String(request.summary), releaseId: String(created.body.releaseId), orders };
}

describe('10200 success', () => {
  it("lists the work orders with Archery's status; upgrade_status 102, then the Jira name, then 100", async () => {
    const r = await inSqlExecuting();
    const executing = await legacy({ summary: r.summary });
    expect(executing.http).toBe(200);
    expect(executing.body).toMatchObject({
      code: 10200,
      msg: 'success',
      data: { summary: r.summary, upgrade_status: 102 },
    });
    expect(executing.body.data.sql_info).toEqual([
      {
        sql_id: 'a18-0001',
        status: 'workflow_manreviewing',
        errormessage: '',
        workflow_id: r.orders[0]!.workflowId,
      },
      {
        sql_id: 'a18-0002',
        status: 'workflow_manreviewing',
        errormessage: '',
        workflow_id: r.orders[1]!.workflowId,
      },
    ]);

    for (const order of r.orders) {
      h.sandbox.archery.dba.pass(order.workflowId);
      h.sandbox.archery.dba.execute(order.workflowId, 'manual');
    }
    await h.waitForState(r.releaseId, 'configExecuting');
    const config = await legacy({ summary: r.summary });
    expect(config.body.data.upgrade_status, 'no number in the original: the Jira status name').toBe(
      'CONFIG执行中',
    );
    expect(config.body.data.sql_info?.map((s) => s.status)).toEqual(['workflow_finish', 'workflow_finish']);

    expect((await h.operatorEvent(r.releaseId, { type: 'CONFIG_CONFIRMED', by: 'ops' })).status).toBe(200);
    await h.waitForState(r.releaseId, 'uatComplete', 20_000);
    expect((await legacy({ summary: r.summary })).body.data.upgrade_status).toBe(100);
  }, 60_000);

  it('with sql_id: that work order only', async () => {
    const r = await inSqlExecuting();
    const one = await legacy({ summary: r.summary, sql_id: 'a18-0002' });
    expect(one.http).toBe(200);
    expect(one.body.code).toBe(10200);
    expect(one.body.data.sql_info).toEqual([
      {
        sql_id: 'a18-0002',
        status: 'workflow_manreviewing',
        errormessage: '',
        workflow_id: r.orders[1]!.workflowId,
      },
    ]);
  }, 30_000);

  it("an order that failed in Archery: workflow_exception with Archery's message, upgrade_status 150", async () => {
    const r = await inSqlExecuting();
    const first = r.orders[0]!.workflowId;
    h.sandbox.archery.dba.pass(first);
    h.sandbox.archery.dba.fail(first, "(1054, \"Unknown column 'city' in 'field list'\")");
    await h.waitForState(r.releaseId, 'sqlPending.failed');
    const failed = await legacy({ summary: r.summary });
    expect(failed.body.data.upgrade_status).toBe(150);
    const [line] = failed.body.data.sql_info ?? [];
    expect(line?.status).toBe('workflow_exception');
    expect(line?.errormessage).toContain("Unknown column 'city'");
  }, 30_000);

  it('a code deploy that failed: upgrade_status 151', async () => {
    const r = await inSqlExecuting({ config_info: [], apollo_info: [] });
    h.sandbox.cmdb.setOutcome('a18/cc_merchant_console', 'failed', 'image not found');
    for (const order of r.orders) {
      h.sandbox.archery.dba.pass(order.workflowId);
      h.sandbox.archery.dba.execute(order.workflowId, 'manual');
    }
    try {
      await h.waitForState(r.releaseId, 'fixing', 20_000);
      expect((await legacy({ summary: r.summary })).body.data.upgrade_status).toBe(151);
    } finally {
      h.sandbox.cmdb.setOutcome('a18/cc_merchant_console', 'success');
    }
  }, 60_000);
});

describe('10404 and 10500, with HTTP 200', () => {
  it('10404: no release has the summary', async () => {
    const answer = await legacy({ summary: '【A18】【升级】no_such_release' });
    expect(answer.http).toBe(200);
    expect(answer.body).toEqual({
      code: 10404,
      msg: 'failed',
      data: { error: expect.stringContaining('no_such_release') },
    });
  });

  it('10404: the release has no work order for that sql_id', async () => {
    const r = await inSqlExecuting();
    const answer = await legacy({ summary: r.summary, sql_id: 'a18-9999' });
    expect(answer.http).toBe(200);
    expect(answer.body).toMatchObject({
      code: 10404,
      msg: 'failed',
      data: { error: expect.stringContaining('a18-9999') },
    });
  }, 30_000);

  it('10500: the summary parameter is missing', async () => {
    const queries: Array<Record<string, string>> = [{}, { summary: '' }, { sql_id: 'a18-0001' }];
    for (const query of queries) {
      const answer = await legacy(query);
      expect(answer.http).toBe(200);
      expect(answer.body).toEqual({
        code: 10500,
        msg: 'failed',
        data: { error: expect.stringContaining('"summary" is required') },
      });
    }
  });
});

describe('who may ask', () => {
  it('the intake token, as Bearer or bare; nothing else', async () => {
    expect((await legacy({ summary: 'x' }, `Bearer ${tokens.intake}`)).body.code).toBe(10404);
    expect((await legacy({ summary: 'x' }, tokens.intake)).body.code).toBe(10404);
    expect((await legacy({ summary: 'x' }, null)).http).toBe(401);
    expect((await legacy({ summary: 'x' }, 'not-the-token')).http).toBe(401);
  });

  it('without a token when the configuration says legacy.statusWithoutAuth: true', async () => {
    const open = await startHarness({
      sandbox: h.sandbox,
      config: { legacy: { statusWithoutAuth: true } },
      registerWebhook: false,
    });
    try {
      const answer = await legacy({ summary: 'x' }, null, open.url);
      expect(answer.http).toBe(200);
      expect(answer.body.code).toBe(10404);
      // Intake still needs its token.
      const post = await fetch(`${open.url}/cicdflow/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sampleRequest()),
      });
      expect(post.status).toBe(401);
    } finally {
      await open.close();
    }
  }, 30_000);
});
