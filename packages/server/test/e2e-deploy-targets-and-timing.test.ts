/**
 * Deploying as the site needs it, through the tasks dialect (cdflow's CMDB contract) end to end: every
 * CMDB target of an item is deployed (each with its own `request_id`), deploys in flight are bounded by
 * `deployParallelism` across releases until they end (not only while their request is sent), and the
 * pre-deploy delay lets images sync first.
 */
import { describe, expect, it } from 'vitest';
import { closingAfterEach, type Harness, sampleRequest, startHarness } from './support/e2e-harness.js';
import { eventually, startScenario } from './support/e2e-scenario.js';

const closedAfterTest = closingAfterEach();

const upgradeRoute = 'POST /api/v1/projects/:id/upgrade';

function codeRelease(code: Array<Record<string, string>>): Record<string, unknown> {
  return sampleRequest({
    sql_info: [],
    apollo_info: [],
    config_info: [],
    version: undefined,
    code_info: code,
  });
}

/** Waits until the release settles (uatComplete or fixing), expecting uatComplete; the release. */
async function settledInUat(h: Harness, key: string): Promise<Record<string, unknown>> {
  const done = await h.waitForState(key, (s) => s === 'uatComplete' || s === 'fixing');
  expect(done.state).toBe('uatComplete');
  return done;
}

/** When each deploy started: the CMDB's receipt of each upgrade request it accepted (202), in order. */
function deployStarts(h: Harness): number[] {
  return h.sandbox.cmdb
    .requests()
    .filter((r) => r.route === upgradeRoute && r.status === 202)
    .map((r) => r.receivedAt);
}

