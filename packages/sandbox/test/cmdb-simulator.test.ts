import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CmdbSimulator } from '../src/cmdb/index.js';
import { jsonCall } from './support/json-call.js';

let sim: CmdbSimulator;

beforeEach(async () => {
  sim = await CmdbSimulator.start({ taskDurationMs: 200 });
});
afterEach(async () => {
  await sim.close();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = sim.credentials.token,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = token === null ? {} : { 'access-token': token };
  const answer = await jsonCall(method, `${sim.url}${path}`, { body, headers });
  return { status: answer.status, body: answer.body };
}

const consoleTarget = () => sim.targets().find((t) => t.name === 'UAT_a18_console')!;

describe('CMDB simulator', () => {
  it('starts with the seed targets: UAT and PRO of the console, the report service and the gateway', async () => {
    const res = await call('GET', '/api/v1/projects?env=PRO&svn_path=a18/cc_report_service');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        expect.objectContaining({ env: 'PRO', tag: 'V1', svn_path: 'a18/cc_report_service' }),
        expect.objectContaining({ env: 'PRO', tag: 'V2', svn_path: 'a18/cc_report_service' }),
      ],
    });
    expect(sim.targets()).toHaveLength(13);
    expect(sim.targets()[0]).toEqual({
      id: 12,
      name: 'UAT_a18_console',
      env: 'UAT',
      tag: 'V1',
      svnPath: 'a18/cc_merchant_console',
      svnUrl: 'http://svn.host/a18/cc_merchant_console',
      version: '1060',
    });
  });

  it('answers targets added by a test', async () => {
    const id = sim.addTarget({ name: 'UAT_a19_gateway_V1', env: 'UAT', tag: 'V1', svnPath: 'a19/gateway' });
    const res = await call('GET', '/api/v1/projects?env=UAT&svn_path=a19/gateway');
    expect(res.body).toEqual({
      data: [{ id, name: 'UAT_a19_gateway_V1', env: 'UAT', tag: 'V1', svn_path: 'a19/gateway' }],
    });
  });

  it('refuses a missing or wrong access-token with 401 {"error"}', async () => {
    for (const token of [null, 'nope']) {
      const res = await call(
        'GET',
        '/api/v1/projects?env=UAT&svn_path=a18/cc_merchant_console',
        undefined,
        token,
      );
      expect(res).toEqual({ status: 401, body: { error: 'invalid or missing access-token' } });
    }
  });

  it('refuses a version that is not a string and missing fields with 400', async () => {
    const path = `/api/v1/projects/${consoleTarget().id}/upgrade`;
    expect(await call('POST', path, { version: 1061, operator: 'cdflow', request_id: 'r1' })).toEqual({
      status: 400,
      body: { error: 'version must be a string' },
    });
    expect(await call('POST', path, { version: '1061', operator: 'cdflow' })).toEqual({
      status: 400,
      body: { error: 'request_id is required' },
    });
    expect(await call('POST', path, 'not an object')).toMatchObject({ status: 400 });
    expect(sim.deploys()).toHaveLength(0);
  });

  it('runs a task pending, then running, then success', async () => {
    await sim.close();
    // Long enough that the running phase (the last four fifths) is surely seen by polling.
    sim = await CmdbSimulator.start({ taskDurationMs: 1000 });
    const started = await call('POST', `/api/v1/projects/${consoleTarget().id}/upgrade`, {
      version: '1061',
      operator: 'cdflow',
      request_id: 'r-lifecycle',
    });
    expect(started).toMatchObject({ status: 202, body: { status: 'pending' } });
    const taskId = (started.body as { task_id: string }).task_id;
    const seen: string[] = ['pending'];
    for (;;) {
      const task = await call('GET', `/api/v1/tasks/${taskId}`);
      const status = (task.body as { status: string }).status;
      if (seen.at(-1) !== status) seen.push(status);
      if (status === 'success' || status === 'failed') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen).toEqual(['pending', 'running', 'success']);
    expect(sim.deploys()).toMatchObject([{ requestId: 'r-lifecycle', status: 'success' }]);
  });

  it('returns the same task for the same request_id and 409 for it with another version', async () => {
    const path = `/api/v1/projects/${consoleTarget().id}/upgrade`;
    const first = await call('POST', path, { version: '1061', operator: 'cdflow', request_id: 'r-same' });
    const again = await call('POST', path, { version: '1061', operator: 'cdflow', request_id: 'r-same' });
    expect(again.status).toBe(202);
    expect((again.body as { task_id: string }).task_id).toBe((first.body as { task_id: string }).task_id);
    const other = await call('POST', path, { version: '1062', operator: 'cdflow', request_id: 'r-same' });
    expect(other.status).toBe(409);
    expect(other.body).toEqual({ error: expect.stringContaining('r-same') });
    expect(sim.deploys()).toHaveLength(1);
  });

  it('refuses a second deploy of a target while one is running, with 409', async () => {
    const path = `/api/v1/projects/${consoleTarget().id}/upgrade`;
    await call('POST', path, { version: '1061', operator: 'cdflow', request_id: 'r-a' });
    const busy = await call('POST', path, { version: '1062', operator: 'cdflow', request_id: 'r-b' });
    expect(busy.status).toBe(409);
    expect(busy.body).toEqual({ error: expect.stringContaining('already being upgraded') });
  });

  it('ends tasks of an svn path as set by setOutcome, with its message', async () => {
    sim.setOutcome('a18/cc_merchant_console', 'failed', 'disk full');
    const started = await call('POST', `/api/v1/projects/${consoleTarget().id}/upgrade`, {
      version: '1061',
      operator: 'cdflow',
      request_id: 'r-fail',
    });
    const taskId = (started.body as { task_id: string }).task_id;
    await new Promise((r) => setTimeout(r, 250));
    expect(await call('GET', `/api/v1/tasks/${taskId}`)).toEqual({
      status: 200,
      body: { task_id: taskId, status: 'failed', message: 'disk full' },
    });
  });

  it('ends the tasks of one target as set by setOutcome with its name, whatever its path says', async () => {
    sim.setOutcome('a18/cc_report_service', 'failed', 'health check failed');
    sim.setOutcome('UAT_a18_report_V2', 'success');
    const v1 = sim.targets().find((t) => t.name === 'UAT_a18_report')!;
    const v2 = sim.targets().find((t) => t.name === 'UAT_a18_report_V2')!;
    for (const [t, id] of [
      [v1, 'r-v1'],
      [v2, 'r-v2'],
    ] as const) {
      await call('POST', `/api/v1/projects/${t.id}/upgrade`, {
        version: '877',
        operator: 'cdflow',
        request_id: id,
      });
    }
    await new Promise((r) => setTimeout(r, 250));
    expect(sim.deploys().map((d) => [d.targetId, d.status])).toEqual([
      [v1.id, 'failed'],
      [v2.id, 'success'],
    ]);
    expect(sim.targets().find((t) => t.id === v2.id)!.version).toBe('877');
    expect(sim.targets().find((t) => t.id === v1.id)!.version).toBe('876');
  });

  it('answers 404 {"error"} for an unknown target, task or route', async () => {
    expect(
      await call('POST', '/api/v1/projects/999/upgrade', { version: '1', operator: 'x', request_id: 'y' }),
    ).toEqual({
      status: 404,
      body: { error: 'project 999 not found' },
    });
    expect((await call('GET', '/api/v1/tasks/nope')).status).toBe(404);
    expect((await call('GET', '/api/v2/whatever')).body).toEqual({ error: expect.any(String) });
  });
});

