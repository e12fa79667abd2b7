import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArcherySimulator, archerySandboxPasswords } from '../src/archery/index.js';
import { archeryAudit, archeryWorkOrder } from './support/archery-workflow-bodies.js';

let sim: ArcherySimulator;
let token: string;

async function api(method: string, path: string, body?: unknown, bearer: string | null = token) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function loginAs(username: string, password: string): Promise<string> {
  const res = await api('POST', '/api/auth/token/', { username, password }, null);
  expect(res.status).toBe(200);
  return (res.json as { access: string }).access;
}

async function submit(overrides: Record<string, unknown> = {}, sql?: string) {
  const res = await api('POST', '/api/v1/workflow/', archeryWorkOrder(overrides, sql));
  expect(res.status).toBe(201);
  return res.json as { id: number; workflow_id: number; workflow: { status: string } };
}

async function statusOf(workflowId: number): Promise<string> {
  const res = await api('GET', `/api/v1/workflow/?workflow_id=${workflowId}`);
  return (res.json as { results: Array<{ workflow: { status: string } }> }).results[0]!.workflow.status;
}

async function waitForStatus(workflowId: number, wanted: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await statusOf(workflowId)) === wanted) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`order ${workflowId} never reached ${wanted}; it is ${await statusOf(workflowId)}`);
}

beforeEach(async () => {
  sim = await ArcherySimulator.start({ executeDelayMs: 20 });
  token = await loginAs(sim.credentials.username, sim.credentials.password);
});
afterEach(async () => {
  await sim.close();
});

describe('Archery simulator authentication', () => {
  it('refuses wrong credentials with simplejwt’s Chinese message', async () => {
    const res = await api('POST', '/api/auth/token/', { username: 'cdflow', password: 'wrong' }, null);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ detail: '找不到指定凭据对应的有效用户' });
  });

  it('answers a call without a Bearer token with 401 and a Bearer challenge', async () => {
    const res = await api('GET', '/api/v1/workflow/', undefined, null);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ detail: '身份认证信息未提供。' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
  });

  it('expires access tokens after their lifetime and refreshes them with the refresh token', async () => {
    await sim.close();
    sim = await ArcherySimulator.start({ accessTtlMs: 200 });
    const pair = (
      await api('POST', '/api/auth/token/', { username: 'cdflow', password: sim.credentials.password }, null)
    ).json as { access: string; refresh: string };
    expect((await api('GET', '/api/v1/workflow/', undefined, pair.access)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 250));
    const expired = await api('GET', '/api/v1/workflow/', undefined, pair.access);
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ code: 'token_not_valid' });
    const refreshed = await api('POST', '/api/auth/token/refresh/', { refresh: pair.refresh }, null);
    expect(refreshed.status).toBe(200);
    const access = (refreshed.json as { access: string }).access;
    expect((await api('GET', '/api/v1/workflow/', undefined, access)).status).toBe(200);
  });

  it('answers 403 to a logged-in user without sql.sql_submit', async () => {
    const viewer = await loginAs('viewer', archerySandboxPasswords.viewer);
    const res = await api('POST', '/api/v1/workflow/', archeryWorkOrder(), viewer);
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ detail: '您没有执行该操作的权限。' });
    expect(sim.orders()).toHaveLength(0);
  });
});

