/**
 * The sandbox control API over HTTP only, against a sandbox-mode server started the real way
 * (startServer with the simulators in-process): a SQL failure and a deploy failure driven end to end,
 * ops and people acting in the simulated Jira, upstream faults, and what it refuses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultTimings } from '../src/config/load-config.js';
import { quickTimings } from './support/sandbox-site.js';
import { releaseRequest, startTestServer, type TestServer, testTokens } from './support/test-server.js';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

interface Release {
  key: string;
  state: string;
  step: string;
  jiraStatus: string;
  failure: { stage: string; reason: string } | null;
  acceptedEvents: string[];
  sqlOrders: Array<{ status: string; error: string | null }>;
  deployments: Array<{ service: string; svnVersion: string; status: string; message: string | null }>;
}

async function start() {
  server = await startTestServer({
    timings: { ...defaultTimings, ...quickTimings },
  });
  const running = server;
  const controlUrl = running.sandboxMode?.controlUrl ?? '';
  const control = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = testTokens.operator,
  ) => {
    const res = await fetch(`${controlUrl}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {}
    return { status: res.status, text, json };
  };
  const postRequest = (body: unknown) =>
    running.request('/cicdflow/', {
      method: 'POST',
      token: testTokens.intake,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const intake = async (body: unknown) => {
    const res = await postRequest(body);
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { key: string | null };
    expect(answer.key).toMatch(/^AC-\d+$/);
    return answer.key as string;
  };
  /** A request for an existing release (same summary): its new iteration's answer status. */
  const intakeAgain = async (body: unknown) => (await postRequest(body)).status;
  const release = async (key: string) =>
    (await (await running.request(`/api/releases/${key}`, { token: testTokens.operator })).json()) as Release;
  const waitFor = async (key: string, match: (r: Release) => boolean, what: string) => {
    const until = Date.now() + 25_000;
    let last: Release | null = null;
    while (Date.now() < until) {
      last = await release(key);
      if (match(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${key} never reached ${what}; last ${last?.step} (${JSON.stringify(last?.failure)})`);
  };
  /** Waits for the release to stop in `state`, failed at `stage`; the release. */
  const stoppedIn = async (key: string, state: string, stage: string) => {
    const stopped = await waitFor(key, (r) => r.state === state, state);
    expect(stopped.failure).toMatchObject({ stage });
    return stopped;
  };
  return { server: running, controlUrl, control, intake, intakeAgain, release, waitFor, stoppedIn };
}

const codeOnly = (summary: string, extra: Record<string, unknown> = {}) =>
  releaseRequest(summary, { sql_info: [], apollo_info: [], config_info: [], ...extra });

describe('sandbox control API', () => {
  it('listens on loopback and answers only the operator token', async () => {
    const { controlUrl, control } = await start();
    expect(new URL(controlUrl).hostname).toBe('127.0.0.1');
    expect((await control('GET', '/', undefined, null)).status).toBe(401);
    expect((await control('GET', '/', undefined, testTokens.intake)).status).toBe(401);
    const index = await control('GET', '/');
    expect(index.status).toBe(200);
    expect(index.json.routes).toEqual(
      expect.arrayContaining([expect.objectContaining({ route: 'POST /faults' })]),
    );
    const people = await control('GET', '/jira/people');
    expect(people.json.people).toEqual(
      expect.arrayContaining([
        { name: 'dba1', password: 'dba1-sandbox-password', displayName: 'DBA 一号', groups: ['dba'] },
      ]),
    );
    expect(JSON.stringify(people.json)).not.toContain('"cdflow"');
  });

  it("drives a SQL failure end to end: the next execution fails, the release stops with Archery's words, the fixed script goes through", async () => {
    const { control, intake, intakeAgain, waitFor, stoppedIn } = await start();
    const message = "(1146, \"Table 'acc.member' doesn't exist\")";
    expect((await control('POST', '/archery/fail-next', { message })).json).toEqual({ failNext: 1 });

    const key = await intake(releaseRequest('【A18】【升级】control_sql_failure_01'));
    const failed = await stoppedIn(key, 'sqlPending.failed', 'sql');
    expect(failed.sqlOrders).toEqual([
      expect.objectContaining({
        status: 'workflow_exception',
        error: expect.stringContaining("Table 'acc.member' doesn't exist"),
      }),
    ]);
    expect(failed.acceptedEvents).toEqual(['RETRY_SQL_SUBMIT']);
    const orders = await control('GET', `/archery/orders?release=${key}`);
    expect(orders.json).toEqual({
      orders: [expect.objectContaining({ status: 'workflow_exception' })],
      failNext: 0,
    });
    const story = await control('GET', `/releases/${key}`);
    expect(story.text).toContain(`now: sqlPending.failed (Jira SQL待执行)`);
    expect(story.text).toContain('failed (sql): ');
    expect(story.text).toMatch(
      /^sql a18-http-01 \(Archery order \d+\): workflow_exception: .*Table 'acc.member' doesn't exist/m,
    );

    // The release system sends the fixed script: a new iteration resubmits it and the release goes on.
    const fixed = releaseRequest('【A18】【升级】control_sql_failure_01', {
      sql_info: [
        {
          ...releaseRequest('x').sql_info[0],
          svn_version: '3002',
          sql_content: 'CREATE OR REPLACE VIEW member_points_v AS SELECT id, points, level FROM member;',
        },
      ],
    });
    expect(await intakeAgain(fixed)).toBe(200);
    await waitFor(key, (r) => r.state === 'uatComplete', 'uatComplete');
  });

  it('drives a deploy failure end to end: the CMDB answers failed, the release goes to fixing, a new build deploys', async () => {
    const { control, intake, intakeAgain, waitFor, stoppedIn } = await start();
    const outcome = await control('POST', '/cmdb/outcome', {
      service: 'a18/cc_merchant_console',
      outcome: 'failed',
      message: '镜像拉取超时',
    });
    expect(outcome.status).toBe(200);
    expect(outcome.json.targets).toEqual(expect.arrayContaining(['UAT_a18_console']));

    const key = await intake(codeOnly('【A18】【升级】control_deploy_failure_01'));
    const fixing = await stoppedIn(key, 'fixing', 'code');
    expect(fixing.deployments).toEqual([
      expect.objectContaining({
        service: 'a18/cc_merchant_console',
        status: 'failed',
        // The item's message names each failed CMDB target with the CMDB's words.
        message: 'UAT_a18_console: 镜像拉取超时',
      }),
    ]);
    expect(fixing.jiraStatus).toBe('开发/运维修改');
    expect((await control('GET', '/releases')).text).toMatch(
      new RegExp(`^${key} {2}fixing \\(Jira 开发/运维修改\\)`, 'm'),
    );

    // The CMDB is fixed; the release system sends a new build: iteration 2 deploys it.
    expect(
      (await control('POST', '/cmdb/outcome', { service: 'UAT_a18_console', outcome: 'success' })).status,
    ).toBe(200);
    const again = await intakeAgain(
      codeOnly('【A18】【升级】control_deploy_failure_01', {
        code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1202', tag: '' }],
      }),
    );
    expect(again).toBe(200);
    const done = await waitFor(key, (r) => r.state === 'uatComplete', 'uatComplete');
    expect(done.deployments).toEqual([expect.objectContaining({ status: 'success', svnVersion: '1202' })]);
  });

  it('ops confirms and fails in Jira, people comment, and what is not possible is refused with the reason', async () => {
    const { control, intake, waitFor } = await start();
    const key = await intake(
      codeOnly('【A18】【升级】control_ops_01', {
        config_info: [{ name: 'nginx/a18.conf', content: 'gzip on;' }],
      }),
    );
    await waitFor(key, (r) => r.step === 'configExecuting.awaitingConfirmation', 'waiting for ops');

    const failed = await control('POST', `/ops/releases/${key}/fail`, {
      reason: 'nginx -t: unknown directive',
    });
    expect(failed.json).toMatchObject({ key, status: '开发/运维修改' });
    expect(failed.json.comments).toEqual(expect.arrayContaining(['nginx -t: unknown directive']));
    await waitFor(key, (r) => r.state === 'fixing', 'fixing');

    const notOpen = await control('POST', `/jira/issues/${key}/transitions`, {
      as: 'ops1',
      transition: '升级结束',
    });
    expect(notOpen.status).toBe(400);
    expect(notOpen.json.message).toContain('Open now: 重新提交配置');
    const nobody = await control('POST', `/jira/issues/${key}/comments`, { as: 'nobody', body: 'hello' });
    expect(nobody.status).toBe(400);
    expect(nobody.json.message).toContain('/as must be a person of the Jira simulator: one of dba1');
    const missingField = await control('POST', `/jira/issues/${key}/comments`, { as: 'dev1' });
    expect(missingField.status).toBe(400);
    expect(missingField.json.message).toContain('/body is required');
    expect((await control('POST', '/ops/releases/AC-999/confirm')).status).toBe(404);

    const commented = await control('POST', `/jira/issues/${key}/comments`, {
      as: 'dev1',
      body: '已修复配置',
    });
    expect(commented.status).toBe(201);
    await control('POST', `/jira/issues/${key}/transitions`, { as: 'ops1', transition: '重新提交配置' });
    await waitFor(key, (r) => r.step === 'configExecuting.awaitingConfirmation', 'waiting for ops again');
    expect((await control('POST', `/ops/releases/${key}/confirm`)).json).toMatchObject({
      status: 'CODE执行中',
    });
    await waitFor(key, (r) => r.state === 'uatComplete', 'uatComplete');
  });

  it('injects upstream faults that cdflow meets, lists and clears them, and refuses an unknown upstream', async () => {
    const { control, intake, waitFor } = await start();
    const injected = await control('POST', '/faults', { upstream: 'cmdb', status: 503, times: 1 });
    expect(injected.status).toBe(201);
    expect(injected.json).toMatchObject({ upstream: 'cmdb', rule: { route: '*', status: 503, times: 1 } });
    expect(((await control('GET', '/faults')).json.cmdb as unknown[]).length).toBe(1);

    // cdflow's first CMDB call meets the 503, retries, and the release completes.
    const key = await intake(codeOnly('【A18】【升级】control_faults_01'));
    await waitFor(key, (r) => r.state === 'uatComplete', 'uatComplete');
    expect((await control('GET', '/faults')).json.cmdb).toEqual([]);

    await control('POST', '/faults', {
      upstream: 'jira',
      route: 'GET /rest/api/2/issue/:key',
      latencyMs: 5,
      rate: 0.5,
    });
    expect(((await control('GET', '/faults')).json.jira as unknown[]).length).toBe(1);
    expect((await control('DELETE', '/faults?upstream=jira')).json).toEqual({ cleared: ['jira'] });
    expect((await control('GET', '/faults')).json.jira).toEqual([]);
    const unknown = await control('POST', '/faults', { upstream: 'ldap', status: 500 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toContain('/upstream');
  });
});
