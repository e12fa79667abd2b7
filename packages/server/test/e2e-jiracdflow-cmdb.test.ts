/**
 * The original program's CMDB (CMDB_DIALECT=jiracdflow) end to end: cdflow over HTTP, the CMDB
 * simulator's jiracdflow routes (a search with a JSON body on a GET, a synchronous upgrade), a real
 * SQLite file. Which projects a code item deploys to follows the original's rules; every matching project
 * is deployed; the item succeeds only when all of them answered 成功.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest } from './support/e2e-harness.js';
import { eventually, type Scenario, startScenario } from './support/e2e-scenario.js';
import { alwaysOpen, startProdScenario } from './support/prod-scenario.js';

const closedAfterTest = closingAfterEach();

/** cdflow on the CMDB simulator's jiracdflow routes (`search_url`, `upgrade_url`), not its tasks routes. */
function jiracdflowScenario(timings: Record<string, number> = {}): Promise<Scenario> {
  return startScenario({
    sqlMode: 'auto',
    config: { timings: { deployRetries: 0, ...timings } },
    env: (sandbox) => ({
      CMDB_DIALECT: 'jiracdflow',
      CMDB_BASE_URL: '',
      CMDB_SEARCH_URL: sandbox.urls.cmdbSearch,
      CMDB_UPGRADE_URL: sandbox.urls.cmdbUpgrade,
    }),
  });
}

type Deployment = {
  service: string;
  status: string;
  message: string | null;
  targets: Array<{ id: number; name: string; status: string; attempt: number; message: string | null }>;
};

/** A code-only release (no SQL, config or Apollo): intake → code stage → its end. */
function codeRelease(code: Array<Record<string, string>>, env: 'UAT' | 'PRO' = 'UAT') {
  return sampleRequest({
    env,
    sql_info: [],
    apollo_info: [],
    config_info: [],
    version: undefined,
    code_info: code,
  });
}

/**
 * Adds `UAT_<name>`, `UAT_<name>_V1`, `_V2`, `_TEST` and `PRO_<name>` projects for `svnPath` (`name`'s own
 * last part must not look like a tag: the rules read the name's last `_` part).
 */
function seedAllTags(s: Scenario, svnPath: string, name: string): void {
  for (const [project, env, tag] of [
    [`UAT_${name}`, 'UAT', 'V1'],
    [`UAT_${name}_V1`, 'UAT', 'V1'],
    [`UAT_${name}_V2`, 'UAT', 'V2'],
    [`UAT_${name}_TEST`, 'UAT', 'TEST'],
    [`PRO_${name}`, 'PRO', 'V1'],
  ] as const) {
    s.sandbox.cmdb.addTarget({ name: project, env, tag, svnPath, version: '1' });
  }
}

async function finished(s: Scenario, key: string) {
  return s.waitForState(key, (st) => st === 'uatComplete' || st === 'fixing', 20_000);
}

