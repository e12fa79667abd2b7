import { CdflowError } from '@cdflow/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CmdbSimulator } from '../../sandbox/src/cmdb/index.js';
import { JiracdflowCmdbClient } from '../src/cmdb/index.js';
import { UpstreamError } from '../src/http/index.js';
import { rejectionOf } from './support/rejection-of.js';

const searchRoute = 'GET /api/project/search';
const upgradeRoute = 'GET /api/project/upgrade/:id';
let sim: CmdbSimulator;

beforeEach(async () => {
  sim = await CmdbSimulator.start();
});
afterEach(async () => {
  await sim.close();
});

function client(
  options: { token?: string; upgradeTimeoutMs?: number; pageSize?: number } = {},
): JiracdflowCmdbClient {
  return new JiracdflowCmdbClient({
    searchUrl: sim.searchUrl,
    upgradeUrl: sim.upgradeUrl,
    token: options.token ?? sim.credentials.token,
    timeoutMs: 2000,
    upgradeTimeoutMs: options.upgradeTimeoutMs ?? 2000,
    retries: 2,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  });
}

const failure = (promise: Promise<unknown>) => rejectionOf(promise, CdflowError);

const console_ = 'a18/cc_merchant_console';
const names = async (env: 'UAT' | 'PRO', svnPath: string, tag: string, c = client()) =>
  (await c.findTargets(env, { svnPath, tag })).map((t) => t.name);

