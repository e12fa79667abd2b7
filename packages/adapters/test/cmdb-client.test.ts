import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CmdbSimulator } from '../../sandbox/src/cmdb/index.js';
import type { FaultRule } from '../../sandbox/src/common/index.js';
import { CmdbClient, selectTarget } from '../src/cmdb/index.js';
import { UpstreamError } from '../src/http/index.js';
import { rejectionOf } from './support/rejection-of.js';
import { type TokenClientTuning, tokenClientOptions } from './support/token-client-options.js';

let sim: CmdbSimulator;

beforeEach(async () => {
  sim = await CmdbSimulator.start({ taskDurationMs: 150 });
});
afterEach(async () => {
  await sim.close();
});

const client = (tuning: TokenClientTuning = {}) => new CmdbClient(tokenClientOptions(sim, tuning));

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, UpstreamError);

/** CMDB answering 429 `{"error"}` on `route` with a Retry-After, `times` times (every time when absent). */
const tooManyRequests = (
  route: string,
  error: string,
  retryAfterSeconds: number,
  times?: number,
): FaultRule => ({
  route,
  status: 429,
  body: { error },
  retryAfterSeconds,
  ...(times === undefined ? {} : { times }),
});

async function waitForTask(
  c: CmdbClient,
  taskId: string,
): Promise<{ status: string; message: string | null }> {
  for (;;) {
    const task = await c.getTask(taskId);
    if (task.status === 'success' || task.status === 'failed') return task;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('CmdbClient against the CMDB simulator', () => {
  it('finds the targets of an svn path in one env and selects the one of the tag ("" means V1)', async () => {
    const c = client();
    const targets = await c.listTargets('UAT', 'a18/cc_report_service');
    expect(targets.map((t) => t.tag).sort()).toEqual(['V1', 'V2']);
    expect(targets.every((t) => t.env === 'UAT' && t.svnPath === 'a18/cc_report_service')).toBe(true);
    expect(selectTarget(targets, '').name).toBe('UAT_a18_report');
    expect(selectTarget(targets, 'v2').name).toBe('UAT_a18_report_V2');
    expect((await c.findTarget('PRO', 'a18/cc_merchant_console', '')).name).toBe('PRO_a18_console');
  });

  it('findTargets answers every target of the tag: one, both services of a shared path, or none', async () => {
    const c = client();
    const names = async (svnPath: string, tag: string) =>
      (await c.findTargets('UAT', { svnPath, tag })).map((t) => t.name);
    expect(await names('a18/cc_merchant_console', '')).toEqual(['UAT_a18_console']);
    expect(await names('a18/cc_merchant_console', 'test')).toEqual(['UAT_a18_console_TEST']);
    expect(await names('a18/cc_gateway', 'v1')).toEqual(['UAT_a18_gateway', 'UAT_a18_gateway_job']);
    expect(await names('a18/cc_merchant_console', 'V3')).toEqual([]);
  });

  it('fails with NO_TARGET naming the svn path, the tag and the tags that exist', async () => {
    const c = client();
    const err = await rejection(c.findTarget('UAT', 'a18/cc_merchant_console', 'V3'));
    expect(err.code).toBe('NO_TARGET');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('a18/cc_merchant_console');
    expect(err.message).toContain('tag V3');
    expect(err.message).toContain('tags that exist: TEST, V1, V2');
    const none = await rejection(c.findTarget('UAT', 'a18/unknown', ''));
    expect(none.message).toContain('a18/unknown');
    expect(none.message).toContain('no target at all');
  });

  it('deploys, then the task runs and succeeds with a message', async () => {
    const c = client();
    const target = await c.findTarget('UAT', 'a18/cc_merchant_console', '');
    const started = await c.deploy(target, {
      version: '1061',
      operator: 'cdflow',
      requestId: 'rel-1:code:1',
    });
    expect(started.status).toBe('pending');
    const done = await waitForTask(c, started.taskId);
    expect(done.status).toBe('success');
    expect(done.message).toContain('1061');
    expect(sim.deploys()).toMatchObject([
      { targetId: target.id, svnPath: 'a18/cc_merchant_console', version: '1061', requestId: 'rel-1:code:1' },
    ]);
  });

  it('reports a failed deploy with the CMDB message', async () => {
    sim.setOutcome('a18/cc_report_service', 'failed', 'health check failed on port 8080');
    const c = client();
    const target = await c.findTarget('UAT', 'a18/cc_report_service', 'V2');
    const started = await c.deploy(target, { version: '877', operator: 'cdflow', requestId: 'rel-1:code:2' });
    expect(await waitForTask(c, started.taskId)).toMatchObject({
      status: 'failed',
      message: 'health check failed on port 8080',
    });
  });

  it('deploys once when the same request_id is sent many times, at once and one after another', async () => {
    const c = client();
    const target = await c.findTarget('UAT', 'a18/cc_merchant_console', 'V1');
    const input = { version: '1061', operator: 'cdflow', requestId: 'rel-2:code:1' };
    const parallel = await Promise.all(Array.from({ length: 8 }, () => c.deploy(target, input)));
    const again = await c.deploy(target, input);
    const taskIds = new Set([...parallel, again].map((t) => t.taskId));
    expect(taskIds.size).toBe(1);
    expect(sim.deploys()).toHaveLength(1);
    expect(sim.counters.get('POST /api/v1/projects/:id/upgrade')).toBe(9);
  });

  it('retries a deploy that timed out without deploying twice', async () => {
    // The CMDB starts the deploy but answers after the client gave up.
    sim.answerLate('POST /api/v1/projects/:id/upgrade', 400);
    const c = client({ timeoutMs: 150, retries: 2 });
    const target = await c.findTarget('UAT', 'a18/cc_merchant_console', '');
    const started = await c.deploy(target, {
      version: '1062',
      operator: 'cdflow',
      requestId: 'rel-3:code:1',
    });
    expect(sim.counters.get('POST /api/v1/projects/:id/upgrade')).toBe(2);
    expect(sim.deploys()).toHaveLength(1);
    expect(sim.deploys()[0]!.taskId).toBe(started.taskId);
  });

  it('refuses a reused request_id for another version with 409 and the CMDB error body', async () => {
    const c = client();
    const target = await c.findTarget('UAT', 'a18/cc_merchant_console', '');
    await c.deploy(target, { version: '1061', operator: 'cdflow', requestId: 'rel-4:code:1' });
    const err = await rejection(
      c.deploy(target, { version: '1070', operator: 'cdflow', requestId: 'rel-4:code:1' }),
    );
    expect(err.code).toBe('CONFLICT');
    expect(err.status).toBe(409);
    expect(err.body).toEqual({ error: expect.stringContaining('rel-4:code:1') });
    expect(sim.deploys()).toHaveLength(1);
  });

  it('surfaces 401 as UNAUTHORIZED without the token in the error', async () => {
    const c = client({ token: 'wrong-token-123456' });
    const err = await rejection(c.listTargets('UAT', 'a18/cc_merchant_console'));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.status).toBe(401);
    expect(err.body).toEqual({ error: 'invalid or missing access-token' });
    expect(JSON.stringify(err.toJSON())).not.toContain('wrong-token-123456');
    expect(sim.counters.get('GET /api/v1/projects')).toBe(1);
  });

  it('surfaces a 400 with the CMDB error body and does not retry it', async () => {
    const c = client();
    const err = await rejection(c.listTargets('UAT', ''));
    expect(err.code).toBe('VALIDATION');
    expect(err.status).toBe(400);
    expect(err.body).toEqual({ error: 'svn_path is required' });
    expect(err.message).toContain('svn_path is required');
    expect(sim.counters.get('GET /api/v1/projects')).toBe(1);
  });

  it('answers 404 for an unknown target and an unknown task', async () => {
    const c = client();
    const deploy = await rejection(
      c.deploy({ id: 999 }, { version: '1', operator: 'cdflow', requestId: 'x' }),
    );
    expect(deploy.code).toBe('NOT_FOUND');
    expect(deploy.body).toEqual({ error: 'project 999 not found' });
    const task = await rejection(c.getTask('no-such-task'));
    expect(task.code).toBe('NOT_FOUND');
  });

  it('waits at least Retry-After before retrying a 429, as the simulator saw it', async () => {
    sim.faults.inject(tooManyRequests('GET /api/v1/projects', 'too many requests', 1, 1));
    const c = client();
    const targets = await c.listTargets('UAT', 'a18/cc_merchant_console');
    expect(targets).toHaveLength(3);
    const calls = sim.requests().filter((r) => r.route === 'GET /api/v1/projects');
    expect(calls.map((r) => r.status)).toEqual([429, 200]);
    expect(calls[1]!.receivedAt - calls[0]!.receivedAt).toBeGreaterThanOrEqual(1000);
  });

  it('gives up with RATE_LIMITED when 429 persists', async () => {
    sim.faults.inject(tooManyRequests('GET /api/v1/tasks/:taskId', 'slow down', 0));
    const err = await rejection(client({ retries: 1 }).getTask('any'));
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.retryable).toBe(true);
    expect(sim.counters.get('GET /api/v1/tasks/:taskId')).toBe(2);
  });

  it('times out a call slower than the client timeout with TIMEOUT', async () => {
    sim.faults.inject({ route: 'GET /api/v1/tasks/:taskId', latencyMs: 500 });
    const err = await rejection(client({ timeoutMs: 100, retries: 0 }).getTask('any'));
    expect(err.code).toBe('TIMEOUT');
    expect(err.retryable).toBe(true);
  });

  it('turns a malformed answer into BAD_RESPONSE', async () => {
    sim.faults.inject({ route: 'GET /api/v1/projects', malformed: true, times: 1 });
    const err = await rejection(client().listTargets('UAT', 'a18/cc_merchant_console'));
    expect(err.code).toBe('BAD_RESPONSE');
  });
});