describe('CMDB dialect jiracdflow', () => {
  it('selects projects by the original rules: tag "" and v1 the untagged one, v2 its _V2, TEST its _TEST', async () => {
    const h = await closedAfterTest(jiracdflowScenario());
    seedAllTags(h, 'a18/tags_empty', 'a18_blank');
    seedAllTags(h, 'a18/tags_v1', 'a18_one');
    seedAllTags(h, 'a18/tags_v2', 'a18_two');
    seedAllTags(h, 'a18/tags_test', 'a18_probe');
    const body = codeRelease([
      { svn_path: 'a18/tags_empty', svn_version: '2001', tag: '' },
      { svn_path: 'a18/tags_v1', svn_version: '2002', tag: 'v1' },
      { svn_path: 'a18/tags_v2', svn_version: '2003', tag: 'v2' },
      { svn_path: 'A18/Tags_Test/', svn_version: '2004', tag: 'TEST' },
    ]);
    const res = await h.intake(body);
    expect(res.status).toBe(201);
    const key = String(res.body.key);
    const done = await finished(h, key);
    expect(done.state).toBe('uatComplete');

    // One synchronous upgrade per selected project, with the item's svn_version as `arg`.
    const upgrades = h.sandbox.cmdb.upgrades().map((u) => `${u.name}@${u.version} ${u.status}`);
    expect(upgrades.sort()).toEqual(
      [
        'UAT_a18_blank@2001 成功',
        'UAT_a18_one@2002 成功',
        'UAT_a18_two_V2@2003 成功',
        'UAT_a18_probe_TEST@2004 成功',
      ].sort(),
    );
    // The tasks dialect was not used.
    expect(h.sandbox.cmdb.deploys()).toEqual([]);
    const deployments = done.deployments as Deployment[];
    expect(deployments.map((d) => [d.service, d.status, d.targets.map((t) => t.name)])).toEqual([
      ['a18/tags_empty', 'success', ['UAT_a18_blank']],
      ['a18/tags_v1', 'success', ['UAT_a18_one']],
      ['a18/tags_v2', 'success', ['UAT_a18_two_V2']],
      ['A18/Tags_Test/', 'success', ['UAT_a18_probe_TEST']],
    ]);
    // Synchronous: no CMDB poll happened.
    const history = await h.history(key);
    expect(history.some((e) => e.event === 'effect:cmdb.pollTasks')).toBe(false);
  });

  it('a path with two matching projects deploys both; the item succeeds when both did', async () => {
    const h = await closedAfterTest(jiracdflowScenario());
    const res = await h.intake(codeRelease([{ svn_path: 'a18/cc_gateway', svn_version: '502', tag: '' }]));
    const key = String(res.body.key);
    const done = await finished(h, key);
    expect(done.state).toBe('uatComplete');
    expect(
      h.sandbox.cmdb
        .upgrades()
        .map((u) => u.name)
        .sort(),
    ).toEqual(['UAT_a18_gateway', 'UAT_a18_gateway_job']);
    const [gateway] = done.deployments as Deployment[];
    expect(gateway?.targets.map((t) => [t.name, t.status])).toEqual([
      ['UAT_a18_gateway', 'success'],
      ['UAT_a18_gateway_job', 'success'],
    ]);
    expect(
      h.sandbox.cmdb
        .targets()
        .filter((t) => t.svnPath === 'a18/cc_gateway' && t.env === 'UAT')
        .map((t) => t.version),
    ).toEqual(['502', '502']);
  });

  it('one project whose 状态 is not 成功 fails the item with that text, in the release and on the issue', async () => {
    const h = await closedAfterTest(jiracdflowScenario());
    h.sandbox.cmdb.setOutcome('UAT_a18_gateway_job', 'failed', '失败: 镜像拉取超时');
    const res = await h.intake(codeRelease([{ svn_path: 'a18/cc_gateway', svn_version: '503', tag: '' }]));
    const key = String(res.body.key);
    const done = await finished(h, key);
    expect(done.state).toBe('fixing');
    const [gateway] = done.deployments as Deployment[];
    expect(gateway).toMatchObject({ status: 'failed', message: 'UAT_a18_gateway_job: 失败: 镜像拉取超时' });
    expect(gateway?.targets.map((t) => [t.name, t.status, t.message])).toEqual([
      ['UAT_a18_gateway', 'success', '成功'],
      ['UAT_a18_gateway_job', 'failed', '失败: 镜像拉取超时'],
    ]);
    await h.waitForJiraStatus(key, '开发/运维修改');
    const comment = await eventually('the code failure comment', () =>
      h.jiraComments(key).find((c) => c.startsWith('Code deploy failed')),
    );
    expect(comment).toContain(
      'a18/cc_gateway@503 (tag V1) on UAT_a18_gateway_job (attempt 1): 失败: 镜像拉取超时',
    );
    expect((await h.release(key)).failure).toMatchObject({
      stage: 'code',
      reason: 'deploy failed: a18/cc_gateway',
    });
  });

  it('a failed project is deployed again after the pause, the others are not; it succeeds when the CMDB does', async () => {
    const h = await closedAfterTest(jiracdflowScenario({ deployRetries: 2, deployRetryPauseMs: 300 }));
    h.sandbox.cmdb.setOutcome('UAT_a18_gateway_job', 'failed', '失败: 镜像不存在');
    const res = await h.intake(codeRelease([{ svn_path: 'a18/cc_gateway', svn_version: '504', tag: '' }]));
    const key = String(res.body.key);
    await eventually('the first failure', () =>
      h.sandbox.cmdb.upgrades().some((u) => u.name === 'UAT_a18_gateway_job') ? true : undefined,
    );
    // The image is there now: the retry succeeds.
    h.sandbox.cmdb.setOutcome('UAT_a18_gateway_job', 'success');
    const done = await finished(h, key);
    expect(done.state).toBe('uatComplete');
    const upgrades = h.sandbox.cmdb.upgrades();
    expect(upgrades.filter((u) => u.name === 'UAT_a18_gateway').map((u) => u.status)).toEqual(['成功']);
    const job = upgrades.filter((u) => u.name === 'UAT_a18_gateway_job');
    expect(job.map((u) => u.status)).toEqual(['失败: 镜像不存在', '成功']);
    // After the pause (the machine's deploy.retry timer), not at once.
    expect(job[1]!.receivedAt - job[0]!.receivedAt).toBeGreaterThanOrEqual(300);
    const [gateway] = done.deployments as Deployment[];
    expect(gateway?.targets.find((t) => t.name === 'UAT_a18_gateway_job')?.attempt).toBe(2);
  });

  it('a path with no matching project fails the item naming path and tag', async () => {
    const h = await closedAfterTest(jiracdflowScenario());
    const res = await h.intake(
      codeRelease([{ svn_path: 'a18/cc_merchant_console', svn_version: '1070', tag: 'v3' }]),
    );
    const key = String(res.body.key);
    const done = await finished(h, key);
    expect(done.state).toBe('fixing');
    expect((done.deployments as Deployment[])[0]?.message).toBe(
      'No CMDB deploy target for a18/cc_merchant_console with tag V3 in UAT: register it in the CMDB or fix the tag of the code item.',
    );
    expect(h.sandbox.cmdb.upgrades()).toEqual([]);
  });

  it('PRO skips UAT_ projects (and, without a tag, the TEST one)', async () => {
    // Production's own CMDB speaks the same dialect; the release goes to production after UAT, approved.
    const p = await closedAfterTest(
      startProdScenario({
        sqlMode: 'auto',
        config: { timings: { deployRetries: 0 }, prod: { changeWindows: alwaysOpen } },
        prodEnv: (sandbox) => ({
          CMDB_DIALECT: 'jiracdflow',
          CMDB_BASE_URL: '',
          CMDB_SEARCH_URL: sandbox.urls.cmdbSearch,
          CMDB_UPGRADE_URL: sandbox.urls.cmdbUpgrade,
          PRO_CMDB_DIALECT: 'jiracdflow',
          PRO_CMDB_BASE_URL: '',
          PRO_CMDB_SEARCH_URL: sandbox.prod?.urls.cmdbSearch ?? '',
          PRO_CMDB_UPGRADE_URL: sandbox.prod?.urls.cmdbUpgrade ?? '',
        }),
      }),
    );
    const h = p;
    const body = codeRelease([{ svn_path: 'a18/cc_merchant_console', svn_version: '1071', tag: '' }]);
    const uat = await h.intake(body);
    expect(uat.status).toBe(201);
    expect((await finished(h, String(uat.body.key))).state).toBe('uatComplete');
    const res = await h.intake({ ...body, env: 'PRO' });
    expect(res.status).toBe(201);
    const key = String(res.body.key);
    await h.waitForState(key, 'prodApproval');
    for (const approver of ['dba1', 'sa1', 'lead1'])
      expect((await p.decide(key, { type: 'PROD_APPROVED', approver })).status).toBe(200);
    const done = await h.waitForState(key, (st) => st === 'prodComplete' || st === 'fixing', 20_000);
    expect(done.state).toBe('prodComplete');
    // The search asked without `name: "UAT"`; of PRO_a18_console, PRO_a18_console_TEST and every UAT_
    // project on that path, only PRO_a18_console is deployed — by production's CMDB, never UAT's.
    expect(p.prod.cmdb.upgrades().map((u) => u.name)).toEqual(['PRO_a18_console']);
    expect(h.sandbox.cmdb.upgrades().map((u) => u.name)).not.toContain('PRO_a18_console');
  });
});