describe('Archery simulator submission traps', () => {
  it('refuses a string workflow_type on audit and execute with DRF’s integer message', async () => {
    const order = await submit();
    const audit = await api('POST', '/api/v1/workflow/audit/', {
      engineer: 'cdflow',
      workflow_id: order.workflow_id,
      audit_remark: 'ok',
      workflow_type: 'SQL上线申请',
      audit_type: 'pass',
    });
    expect(audit.status).toBe(400);
    expect(audit.json).toEqual({ workflow_type: ['请填写合法的整数值。'] });
    const execute = await api('POST', '/api/v1/workflow/execute/', {
      engineer: 'cdflow',
      workflow_id: order.workflow_id,
      workflow_type: '2',
      mode: 'manual',
    });
    expect(execute.status).toBe(400);
    expect(execute.json).toEqual({ workflow_type: ['请填写合法的整数值。'] });
  });

  it('fails a submission without is_offline_export with Django’s 500 page and creates nothing', async () => {
    const body = archeryWorkOrder();
    delete (body.workflow as Record<string, unknown>).is_offline_export;
    const res = await api('POST', '/api/v1/workflow/', body);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('Server Error (500)');
    expect(sim.orders()).toHaveLength(0);
  });

  it('answers field errors with DRF’s nested shapes', async () => {
    const badGroup = await api('POST', '/api/v1/workflow/', archeryWorkOrder({ group_id: 9 }));
    expect(badGroup.status).toBe(400);
    expect(badGroup.json).toEqual({ workflow: { group_id: { errors: '不存在该资源组：9' } } });
    const badInstance = await api('POST', '/api/v1/workflow/', archeryWorkOrder({ instance: 9 }));
    expect(badInstance.json).toEqual({ workflow: { instance: ['无效主键 “9” － 对象不存在。'] } });
    const blankSql = await api('POST', '/api/v1/workflow/', archeryWorkOrder({}, '  '));
    expect(blankSql.json).toEqual({ sql_content: ['该字段不能为空。'] });
    const longName = await api(
      'POST',
      '/api/v1/workflow/',
      archeryWorkOrder({ workflow_name: 'x'.repeat(51) }),
    );
    expect(longName.json).toEqual({ workflow: { workflow_name: ['请确保这个字段不能超过 50 个字符。'] } });
    const notInGroup = await api('POST', '/api/v1/workflow/', archeryWorkOrder({ instance: 3 }));
    expect(notInGroup.json).toEqual({ errors: '你所在组未关联该实例！' });
    const noFlow = await api('POST', '/api/v1/workflow/', archeryWorkOrder({ group_id: 4 }));
    expect(noFlow.json).toEqual({ errors: '审批类型 SQL上线申请 未配置审流' });
    expect(sim.orders()).toHaveLength(0);
  });

  it('filters `id` by content row and `workflow_id` by order, which differ', async () => {
    const first = await submit({ workflow_name: 'first' });
    const second = await submit({ workflow_name: 'second' });
    const third = await submit({ workflow_name: 'third' });
    expect(first.id).not.toBe(first.workflow_id);
    const byWorkflowId = (await api('GET', `/api/v1/workflow/?workflow_id=${third.workflow_id}`)).json as {
      results: Array<{ workflow: { workflow_name: string } }>;
    };
    expect(byWorkflowId.results.map((r) => r.workflow.workflow_name)).toEqual(['third']);
    // Using the order id as `id` finds another order (or none): the trap cdflow must avoid.
    const byId = (await api('GET', `/api/v1/workflow/?id=${third.workflow_id}`)).json as {
      results: Array<{ workflow: { workflow_name: string } }>;
    };
    expect(byId.results.map((r) => r.workflow.workflow_name)).toEqual(['first']);
    expect(second.workflow_id).toBe(2);
  });

  it('reviews SQL: an error row makes the order workflow_autoreviewwrong', async () => {
    const order = await submit({}, 'SELECT * FROM t;');
    expect(order.workflow.status).toBe('workflow_autoreviewwrong');
    const check = await api('POST', '/api/v1/workflow/sqlcheck/', {
      instance_id: 1,
      db_name: 'acc',
      full_sql: 'UPDATE t SET a=1;',
    });
    expect(check.status).toBe(200);
    // goInception answers the `use` of the database first, then one row per statement.
    expect(check.json).toMatchObject({
      warning_count: 1,
      error_count: 0,
      rows: [
        { sql: 'use `acc`', errlevel: 0 },
        { errlevel: 1, errormessage: 'Please set the where condition.' },
      ],
    });
  });
});

describe('Archery simulator listing', () => {
  it('pages by 5 by default and answers 404 无效页面。 past the last page', async () => {
    for (let i = 0; i < 7; i++) await submit({ workflow_name: `order ${i}` });
    const first = (await api('GET', '/api/v1/workflow/')).json as {
      count: number;
      next: string;
      results: unknown[];
    };
    expect(first.count).toBe(7);
    expect(first.results).toHaveLength(5);
    const next = new URL(first.next);
    expect(next.searchParams.get('page')).toBe('2');
    const second = (await api('GET', `/api/v1/workflow/${next.search}`)).json as {
      next: null;
      results: unknown[];
    };
    expect(second.results).toHaveLength(2);
    expect(second.next).toBeNull();
    const beyond = await api('GET', '/api/v1/workflow/?page=3');
    expect(beyond.status).toBe(404);
    expect(beyond.json).toEqual({ detail: '无效页面。' });
  });
});

