// Switch to '@cdflow/sandbox' once the lead re-exports the Archery simulator there.

import { describe, expect, it } from 'vitest';
import { ArcherySimulator, archeryThrottleFault } from '../../sandbox/src/archery/index.js';
import {
  ArcheryClient,
  type ArcheryClientOptions,
  ArcheryInputError,
  ArcheryStatus,
  archeryStatusLabels,
  toNaiveLocalDateTime,
} from '../src/archery/index.js';
import { UpstreamError } from '../src/http/index.js';
import { simulatorOfEachTest } from './support/simulator-of-each-test.js';

const archery = simulatorOfEachTest(() => ArcherySimulator.start({ executeDelayMs: 20 }));

function client(overrides: Partial<ArcheryClientOptions> = {}): ArcheryClient {
  return new ArcheryClient({
    baseUrl: archery.sim.url,
    ...archery.sim.credentials,
    timeoutMs: 2_000,
    retries: 2,
    ...overrides,
  });
}

const order = (workflowName: string, sql = 'ALTER TABLE orders ADD COLUMN note VARCHAR(64);') => ({
  workflowName,
  groupName: 'A18',
  instanceName: 'acc',
  dbName: 'acc',
  sql,
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

async function waitForStatus(c: ArcheryClient, workflowId: number, wanted: ArcheryStatus) {
  for (let i = 0; i < 200; i++) {
    const o = await c.getWorkOrder(workflowId);
    if (o.status === wanted) return o;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`order ${workflowId} never reached ${wanted}`);
}

describe('ArcheryClient happy paths', () => {
  it('submits an order, passes both audit levels of A18 and executes it manually', async () => {
    const c = client();
    const submitted = await c.submitWorkOrder(order('AC-12 上线 v1.2'));
    expect(submitted).toMatchObject({
      workflowName: 'AC-12 上线 v1.2',
      status: 'workflow_manreviewing',
      dbName: 'acc',
      error: null,
    });
    expect(submitted.statusLabel).toBe('等待审核人审核');
    await c.auditPass(submitted.workflowId, 'cdflow auto mode (UAT)');
    expect(archery.sim.counters.get('POST /api/v1/workflow/audit/')).toBe(2);
    expect((await c.getWorkOrder(submitted.workflowId)).status).toBe('workflow_review_pass');
    await c.execute(submitted.workflowId, 'manual');
    expect((await c.getWorkOrder(submitted.workflowId)).status).toBe('workflow_finish');
    // Executing again is a no-op, not a second execution.
    await c.execute(submitted.workflowId, 'manual');
    expect(archery.sim.counters.get('POST /api/v1/workflow/execute/')).toBe(1);
  });

  it('follows an auto execution to workflow_finish, and reports the error of one that fails', async () => {
    const c = client();
    const ok = await c.submitWorkOrder(order('AC-13'));
    const bad = await c.submitWorkOrder(order('AC-13', 'UPDATE orders SET note = 1 WHERE id = 1;'));
    await c.auditPass(ok.workflowId, 'auto');
    await c.execute(ok.workflowId, 'auto');
    expect((await c.getWorkOrder(ok.workflowId)).status).toBe('workflow_queuing');
    await waitForStatus(c, ok.workflowId, ArcheryStatus.finish);
    archery.sim.dba.pass(bad.workflowId);
    archery.sim.dba.fail(bad.workflowId, "Unknown column 'note' in 'field list'");
    const failed = await waitForStatus(c, bad.workflowId, ArcheryStatus.exception);
    expect(failed.error).toBe("Unknown column 'note' in 'field list'");
  });

  it('finds the orders of one name exactly, across pages, in submission order', async () => {
    const c = client();
    for (let i = 1; i <= 7; i++)
      await c.submitWorkOrder(order('AC-20 升级', `INSERT INTO seq VALUES (${i});`));
    await c.submitWorkOrder(order('AC-20 升级 hotfix'));
    const found = await c.findWorkOrders('AC-20 升级');
    expect(found.map((o) => o.sqlContent)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map((i) => `INSERT INTO seq VALUES (${i});`),
    );
    expect(found.map((o) => o.workflowId)).toEqual([...found.map((o) => o.workflowId)].sort((a, b) => a - b));
  });

  it('looks an order up by workflow_id, never by the content row id', async () => {
    const c = client();
    const a = await c.submitWorkOrder(order('first'));
    const b = await c.submitWorkOrder(order('second'));
    const third = await c.submitWorkOrder(order('third'));
    expect(third.contentId).not.toBe(third.workflowId);
    expect((await c.getWorkOrder(a.workflowId)).workflowName).toBe('first');
    expect((await c.getWorkOrder(b.workflowId)).workflowName).toBe('second');
    expect((await c.getWorkOrder(third.workflowId)).workflowName).toBe('third');
    const missing = await caught(c.getWorkOrder(999));
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('runs sqlcheck and caches group and instance look-ups', async () => {
    const c = client();
    const check = await c.sqlcheck({ instanceName: 'acc', dbName: 'acc', sql: 'DELETE FROM t; SELECT 1;' });
    expect(check).toMatchObject({ warningCount: 1, errorCount: 1 });
    // goInception answers a row for its own `use `db`` first (errlevel 0), then one per statement.
    expect(check.rows.map((r) => r.errlevel)).toEqual([0, 1, 2]);
    await c.submitWorkOrder(order('x'));
    await c.submitWorkOrder(order('y'));
    expect(archery.sim.counters.get('GET /api/v1/instance/')).toBe(1);
    expect(archery.sim.counters.get('GET /api/v1/user/resourcegroup/')).toBe(1);
    const unknown = await caught(c.findInstance('ac'));
    expect(unknown).toMatchObject({ code: 'NO_TARGET' });
  });

  it('sends run_date_start/end as naive local datetimes', async () => {
    const c = client();
    const start = new Date(Date.now() - 3_600_000);
    const end = new Date(Date.now() + 3_600_000);
    const o = await c.submitWorkOrder({ ...order('window'), runDateStart: start, runDateEnd: end });
    const res = await fetch(`${archery.sim.url}/api/auth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(archery.sim.credentials),
    });
    const { access } = (await res.json()) as { access: string };
    const list = (await (
      await fetch(`${archery.sim.url}/api/v1/workflow/?workflow_id=${o.workflowId}`, {
        headers: { authorization: `Bearer ${access}` },
      })
    ).json()) as { results: Array<{ workflow: { run_date_start: string; run_date_end: string } }> };
    expect(list.results[0]!.workflow.run_date_start).toBe(toNaiveLocalDateTime(start));
    expect(list.results[0]!.workflow.run_date_end).toBe(toNaiveLocalDateTime(end));
    expect(toNaiveLocalDateTime(start)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });

  it('exports the nine statuses with their Chinese labels', () => {
    expect(Object.values(ArcheryStatus)).toHaveLength(9);
    expect(archeryStatusLabels[ArcheryStatus.exception]).toBe('执行有异常');
    expect(archeryStatusLabels[ArcheryStatus.finish]).toBe('已正常结束');
  });
});

describe('ArcheryClient authentication', () => {
  it('refreshes an expired access token before calling, without a second login', async () => {
    await archery.replace(() => ArcherySimulator.start({ accessTtlMs: 300 }));
    const c = client();
    await c.findWorkOrders('none');
    await new Promise((r) => setTimeout(r, 350));
    await c.findWorkOrders('none');
    expect(archery.sim.counters.get('POST /api/auth/token/')).toBe(1);
    expect(archery.sim.counters.get('POST /api/auth/token/refresh/')).toBeGreaterThanOrEqual(1);
  });

  it.each([
    {
      name: 'after a 401 refreshes once and repeats the call',
      invalidate: (sim: ArcherySimulator) => sim.expireAccessTokens(),
      logins: 1,
    },
    {
      name: 'logs in again once when the refresh token is refused too',
      invalidate: (sim: ArcherySimulator) => sim.revokeAllTokens(),
      logins: 2,
    },
  ])('$name', async ({ invalidate, logins }) => {
    const c = client();
    await c.findWorkOrders('none');
    invalidate(archery.sim);
    await c.findWorkOrders('none');
    expect(archery.sim.counters.get('POST /api/auth/token/refresh/')).toBe(1);
    expect(archery.sim.counters.get('POST /api/auth/token/')).toBe(logins);
    expect(archery.sim.calls('GET /api/v1/workflow/').map((call) => call.status)).toEqual([200, 401, 200]);
  });

  it('fails with UNAUTHORIZED on a wrong password, once, without the password in the error', async () => {
    const c = client({ password: 'not-the-password-123' });
    const err = await caught(c.findWorkOrders('none'));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({
      code: 'UNAUTHORIZED',
      status: 401,
      retryable: false,
      body: { detail: '找不到指定凭据对应的有效用户' },
    });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('not-the-password-123');
    expect(archery.sim.counters.get('POST /api/auth/token/')).toBe(1);
  });

  it('surfaces 403 for a user without sql.sql_submit', async () => {
    const viewer = new ArcheryClient({
      baseUrl: archery.sim.url,
      username: 'viewer',
      password: 'viewer-sandbox-password',
    });
    const err = await caught(viewer.sqlcheck({ instanceName: 'acc', dbName: 'acc', sql: 'select 1' }));
    // Reference look-ups need the API whitelist, which the viewer is not on either.
    expect(err).toMatchObject({
      code: 'FORBIDDEN',
      status: 403,
      body: { detail: '您没有执行该操作的权限。' },
    });
  });
});

describe('ArcheryClient upstream faults', () => {
  it('surfaces Archery’s own 400 body and does not retry it', async () => {
    const c = client();
    const err = await caught(c.submitWorkOrder({ ...order('no flow'), groupName: 'NOFLOW' }));
    expect(err).toMatchObject({
      code: 'VALIDATION',
      status: 400,
      retryable: false,
      body: { errors: '审批类型 SQL上线申请 未配置审流' },
    });
    expect((err as Error).message).toContain('审批类型 SQL上线申请 未配置审流');
    expect(archery.sim.counters.get('POST /api/v1/workflow/')).toBe(1);
  });

  it('refuses a name longer than 50 characters locally, before any submission', async () => {
    const c = client();
    const err = await caught(c.submitWorkOrder(order('升'.repeat(51))));
    expect(err).toBeInstanceOf(ArcheryInputError);
    expect(err).toMatchObject({ code: 'ARCHERY_INPUT_INVALID', field: 'workflowName' });
    expect(archery.sim.counters.get('POST /api/v1/workflow/')).toBe(0);
    await expect(c.submitWorkOrder(order('升'.repeat(50)))).resolves.toMatchObject({
      status: 'workflow_manreviewing',
    });
  });

  it('waits at least Retry-After before retrying a throttled call', async () => {
    const c = client();
    await c.login();
    archery.sim.faults.inject(archeryThrottleFault('GET /api/v1/workflow/', 1));
    await expect(c.findWorkOrders('x')).resolves.toEqual([]);
    const [throttled, retried] = archery.sim.calls('GET /api/v1/workflow/');
    expect(throttled?.status).toBe(429);
    expect(retried?.status).toBe(200);
    expect(retried!.at - throttled!.at).toBeGreaterThanOrEqual(1_000);
  });

  it('times out a call slower than the timeout with TIMEOUT', async () => {
    const c = client({ timeoutMs: 200, retries: 0 });
    await c.login();
    archery.sim.faults.inject({ route: 'GET /api/v1/workflow/', latencyMs: 600 });
    const err = await caught(c.getWorkOrder(1));
    expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('repeats a submission answered 500 only after checking it did not land: one order', async () => {
    const c = client();
    await c.login();
    archery.sim.faults.inject({ route: 'POST /api/v1/workflow/', status: 500, times: 1 });
    const o = await c.submitWorkOrder(order('retried'));
    expect(archery.sim.counters.get('POST /api/v1/workflow/')).toBe(2);
    expect(archery.sim.orders()).toHaveLength(1);
    expect(archery.sim.orders()[0]!.workflowId).toBe(o.workflowId);
  });

  it('returns the order of a submission that timed out but landed, without posting again', async () => {
    const c = client({ timeoutMs: 300, retries: 2 });
    await c.login();
    archery.sim.slowSubmissionAnswers(600);
    const o = await c.submitWorkOrder(order('slow'));
    expect(archery.sim.counters.get('POST /api/v1/workflow/')).toBe(1);
    expect(archery.sim.orders().map((x) => x.workflowId)).toEqual([o.workflowId]);
  });

  it('never re-posts a submission that timed out and did not land; a later call submits it once', async () => {
    const c = client({ timeoutMs: 200, retries: 2 });
    await c.login();
    // Latency before the handler: the connection is gone before the order exists.
    archery.sim.faults.inject({ route: 'POST /api/v1/workflow/', latencyMs: 400, times: 1 });
    const err = await caught(c.submitWorkOrder(order('lost')));
    expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(archery.sim.counters.get('POST /api/v1/workflow/')).toBe(1);
    expect(archery.sim.orders()).toHaveLength(0);
    await c.submitWorkOrder(order('lost'));
    expect(archery.sim.orders()).toHaveLength(1);
  });

  it('refuses to execute an order still under review with Archery’s message', async () => {
    const c = client();
    const o = await c.submitWorkOrder(order('unreviewed'));
    const err = await caught(c.execute(o.workflowId, 'auto'));
    expect(err).toMatchObject({ code: 'VALIDATION', body: { errors: '你无权执行当前工单！' } });
  });
});
