import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CmdbSimulator } from '../src/cmdb/index.js';

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
  const headers: Record<string, string> = {};
  if (token !== null) headers['access-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

const consoleTarget = () => sim.targets().find((t) => t.name === 'UAT_a18_console_V1')!;

describe('CMDB simulator', () => {
  it('starts with the seed targets: UAT and PRO of the console (V1) and the report service (V1, V2)', async () => {
    const res = await call('GET', '/api/v1/projects?env=PRO&svn_path=a18/cc_report_service');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        expect.objectContaining({ env: 'PRO', tag: 'V1', svn_path: 'a18/cc_report_service' }),
        expect.objectContaining({ env: 'PRO', tag: 'V2', svn_path: 'a18/cc_report_service' }),
      ],
    });
    expect(sim.targets()).toHaveLength(6);
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