describe('Archery simulator work order transitions', () => {
  const audit = (workflowId: number, engineer = 'cdflow', auditType = 'pass') =>
    api('POST', '/api/v1/workflow/audit/', archeryAudit(workflowId, engineer, auditType));
  const execute = (workflowId: number, mode: string, engineer = 'cdflow') =>
    api('POST', '/api/v1/workflow/execute/', { engineer, workflow_id: workflowId, workflow_type: 2, mode });

  it('needs two audit levels for A18, then finishes at once on manual execution', async () => {
    const { workflow_id: id, workflow } = await submit();
    expect(workflow.status).toBe('workflow_manreviewing');
    expect(await execute(id, 'manual')).toMatchObject({
      status: 400,
      json: { errors: '你无权执行当前工单！' },
    });
    expect(await audit(id)).toMatchObject({ status: 200, json: { msg: 'passed' } });
    expect(await statusOf(id)).toBe('workflow_manreviewing');
    expect(await audit(id)).toMatchObject({ status: 200, json: { msg: 'passed' } });
    expect(await statusOf(id)).toBe('workflow_review_pass');
    const again = await audit(id);
    expect(again.status).toBe(400);
    expect((again.json as { errors: string }).errors).toMatch(/^操作失败, 不允许的操作, 工单当前状态为 1/);
    expect(await execute(id, 'manual')).toMatchObject({
      status: 200,
      json: { msg: '开始执行，执行结果请到工单详情页查看' },
    });
    expect(await statusOf(id)).toBe('workflow_finish');
  });

  it('runs an auto execution through queuing and executing to finish', async () => {
    const { workflow_id: id } = await submit({ group_id: 2, instance: 2, db_name: 'report_a18' });
    sim.dba.pass(id);
    expect(await execute(id, 'auto')).toMatchObject({ status: 200 });
    expect(await statusOf(id)).toBe('workflow_queuing');
    await waitForStatus(id, 'workflow_finish');
  });

  it('ends an execution the DBA makes fail in workflow_exception with the message', async () => {
    const { workflow_id: id } = await submit();
    sim.dba.pass(id);
    sim.dba.fail(id, "Table 'acc.t' doesn't exist");
    await waitForStatus(id, 'workflow_exception');
    const row = (
      (await api('GET', `/api/v1/workflow/?workflow_id=${id}`)).json as {
        results: Array<{ execute_result: string }>;
      }
    ).results[0]!;
    expect(row.execute_result).toContain("Table 'acc.t' doesn't exist");
  });

  it('lets only the submitter cancel, and nothing leaves a final status', async () => {
    const { workflow_id: id } = await submit();
    expect(await audit(id, 'dba', 'cancel')).toMatchObject({
      status: 400,
      json: { errors: '用户无权操作此工单' },
    });
    expect(await audit(id, 'cdflow', 'cancel')).toMatchObject({ status: 200, json: { msg: 'canceled' } });
    expect(await statusOf(id)).toBe('workflow_abort');
    expect((await audit(id)).json).toEqual({
      errors: '操作失败, 不允许的操作, 工单当前状态为 3, 不允许做任何操作',
    });
    expect(() => sim.dba.execute(id)).toThrow(/workflow_abort/);
  });

  it('counts calls per route and injects faults', async () => {
    sim.faults.inject({ route: 'POST /api/v1/workflow/', status: 500, times: 1 });
    const failed = await api('POST', '/api/v1/workflow/', archeryWorkOrder());
    expect(failed.status).toBe(500);
    await submit();
    expect(sim.counters.get('POST /api/v1/workflow/')).toBe(2);
    expect(sim.orders()).toHaveLength(1);
  });

  it('saves a slow submission before its late answer, and answers a refused submission at once', async () => {
    sim.slowSubmissionAnswers(1_000);
    const post = (body: unknown, waitMs: number) =>
      fetch(`${sim.url}/api/v1/workflow/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(waitMs),
      }).then(
        (res) => res.status,
        () => 'gave up' as const,
      );

    // A refusal does not use up the slow answer: it is answered well within the wait.
    expect(await post(archeryWorkOrder({ group_id: 999 }), 500)).toBe(400);
    expect(await post(archeryWorkOrder({ workflow_name: 'slow' }), 100)).toBe('gave up');
    expect(sim.orders().map((o) => o.workflowName)).toEqual(['slow']);
    // Used up: the next submission is answered as usual.
    await submit({ workflow_name: 'next' });
    expect(sim.orders()).toHaveLength(2);
  });
});
