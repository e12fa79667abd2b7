import { describe, expect, it } from 'vitest';
import {
  type ArcheryReviewRow,
  ArcherySimulator,
  type ArcherySimulatorOptions,
  archerySandboxPasswords,
  defaultReviewEngineFailure,
} from '../src/archery/index.js';
import { archeryAudit, archeryWorkOrder } from './support/archery-workflow-bodies.js';
import { simulatorsClosedAfterEach } from './support/simulators-closed-after-each.js';

const simulators = simulatorsClosedAfterEach<ArcherySimulator>();

async function start(options: ArcherySimulatorOptions = {}) {
  const sim = simulators.enlist(await ArcherySimulator.start({ executeDelayMs: 20, ...options }));
  const login = async (username: string, password: string) => {
    const res = await fetch(`${sim.url}/api/auth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access: string }).access;
  };
  const token = await login(sim.credentials.username, sim.credentials.password);
  const api = async (method: string, path: string, body?: unknown, bearer = token) => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  const submit = async (sql = 'ALTER TABLE t ADD COLUMN c INT;', workflow: Record<string, unknown> = {}) =>
    api('POST', '/api/v1/workflow/', archeryWorkOrder(workflow, sql));
  const audit = (workflowId: number, engineer: string, auditType = 'pass') =>
    api('POST', '/api/v1/workflow/audit/', archeryAudit(workflowId, engineer, auditType));
  const order = async (workflowId: number) => {
    const res = await api('GET', `/api/v1/workflow/?workflow_id=${workflowId}`);
    return (res.json!.results as Array<Record<string, unknown>>)[0] as {
      workflow: { status: string; engineer: string };
      review_content: string;
      execute_result: string;
    };
  };
  const sqlcheck = (full_sql: string, db_name = 'acc', instance_id = 1) =>
    api('POST', '/api/v1/workflow/sqlcheck/', { instance_id, db_name, full_sql });
  return { sim, api, login, submit, audit, order, sqlcheck };
}

async function until(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

describe('Archery ban_self_audit and multi-level review', () => {
  it('refuses the submitter’s own audit with Archery’s text when ban_self_audit is on; the DBA audits both levels', async () => {
    const { sim, submit, audit, order } = await start({ banSelfAudit: true });
    const submitted = await submit();
    const id = (submitted.json as { workflow_id: number }).workflow_id;
    const own = await audit(id, 'cdflow');
    expect(own).toEqual({ status: 400, json: { errors: '操作失败, 当前配置禁止本人审核自己的工单' } });
    // A18 has two levels (Leader, then DBA): the first pass leaves the order under review.
    expect(await audit(id, 'dba')).toEqual({ status: 200, json: { msg: 'passed' } });
    expect(sim.orders()[0]).toMatchObject({ status: 'workflow_manreviewing', auditLevelsPassed: 1 });
    expect((await order(id)).workflow.status).toBe('workflow_manreviewing');
    expect(await audit(id, 'cdflow')).toEqual(own);
    expect(await audit(id, 'dba')).toEqual({ status: 200, json: { msg: 'passed' } });
    expect((await order(id)).workflow.status).toBe('workflow_review_pass');
  });

  it('lets the submitter audit its own order when ban_self_audit is off (Archery’s default)', async () => {
    const { submit, audit, order } = await start();
    const id = ((await submit()).json as { workflow_id: number }).workflow_id;
    expect((await audit(id, 'cdflow')).json).toEqual({ msg: 'passed' });
    expect((await audit(id, 'cdflow')).json).toEqual({ msg: 'passed' });
    expect((await order(id)).workflow.status).toBe('workflow_review_pass');
  });

  it('has the in-process DBA pass and execute manually, under the same rules', async () => {
    const { sim, submit, order, api, login } = await start({ banSelfAudit: true });
    const id = ((await submit()).json as { workflow_id: number }).workflow_id;
    sim.dba.pass(id);
    expect((await order(id)).workflow.status).toBe('workflow_review_pass');
    sim.dba.execute(id, 'manual');
    expect((await order(id)).workflow.status).toBe('workflow_finish');
    // The DBA's own order: ban_self_audit refuses the DBA too.
    const dbaToken = await login('dba', archerySandboxPasswords.dba);
    const mine = await api(
      'POST',
      '/api/v1/workflow/',
      {
        workflow: {
          workflow_name: 'dba own',
          group_id: 2,
          instance: 2,
          db_name: 'report_a18',
          is_offline_export: 0,
        },
        sql_content: 'ALTER TABLE t ADD COLUMN c INT;',
      },
      dbaToken,
    );
    expect(mine.status).toBe(201);
    expect(() => sim.dba.pass((mine.json as { workflow_id: number }).workflow_id)).toThrow(
      '当前配置禁止本人审核自己的工单',
    );
  });

  it('cancels only for the submitter (workflow_abort), with Archery’s texts for anyone else', async () => {
    const { submit, audit, order } = await start();
    const id = ((await submit()).json as { workflow_id: number }).workflow_id;
    expect(await audit(id, 'dba', 'cancel')).toEqual({ status: 400, json: { errors: '用户无权操作此工单' } });
    expect(await audit(id, 'nobody', 'cancel')).toEqual({
      status: 400,
      json: { errors: ['不存在该用户：nobody'] },
    });
    expect(await audit(id, 'cdflow', 'cancel')).toEqual({ status: 200, json: { msg: 'canceled' } });
    expect((await order(id)).workflow.status).toBe('workflow_abort');
  });
});

describe('Archery sqlcheck like goInception', () => {
  it('answers a statement that does not parse with one RERUN row at errlevel 2 and stops there', async () => {
    const { sqlcheck } = await start();
    const res = await sqlcheck('ALTER TABLE t ADD COLUMN c INT;\nALTERR TABLE t ADD d INT;\nDELETE FROM t;');
    expect(res.status).toBe(200);
    const rows = res.json!.rows as ArcheryReviewRow[];
    expect(rows.map((r) => [r.stage, r.errlevel, r.sql])).toEqual([
      ['CHECKED', 0, 'use `acc`'],
      ['CHECKED', 0, 'ALTER TABLE t ADD COLUMN c INT'],
      ['RERUN', 2, 'ALTERR TABLE t ADD d INT'],
    ]);
    expect(rows[2]!.errormessage).toBe('line 1 column 6 near "ALTERR TABLE t ADD d INT" ');
    expect(res.json).toMatchObject({
      is_execute: false,
      checked: 'True',
      warning_count: 0,
      error_count: 1,
      syntax_type: 1,
      is_critical: false,
      status: null,
      affected_rows: 0,
    });
    expect(res.json!.column_list).toContain('error_message');
    const cut = await sqlcheck("UPDATE t WHERE id = 1; INSERT INTO t (a) VALUES ('x");
    expect((cut.json!.rows as ArcheryReviewRow[])[1]).toMatchObject({
      errlevel: 2,
      errormessage: 'line 1 column 21 near "" ',
    });
  });

  it('applies review rules a test sets, with counts that agree with the rows', async () => {
    const { sim, sqlcheck, submit, order } = await start();
    sim.setCheckRule(/^drop\b/i, { errlevel: 2, message: '禁止删除表' });
    const warn = sim.setCheckRule('add column', { errlevel: 1, message: 'ALTER 建议指定 ALGORITHM' });
    sim.setCheckRule((s) => s.includes('big_table'), { errlevel: 1, message: '大表变更' });
    const res = await sqlcheck('ALTER TABLE big_table ADD COLUMN c INT; DROP TABLE old; UPDATE t SET a = 1;');
    const rows = res.json!.rows as ArcheryReviewRow[];
    expect(rows.map((r) => r.errlevel)).toEqual([0, 1, 2, 1]);
    expect(rows[1]!.errormessage).toBe('ALTER 建议指定 ALGORITHM\n大表变更');
    expect(res.json).toMatchObject({ warning_count: 2, error_count: 1 });
    // An error row makes the submitted order fail its auto review, with the rows in review_content.
    const rejected = await submit('DROP TABLE old;');
    expect((rejected.json as { workflow: { status: string } }).workflow.status).toBe(
      'workflow_autoreviewwrong',
    );
    const saved = await order((rejected.json as { workflow_id: number }).workflow_id);
    expect(JSON.parse(saved.review_content)).toMatchObject([
      { errlevel: 0 },
      { errlevel: 2, errormessage: '禁止删除表' },
    ]);
    sim.removeCheckRule(warn);
    expect(
      ((await sqlcheck('ALTER TABLE t ADD COLUMN c INT;')).json!.rows as ArcheryReviewRow[])[1]!.errlevel,
    ).toBe(0);
    sim.clearCheckRules();
    expect((await sqlcheck('DROP TABLE old;')).json).toMatchObject({ error_count: 0 });
  });

  it('answers a database the instance does not have with goInception’s error on the use row', async () => {
    const { sqlcheck, submit } = await start();
    const res = await sqlcheck('ALTER TABLE t ADD COLUMN c INT;', 'report', 2);
    expect((res.json!.rows as ArcheryReviewRow[])[0]).toMatchObject({
      sql: 'use `report`',
      errlevel: 2,
      errormessage: "Selected Database 'report' not existed.",
    });
    expect(res.json).toMatchObject({ error_count: 1 });
    const order = await submit('ALTER TABLE t ADD COLUMN c INT;', {
      group_id: 2,
      instance: 2,
      db_name: 'report',
    });
    expect((order.json as { workflow: { status: string } }).workflow.status).toBe('workflow_autoreviewwrong');
  });

  it('answers an engine exception with 400 {"errors": …} and saves no order', async () => {
    const { sim, sqlcheck, submit } = await start();
    sim.failReviewEngine(undefined, 2);
    expect(await sqlcheck('ALTER TABLE t ADD COLUMN c INT;')).toEqual({
      status: 400,
      json: { errors: defaultReviewEngineFailure },
    });
    expect(await submit()).toEqual({ status: 400, json: { errors: defaultReviewEngineFailure } });
    expect(sim.orders()).toHaveLength(0);
    expect((await sqlcheck('ALTER TABLE t ADD COLUMN c INT;')).status).toBe(200);
  });
});

describe('Archery in-process switches', () => {
  it('fails the next auto review, and ends an execution in workflow_exception with the message', async () => {
    const { sim, submit, order } = await start();
    sim.failNextAutoReview('SQL 审核不通过：缺少主键');
    const rejected = (await submit()).json as { workflow_id: number; workflow: { status: string } };
    expect(rejected.workflow.status).toBe('workflow_autoreviewwrong');
    expect((await order(rejected.workflow_id)).review_content).toContain('SQL 审核不通过：缺少主键');
    const next = (await submit()).json as { workflow_id: number; workflow: { status: string } };
    expect(next.workflow.status).toBe('workflow_manreviewing');
    sim.dba.pass(next.workflow_id);
    sim.dba.fail(next.workflow_id, "(1054, \"Unknown column 'c' in 'field list'\")");
    await until(
      async () => (await order(next.workflow_id)).workflow.status === 'workflow_exception',
      'exception',
    );
    const rows = JSON.parse((await order(next.workflow_id)).execute_result) as ArcheryReviewRow[];
    expect(rows.at(-1)).toMatchObject({ errlevel: 2, stagestatus: 'Execute failed' });
    expect(rows.at(-1)!.errormessage).toContain("Unknown column 'c'");
  });
});

describe('Archery instances and their databases', () => {
  it('lists instances with their own db_name field and answers their databases from /instance/resource/', async () => {
    const { api, login } = await start();
    const list = await api('GET', '/api/v1/instance/?instance_name__icontains=report');
    expect(list.json!.results).toEqual([
      expect.objectContaining({ id: 2, instance_name: 'report', db_name: '', resource_group: [1, 2] }),
    ]);
    expect(list.json!.results as object[]).not.toContainEqual(
      expect.objectContaining({ password: expect.anything() }),
    );
    const dbs = await api('POST', '/api/v1/instance/resource/', {
      instance_id: 2,
      resource_type: 'database',
    });
    expect(dbs).toEqual({ status: 200, json: { count: 2, result: ['report_a18', 'report_a19'] } });
    expect(
      (await api('POST', '/api/v1/instance/resource/', { instance_id: 9, resource_type: 'database' })).json,
    ).toEqual({ errors: ['不存在该实例'] });
    expect(
      (await api('POST', '/api/v1/instance/resource/', { instance_id: 2, resource_type: 'disk' })).json,
    ).toEqual({ resource_type: ['“disk” 不是合法选项。'] });
    expect(
      (await api('POST', '/api/v1/instance/resource/', { instance_id: 2, resource_type: 'table' })).json,
    ).toEqual({ errors: '不支持的资源类型或者参数不完整！' });
    const viewer = await login('viewer', archerySandboxPasswords.viewer);
    expect(
      (await api('POST', '/api/v1/instance/resource/', { instance_id: 2, resource_type: 'database' }, viewer))
        .status,
    ).toBe(403);
  });
});

describe('Archery state across a restart', () => {
  it('continues from a snapshot: same orders, ids continue, an interrupted run finishes, old orders still move', async () => {
    const first = await start({ executeDelayMs: 5_000 });
    const a = (await first.submit('ALTER TABLE a ADD COLUMN c INT;')).json as {
      workflow_id: number;
      id: number;
    };
    const b = (await first.submit('ALTER TABLE b ADD COLUMN c INT;')).json as { workflow_id: number };
    first.sim.dba.pass(a.workflow_id);
    first.sim.dba.execute(a.workflow_id, 'auto');
    const saved = first.sim.snapshotState();
    expect(saved.orders.map((o) => [o.workflowId, o.status])).toEqual([
      [a.workflow_id, 'workflow_queuing'],
      [b.workflow_id, 'workflow_manreviewing'],
    ]);
    const snapshot = JSON.parse(JSON.stringify(saved)) as unknown;
    await first.sim.close();

    const second = await start({ state: snapshot });
    expect(second.sim.orders().map((o) => o.workflowName)).toEqual(['REL-1 upgrade', 'REL-1 upgrade']);
    expect(second.sim.orders()[1]!.status).toBe('workflow_manreviewing');
    await until(
      async () => (await second.order(a.workflow_id)).workflow.status === 'workflow_finish',
      'finish',
    );
    const c = (await second.submit('ALTER TABLE c ADD COLUMN c INT;')).json as {
      workflow_id: number;
      id: number;
    };
    expect(c.workflow_id).toBe(3);
    expect(c.id).toBe(a.id + 2);
    expect((await second.audit(b.workflow_id, 'dba')).json).toEqual({ msg: 'passed' });
    await expect(ArcherySimulator.start({ state: { version: 1, orders: 'x' } })).rejects.toThrow(
      'Archery simulator state: orders must be an array',
    );
  });
});