/** A GET with a JSON body, as the original's client sends its search (fetch refuses a body on a GET). */
function getWithBody(
  url: string,
  body: string | undefined,
  token: string | null = sim.credentials.token,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers['access-token'] = token;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const search = (query: Record<string, unknown>, token?: string | null) =>
  getWithBody(sim.searchUrl, JSON.stringify(query), token);

interface SearchItem {
  id: number;
  arg: string;
  project: { id: number; name: string; svn_path: string };
}
const itemsOf = (res: { body: unknown }) => (res.body as { data: { items: SearchItem[] } }).data.items;
const names = (res: { body: unknown }) => itemsOf(res).map((i) => i.project.name);

describe('CMDB simulator, jiracdflow dialect', () => {
  it('exposes search_url and upgrade_url on the same server', () => {
    expect(sim.searchUrl).toBe(`${sim.url}/api/project/search`);
    expect(sim.upgradeUrl).toBe(`${sim.url}/api/project/upgrade/`);
  });

  it('searches by svn path (a JSON body on a GET) with name UAT: full-URL svn_path, arg = deployed version', async () => {
    const res = await search({ page: 1, size: 50, svn_path: 'a18/cc_merchant_console', name: 'UAT' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 200, data: { total: 3 } });
    expect(itemsOf(res)[0]).toEqual({
      id: 12,
      arg: '1060',
      project: { id: 12, name: 'UAT_a18_console', svn_path: 'http://svn.host/a18/cc_merchant_console' },
    });
    expect(names(res)).toEqual(['UAT_a18_console', 'UAT_a18_console_V2', 'UAT_a18_console_TEST']);
  });

  it('without name (how PRO searches) answers the UAT projects too; the search is loose, by substring', async () => {
    const pro = await search({ page: 1, size: 50, svn_path: 'a18/cc_merchant_console' });
    expect(names(pro)).toEqual([
      'UAT_a18_console',
      'PRO_a18_console',
      'UAT_a18_console_V2',
      'UAT_a18_console_TEST',
      'PRO_a18_console_TEST',
    ]);
    const loose = await search({ page: 1, size: 50, svn_path: 'A18/CC_', name: 'gateway' });
    expect(names(loose)).toEqual([
      'UAT_a18_gateway',
      'UAT_a18_gateway_job',
      'PRO_a18_gateway',
      'PRO_a18_gateway_job',
    ]);
  });

  it('pages with page and size', async () => {
    const second = await search({ page: 2, size: 2, svn_path: 'a18/cc_merchant_console' });
    expect(names(second)).toEqual(['UAT_a18_console_V2', 'UAT_a18_console_TEST']);
    expect(second.body).toMatchObject({ data: { total: 5, page: 2, size: 2 } });
  });

  it('answers a search it cannot read with HTTP 200 and code 400', async () => {
    for (const body of [
      undefined,
      'not json',
      '[]',
      JSON.stringify({ page: 1 }),
      JSON.stringify({ svn_path: 'a', page: 0 }),
    ]) {
      const res = await getWithBody(sim.searchUrl, body);
      expect(res.status, String(body)).toBe(200);
      expect(res.body, String(body)).toMatchObject({ code: 400, msg: expect.any(String), data: null });
    }
  });

  it('refuses a missing or wrong access-token with 401 {"code":401}', async () => {
    for (const token of [null, 'nope']) {
      const res = await search({ page: 1, size: 50, svn_path: 'a18/cc_merchant_console' }, token);
      expect(res).toEqual({
        status: 401,
        body: { code: 401, msg: 'invalid or missing access-token', data: null },
      });
    }
  });

  it("upgrades synchronously: data.status 成功, the new version is the project's arg", async () => {
    const res = await call('GET', '/api/project/upgrade/12?operation=upgrade&arg=1061&size=2000&page=1');
    expect(res).toEqual({
      status: 200,
      body: {
        code: 200,
        msg: 'success',
        data: { id: 12, project: 'UAT_a18_console', arg: '1061', status: '成功' },
      },
    });
    expect(sim.upgrades()).toMatchObject([
      { targetId: 12, name: 'UAT_a18_console', version: '1061', status: '成功' },
    ]);
    const after = await search({ page: 1, size: 50, svn_path: 'a18/cc_merchant_console', name: 'UAT' });
    expect(itemsOf(after)[0]!.arg).toBe('1061');
    expect(sim.deploys()).toEqual([]);
  });

  it("answers one project's failing 状态 set by setOutcome; the others still succeed", async () => {
    sim.setOutcome('UAT_a18_gateway_job', 'failed', '失败: 镜像拉取超时');
    const ok = await call('GET', '/api/project/upgrade/21?operation=upgrade&arg=502');
    const failed = await call('GET', '/api/project/upgrade/22?operation=upgrade&arg=502');
    expect(ok.body).toMatchObject({ data: { project: 'UAT_a18_gateway', status: '成功' } });
    expect(failed).toMatchObject({
      status: 200,
      body: { code: 200, data: { project: 'UAT_a18_gateway_job', status: '失败: 镜像拉取超时' } },
    });
    expect(sim.targets().find((t) => t.id === 22)!.version).toBe('501');
    sim.setOutcome('a18/cc_report_service', 'failed');
    expect((await call('GET', '/api/project/upgrade/17?operation=upgrade&arg=877')).body).toMatchObject({
      data: { status: '失败' },
    });
  });

  it('refuses an unknown project (404), another operation or a missing arg (400)', async () => {
    expect(await call('GET', '/api/project/upgrade/999?operation=upgrade&arg=1')).toEqual({
      status: 404,
      body: { code: 404, msg: 'project 999 not found', data: null },
    });
    expect(await call('GET', '/api/project/upgrade/12?operation=rollback&arg=1')).toMatchObject({
      status: 400,
      body: { code: 400 },
    });
    expect(await call('GET', '/api/project/upgrade/12?operation=upgrade')).toMatchObject({
      status: 400,
      body: { code: 400, msg: 'arg is required' },
    });
    expect(sim.upgrades()).toEqual([]);
  });

  it('counts each route and injects faults on them', async () => {
    sim.faults.inject({ route: 'GET /api/project/upgrade/:id', status: 504, times: 1 });
    const res = await fetch(`${sim.upgradeUrl}12?operation=upgrade&arg=1061`, {
      headers: { 'access-token': sim.credentials.token },
    });
    expect(res.status).toBe(504);
    expect(await res.text()).toContain('<html>');
    expect(sim.upgrades()).toEqual([]);
    await search({ page: 1, size: 50, svn_path: 'a18/cc_merchant_console' });
    expect(sim.counters.get('GET /api/project/search')).toBe(1);
    expect(sim.counters.get('GET /api/project/upgrade/:id')).toBe(1);
  });
});