describe('JiracdflowCmdbClient against the CMDB simulator', () => {
  it('finds the targets of tags "", v1, v2 and TEST in UAT', async () => {
    expect(await names('UAT', console_, '')).toEqual(['UAT_a18_console']);
    expect(await names('UAT', console_, 'v1')).toEqual(['UAT_a18_console']);
    expect(await names('UAT', console_, 'v2')).toEqual(['UAT_a18_console_V2']);
    expect(await names('UAT', console_, 'TEST')).toEqual(['UAT_a18_console_TEST']);
    expect(await names('UAT', console_, 'V4')).toEqual([]);
    expect(await names('UAT', 'a18/unknown', '')).toEqual([]);
  });

  it('answers targets with the id to upgrade, env and tag from the name, and the item path', async () => {
    expect(await client().findTargets('UAT', { svnPath: console_, tag: 'v2' })).toEqual([
      { id: 14, name: 'UAT_a18_console_V2', env: 'UAT', tag: 'V2', svnPath: console_ },
    ]);
    expect((await client().findTargets('UAT', { svnPath: console_, tag: '' }))[0]).toMatchObject({ tag: '' });
  });

  it('in PRO skips the UAT_ projects the search answers too, and TEST without a tag', async () => {
    const c = client();
    const raw = (await c.searchProjects('PRO', console_)).map((p) => p.project.name);
    expect(raw).toContain('UAT_a18_console');
    expect(await names('PRO', console_, '', c)).toEqual(['PRO_a18_console']);
    expect(await names('PRO', console_, 'TEST', c)).toEqual(['PRO_a18_console_TEST']);
    expect(await names('PRO', 'a18/cc_report_service', 'v2', c)).toEqual(['PRO_a18_report_V2']);
  });

  it('deploys every project of a path with two matches, each to 成功', async () => {
    const c = client();
    const targets = await c.findTargets('UAT', { svnPath: 'a18/cc_gateway', tag: '' });
    expect(targets.map((t) => t.name)).toEqual(['UAT_a18_gateway', 'UAT_a18_gateway_job']);
    const results = [];
    for (const t of targets)
      results.push(await c.deploy(t, { version: '502', operator: 'cdflow', requestId: 'r' }));
    expect(results).toEqual([
      { kind: 'finished', status: 'success', message: '成功' },
      { kind: 'finished', status: 'success', message: '成功' },
    ]);
    expect(sim.upgrades().map((u) => [u.name, u.version, u.status])).toEqual([
      ['UAT_a18_gateway', '502', '成功'],
      ['UAT_a18_gateway_job', '502', '成功'],
    ]);
    expect((await c.searchProjects('UAT', 'a18/cc_gateway')).map((p) => p.arg)).toEqual(['502', '502']);
  });

  it("answers one project's failing 状态 as a failed deploy with that text", async () => {
    sim.setOutcome('UAT_a18_gateway_job', 'failed', '失败: 镜像拉取超时');
    const c = client();
    const [gateway, job] = await c.findTargets('UAT', { svnPath: 'a18/cc_gateway', tag: '' });
    expect(await c.deploy(gateway!, { version: '503' })).toMatchObject({ status: 'success' });
    expect(await c.deploy(job!, { version: '503' })).toEqual({
      kind: 'finished',
      status: 'failed',
      message: '失败: 镜像拉取超时',
    });
  });

  it('never retries an upgrade: a 5xx or a late answer surfaces after one call', async () => {
    sim.faults.inject({ route: upgradeRoute, status: 502, times: 1 });
    const err = await failure(client().deploy({ id: 12 }, { version: '1061' }));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(sim.counters.get(upgradeRoute)).toBe(1);
    expect(sim.upgrades()).toEqual([]);

    sim.answerLate(upgradeRoute, 600);
    const late = await failure(client({ upgradeTimeoutMs: 150 }).deploy({ id: 12 }, { version: '1061' }));
    expect(late.code).toBe('TIMEOUT');
    expect(sim.counters.get(upgradeRoute)).toBe(2);
    // The CMDB did upgrade: the outcome is unknown to the caller, and nothing was sent twice.
    expect(sim.upgrades()).toHaveLength(1);
  });

  it('retries a search that failed with 503 (a search changes nothing)', async () => {
    sim.faults.inject({ route: searchRoute, status: 503, times: 1 });
    expect(await names('UAT', console_, '')).toEqual(['UAT_a18_console']);
    expect(sim.requests().map((r) => r.status)).toEqual([503, 200]);
  });

  it('pages through the search while pages come back full', async () => {
    expect(await names('UAT', console_, 'TEST', client({ pageSize: 2 }))).toEqual(['UAT_a18_console_TEST']);
    expect(sim.counters.get(searchRoute)).toBe(2);
  });

  it('reads a body code other than 200 as the CMDB refusing, and a broken shape as BAD_RESPONSE', async () => {
    sim.faults.inject({ route: searchRoute, status: 200, body: { code: 500, msg: 'db down' }, times: 1 });
    const down = await failure(client().findTargets('UAT', { svnPath: console_, tag: '' }));
    expect(down).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    expect(down.message).toContain('code 500: db down');
    sim.faults.inject({ route: searchRoute, status: 200, body: { code: 200, data: {} }, times: 1 });
    const shape = await failure(client().findTargets('UAT', { svnPath: console_, tag: '' }));
    expect(shape).toMatchObject({ code: 'BAD_RESPONSE', retryable: false });
    sim.faults.inject({
      route: upgradeRoute,
      status: 200,
      body: { code: 200, data: { project: 'x' } },
      times: 1,
    });
    expect((await failure(client().deploy({ id: 12 }, { version: '1' }))).code).toBe('BAD_RESPONSE');
    sim.faults.inject({ route: searchRoute, status: 200, body: { data: { items: [] } }, times: 1 });
    expect((await failure(client().findTargets('UAT', { svnPath: console_, tag: '' }))).code).toBe(
      'BAD_RESPONSE',
    );
  });

  it('surfaces a wrong token as UNAUTHORIZED without the token, and an unknown project as NOT_FOUND', async () => {
    const err = await failure(
      client({ token: 'cmdb-wrong-token-1' }).findTargets('UAT', { svnPath: console_, tag: '' }),
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(JSON.stringify(err)).not.toContain('cmdb-wrong-token-1');
    expect((await failure(client().deploy({ id: 999 }, { version: '1' }))).code).toBe('NOT_FOUND');
  });

  it('has no tasks: getTask throws a non-retryable error', async () => {
    const err = await failure(client().getTask('t-1'));
    expect(err).toMatchObject({ code: 'EFFECT_PRECONDITION', retryable: false });
    expect(err.message).toContain('deploys synchronously');
  });

  it('refuses a URL setting that is not a URL, naming it', () => {
    expect(
      () => new JiracdflowCmdbClient({ searchUrl: 'cmdb/search', upgradeUrl: sim.upgradeUrl, token: 't' }),
    ).toThrow(/CMDB_SEARCH_URL must be an absolute URL/);
  });
});