describe('deploying code items (CMDB dialect tasks)', () => {
  it('deploys every target an item selects, each with its own request_id', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'auto' }));
    const res = await h.intake(codeRelease([{ svn_path: 'a18/cc_gateway', svn_version: '505', tag: '' }]));
    await settledInUat(h, String(res.body.key));
    const deploys = h.sandbox.cmdb.deploys();
    const names = new Map(h.sandbox.cmdb.targets().map((t) => [t.id, t.name]));
    expect(deploys.map((d) => names.get(d.targetId)).sort()).toEqual([
      'UAT_a18_gateway',
      'UAT_a18_gateway_job',
    ]);
    expect(new Set(deploys.map((d) => d.requestId)).size).toBe(2);
    expect(deploys.every((d) => d.status === 'success' && d.version === '505')).toBe(true);
  });

  it('deployParallelism bounds the deploys in flight across releases, from start to end', async () => {
    const h = await closedAfterTest(
      startScenario({
        sqlMode: 'auto',
        config: { timings: { deployParallelism: 1, cmdbPollMs: 20 } },
      }),
    );
    const a = await h.intake(codeRelease([{ svn_path: 'a18/cc_gateway', svn_version: '506', tag: '' }]));
    const b = await h.intake(
      codeRelease([{ svn_path: 'a18/cc_merchant_console', svn_version: '1080', tag: '' }]),
    );
    for (const res of [a, b]) await settledInUat(h, String(res.body.key));
    // Three deploys (two targets of one release, one of the other), each started only after the one
    // before had ended: the simulator's tasks run 100 ms.
    const starts = deployStarts(h);
    expect(starts).toHaveLength(3);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(100);
    // A deploy that found no free slot said so, and was sent again later.
    const histories = [...(await h.history(String(a.body.key))), ...(await h.history(String(b.body.key)))];
    const reports = histories
      .filter((e) => e.event === 'DEPLOYS_REPORTED')
      .flatMap((e) => (e.detail as { event: { deploys: Array<{ outcome: string }> } }).event.deploys);
    expect(reports.some((r) => r.outcome === 'queued')).toBe(true);
    expect(reports.filter((r) => r.outcome === 'started')).toHaveLength(3);
  });

  it('a deploy waiting for a slot is told once, then waits without a decision per CMDB poll', async () => {
    const h = await closedAfterTest(
      startScenario({
        sqlMode: 'auto',
        config: { timings: { deployParallelism: 1, cmdbPollMs: 20 } },
      }),
    );
    const a = await h.intake(
      codeRelease([{ svn_path: 'a18/cc_merchant_console', svn_version: '1082', tag: '' }]),
    );
    const b = await h.intake(
      codeRelease([{ svn_path: 'a18/cc_report_service', svn_version: '734', tag: '' }]),
    );
    const keys = [String(a.body.key), String(b.body.key)];
    for (const key of keys) await settledInUat(h, key);
    // One deploy at a time: the second started once the first task (100 ms) had ended, five polls later.
    const starts = deployStarts(h);
    expect(starts).toHaveLength(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(100);
    const queuedReports: number[] = [];
    for (const key of keys) {
      const reports = (await h.history(key))
        .filter((e) => e.event === 'DEPLOYS_REPORTED')
        .map((e) => (e.detail as { event: { deploys: Array<{ outcome: string }> } }).event.deploys);
      queuedReports.push(reports.filter((deploys) => deploys.some((d) => d.outcome === 'queued')).length);
      // Started once; queued at most once: the wait itself decided nothing.
      expect(reports.filter((deploys) => deploys.some((d) => d.outcome === 'started'))).toHaveLength(1);
    }
    expect(queuedReports.sort()).toEqual([0, 1]);
  });

  it('a failed deploy, 重新提交代码: the item is deployed again under new request_ids and succeeds', async () => {
    const h = await closedAfterTest(startScenario({ sqlMode: 'auto' }));
    h.sandbox.cmdb.setOutcome('a18/cc_gateway', 'failed', 'image pull timed out');
    const res = await h.intake(codeRelease([{ svn_path: 'a18/cc_gateway', svn_version: '507', tag: '' }]));
    const key = String(res.body.key);
    const fixing = await h.waitForState(key, (s) => s === 'fixing' || s === 'uatComplete');
    expect(fixing.state).toBe('fixing');
    const failedRound = h.sandbox.cmdb.deploys();
    expect(failedRound.map((d) => d.status)).toEqual(['failed', 'failed']);
    await h.waitForJiraStatus(key, '开发/运维修改');

    // The image is fixed; ops send the code again, in the same iteration.
    h.sandbox.cmdb.setOutcome('a18/cc_gateway', 'success');
    await h.sandbox.jira.actAs('ops').transition(key, '重新提交代码');
    await eventually('cdflow took 重新提交代码', async () =>
      (await h.history(key)).some((e) => e.event === 'RESUBMIT_CODE' && e.accepted) ? true : undefined,
    );
    const done = await settledInUat(h, key);
    expect(done.iteration).toBe(1);
    const deploys = h.sandbox.cmdb.deploys();
    // Two new deploys, not the failed tasks answered again for a reused request_id.
    expect(deploys).toHaveLength(4);
    const again = deploys.slice(2);
    expect(again.map((d) => d.status)).toEqual(['success', 'success']);
    const failedIds = new Set(failedRound.map((d) => d.requestId));
    expect(again.some((d) => failedIds.has(d.requestId))).toBe(false);
    const [deployment] = done.deployments as Array<{ targets: Array<{ status: string; attempt: number }> }>;
    expect(deployment?.targets.map((t) => `${t.status} a${t.attempt}`)).toEqual(['success a1', 'success a1']);
  });

  it('polls each target task quietly: a decision only when a task changed, never one per read', async () => {
    // The simulator's tasks run 1.5 s; cdflow reads them every 20 ms.
    const quiet = await startHarness({ sqlMode: 'auto', config: { timings: { cmdbPollMs: 20 } } });
    try {
      const res = await quiet.intake(
        codeRelease([{ svn_path: 'a18/cc_gateway', svn_version: '508', tag: '' }]),
      );
      const key = String(res.body.key);
      await settledInUat(quiet, key);
      const reads = quiet.sandbox.cmdb.requests().filter((r) => r.route === 'GET /api/v1/tasks/:taskId');
      const polled = (await quiet.history(key)).filter((e) => e.event === 'DEPLOY_TASKS_POLLED');
      // Two targets, each seen running then ended at most: four decisions, however many reads it took.
      expect(polled.length).toBeGreaterThan(0);
      expect(polled.length).toBeLessThanOrEqual(4);
      expect(reads.length).toBeGreaterThan(4 * polled.length);
      for (const entry of polled) {
        const tasks = (entry.detail as { event: { tasks: Array<{ targetId: number }> } }).event.tasks;
        expect(tasks.every((t) => typeof t.targetId === 'number')).toBe(true);
      }
    } finally {
      await quiet.close();
    }
  });

  it('waits the pre-deploy delay before deploying (the targets are looked up meanwhile)', async () => {
    const h = await closedAfterTest(
      startScenario({ sqlMode: 'auto', config: { timings: { preDeployDelayMs: 400 } } }),
    );
    const res = await h.intake(
      codeRelease([{ svn_path: 'a18/cc_merchant_console', svn_version: '1081', tag: '' }]),
    );
    const key = String(res.body.key);
    await h.waitForState(key, 'uatComplete');
    const history = await h.history(key);
    const delayed = history.find((e) => e.toState === 'codeExecuting.delaying');
    expect(delayed).toBeDefined();
    const lookUp = h.sandbox.cmdb.requests().find((r) => r.route === 'GET /api/v1/projects');
    const upgrade = h.sandbox.cmdb.requests().find((r) => r.route === upgradeRoute);
    const delayStart = Date.parse(String(delayed?.at));
    // Looked up at once; deployed only once the delay was over.
    expect(lookUp!.receivedAt).toBeLessThan(upgrade!.receivedAt);
    expect(upgrade!.receivedAt - delayStart).toBeGreaterThanOrEqual(400);
  });
});
