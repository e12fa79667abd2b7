import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest, settledRevision } from './support/e2e-harness.js';
import { eventually, ordersOf, type Scenario, startScenario } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

const apolloPublish =
  'POST /openapi/v1/envs/:env/apps/:appId/clusters/:cluster/namespaces/:namespace/releases';

/** Jira's statuses of a release with no SQL whose config failed and whose code was then resubmitted and deployed. */
const configFailedThenFixedStatuses = [
  'SQL待执行',
  'CONFIG执行中',
  '开发/运维修改',
  'CODE执行中',
  'UAT升级完成',
];

/** A release with no SQL, once cdflow is publishing its Apollo keys and Jira shows CONFIG执行中; its key. */
async function intakeUntilPublishingApollo(h: Scenario): Promise<string> {
  const res = await h.intake(sampleRequest({ sql_info: [] }));
  const key = String(res.body.key);
  await h.waitForStep(key, 'configExecuting.applyingApollo');
  await h.waitForJiraStatus(key, 'CONFIG执行中');
  return key;
}

describe('config and code failures', () => {
  it('ops report the config failed → fixing; 重新提交代码 deploys the code → uatComplete', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    const res = await h.intake(sampleRequest({ sql_info: [] }));
    expect(res.status).toBe(201);
    const key = String(res.body.key);

    await h.waitForState(key, (s) => s.startsWith('configExecuting'));
    await h.waitForJiraStatus(key, 'CONFIG执行中');
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级失败');
    const fixing = await h.waitForState(key, 'fixing');
    expect(fixing.jiraStatus).toBe('开发/运维修改');
    expect(h.sandbox.cmdb.deploys()).toHaveLength(0);
    // cdflow has finished mirroring the failure before ops move on (see the report on moves that race).
    await eventually('cdflow mirrored fixing', async () =>
      (await h.history(key)).some(
        (i) =>
          i.event === 'effect:jira.moveTo' &&
          String((i.detail as { idempotencyKey?: string }).idempotencyKey).endsWith(':jira.moveTo:fixing'),
      )
        ? true
        : undefined,
    );

    await h.sandbox.jira.actAs('ops').transition(key, '重新提交代码');
    const done = await h.waitForState(key, 'uatComplete');
    expect(done.jiraStatus).toBe('UAT升级完成');
    await h.waitForJiraStatus(key, 'UAT升级完成');
    expect(
      h.sandbox.cmdb
        .deploys()
        .map((d) => `${d.svnPath}@${d.version}:${d.status}`)
        .sort(),
    ).toEqual(['a18/cc_merchant_console@1061:success', 'a18/cc_report_service@877:success']);
    expect(h.jiraStatuses(key)).toEqual(configFailedThenFixedStatuses);
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(0);
  });

  it('a person moving on before cdflow mirrored the failure is not dragged back by the stale move', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    // A slow Apollo publish keeps cdflow's effects busy: its move to 开发/运维修改 waits behind it.
    h.sandbox.apollo.faults.inject({
      route: apolloPublish,
      latencyMs: 1500,
      times: 1,
    });
    const key = await intakeUntilPublishingApollo(h);
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级失败');
    await h.waitForState(key, 'fixing');
    await h.sandbox.jira.actAs('ops').transition(key, '重新提交代码');
    await h.waitForState(key, 'codeExecuting');

    await h.waitForState(key, 'uatComplete');
    await h.waitForJiraStatus(key, 'UAT升级完成');
    // Jira shows what people did and where the release went, without a bounce through 代码升级失败.
    expect(h.jiraStatuses(key)).toEqual(configFailedThenFixedStatuses);
    const skipped = (await h.history(key)).filter(
      (i) =>
        i.event === 'effect:jira.moveTo' &&
        (i.detail as { result?: { skipped?: string } }).result?.skipped !== undefined,
    );
    expect(skipped).toHaveLength(1);
  });

  it('a failed deploy → fixing, with the failure in a Jira comment', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    h.sandbox.cmdb.setOutcome('a18/cc_report_service', 'failed', 'health check failed on port 8080');
    const res = await h.intake(sampleRequest({ sql_info: [], config_info: [] }));
    expect(res.status).toBe(201);
    const key = String(res.body.key);

    const fixing = await h.waitForState(key, 'fixing');
    expect(fixing.jiraStatus).toBe('开发/运维修改');
    await h.waitForJiraStatus(key, '开发/运维修改');
    const deployments = fixing.deployments as Array<{ service: string; status: string }>;
    expect(deployments.find((d) => d.service === 'a18/cc_report_service')?.status).toBe('failed');
    const comments = await eventually('a comment on the failed deploy', () =>
      h.jiraComments(key).find((c) => c.includes('a18/cc_report_service')),
    );
    expect(comments).toContain('health check failed on port 8080');
    expect(h.jiraStatuses(key).slice(-2)).toEqual(['CODE执行中', '开发/运维修改']);
  });

  it('ops confirming while cdflow still publishes Apollo do not skip a failed publish', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    // Apollo answers the publish late, and with a refusal: ops' confirmation arrives in between.
    h.sandbox.apollo.faults.inject({
      route: apolloPublish,
      status: 400,
      body: { status: 400, message: 'namespace is locked by another user' },
      latencyMs: 1500,
      times: 1,
    });
    const key = await intakeUntilPublishingApollo(h);
    await h.sandbox.jira.actAs('ops').transition(key, '配置升级成功');
    await eventually('ops confirmation recorded', async () =>
      (await h.history(key)).some((i) => i.event === 'CONFIG_CONFIRMED' && i.accepted === true)
        ? true
        : undefined,
    );
    expect((await h.release(key)).step).toBe('configExecuting.applyingApollo');

    const fixing = await h.waitForState(key, 'fixing');
    expect(String((fixing.failure as { reason: string }).reason)).toContain('Apollo');
    await h.waitForJiraStatus(key, '开发/运维修改');
    await eventually('a comment on the failed publish', () =>
      h.jiraComments(key).find((c) => c.includes('namespace is locked')),
    );
    expect(h.sandbox.cmdb.deploys()).toHaveLength(0);
  });

  it('a request for a release mid-stage is refused with 409 and changes nothing', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'manual' }));
    const body = sampleRequest();
    const summary = String(body.summary);
    const res = await h.intake(body);
    const key = String(res.body.key);
    const executing = await h.waitForState(key, 'sqlExecuting');
    await h.waitForJiraStatus(key, 'SQL执行中');
    // The effects of the last decision (the move, the order list on the issue, a first read of Archery)
    // are done.
    await h.server.runtime.idle();
    const revision = await settledRevision(h, key);
    const submits = h.sandbox.archery.counters.get('POST /api/v1/workflow/');
    const historyLength = (await h.history(key)).length;

    const code = body.code_info as Array<Record<string, string>>;
    const refused = await h.intake({ ...body, code_info: [{ ...code[0], svn_version: '1062' }, code[1]] });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('release_busy');
    expect(refused.body.state).toBe('sqlExecuting');
    const message = String(refused.body.message);
    expect(message).toContain('SQL执行中');
    expect(message.toLowerCase()).toMatch(/retry|again/);

    const after = await h.release(key);
    expect(after.state).toBe('sqlExecuting');
    expect(after.iteration).toBe(1);
    expect(after.revision).toBe(revision);
    expect(after.plan).toEqual(executing.plan);
    expect(h.sandbox.archery.counters.get('POST /api/v1/workflow/')).toBe(submits);
    expect(ordersOf(h, summary)).toHaveLength(2);
    expect(h.sandbox.jira.issue(key)?.status).toBe('SQL执行中');
    // The refusal itself is on record, nothing else happened.
    const history = await h.history(key);
    expect(history.length).toBeGreaterThanOrEqual(historyLength);
    expect(history.slice(historyLength).every((i) => i.accepted === false)).toBe(true);
  });
});
