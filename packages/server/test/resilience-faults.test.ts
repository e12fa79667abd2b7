/**
 * Fault injection: every simulator answers 500s, 429s with Retry-After, answers too late (timeouts) and
 * malformed JSON at a set (seeded) rate, and some calls are applied upstream but their answer is lost.
 * Releases still complete — or fail cleanly with the reason in their history — and nothing is done twice
 * upstream (the simulators' own records are counted, not cdflow's).
 */
import { type Sandbox, startSandbox } from '@cdflow/sandbox';
import { describe, expect, it } from 'vitest';
import { cdflowClient, waitUntil } from './support/cdflow-client.js';
import { closingAfterEach, sampleRequest, startHarness } from './support/e2e-harness.js';

const closedAfterTest = closingAfterEach();

const quiet = { CDFLOW_LOG_LEVEL: 'error' };

const faultTimings = {
  timings: { upstreamTimeoutMs: 400, upstreamRetries: 1, effectRetryBaseMs: 20, effectRetryMaxMs: 200 },
};

function simulators(s: Sandbox) {
  return [s.jira, s.archery, s.cmdb, s.apollo];
}

describe('upstreams that fail at a set rate', () => {
  it('complete every release with no duplicate issue, work order, deploy or Apollo release', async () => {
    const sandbox = await closedAfterTest(
      startSandbox({ cmdb: { taskDurationMs: 150 }, archery: { executeDelayMs: 20 } }),
    );
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'auto', sandbox, config: faultTimings, env: quiet }),
    );
    const client = cdflowClient(h.url);
    for (const sim of simulators(sandbox)) {
      sim.faults.inject({ route: '*', status: 500, rate: 0.08 });
      sim.faults.inject({ route: '*', status: 503, body: { error: 'maintenance' }, rate: 0.03 });
      sim.faults.inject({ route: '*', status: 429, retryAfterSeconds: 1, rate: 0.1, times: 2 });
      sim.faults.inject({ route: '*', malformed: true, rate: 0.05 });
      sim.faults.inject({ route: '*', latencyMs: 900, rate: 0.03 }); // past the 400 ms timeout
    }
    // Applied upstream, answer lost: the worst case for a retry.
    sandbox.jira.loseAnswers('POST /rest/api/2/issue', 1);
    sandbox.archery.slowSubmissionAnswers(900, 2);
    sandbox.cmdb.answerLate('POST /api/v1/projects/:id/upgrade', 900, 1);

    const requests = Array.from({ length: 3 }, (_, i) =>
      sampleRequest({ summary: `【A18】【升级】faults_${i}_${Date.now()}`, config_info: [] }),
    ).map(
      (r, i): Record<string, unknown> => ({
        ...r,
        sql_info: (r.sql_info as Array<Record<string, unknown>>).map((s) => ({
          ...s,
          sql_content: `${String(s.sql_content).replace(/;$/, '')} /* faults ${i} */;`,
        })),
        // Two services per release, each release its own (the CMDB refuses two deploys on one target).
        code_info: [0, 1].map((k) => {
          const svnPath = `a18/faults_service_${i}_${k}`;
          sandbox.cmdb.addTarget({ name: `UAT_faults_${i}_${k}_V1`, env: 'UAT', tag: 'V1', svnPath });
          return { svn_path: svnPath, svn_version: String(300 + i), tag: '' };
        }),
      }),
    );

    // The release system retries its own post on a 5xx it could never get; a client error is final.
    const answers = await Promise.all(requests.map((r) => client.intake(r)));
    for (const a of answers) expect(a.status, a.text).toBe(201);
    await Promise.all(
      requests.map((r) =>
        client.waitFor(String(r.summary), (x) => x.state === 'uatComplete', 'uatComplete', 90_000),
      ),
    );
    for (const sim of simulators(sandbox)) sim.faults.clear();
    await waitUntil(
      () =>
        requests.every((r) =>
          sandbox.jira.issues().some((i) => i.summary === r.summary && i.status === 'UAT升级完成'),
        ),
      'Jira to show UAT升级完成 on every issue',
      30_000,
    );
    await h.server.runtime.idle();

    const orders = sandbox.archery.orders();
    const deploys = sandbox.cmdb.deploys();
    let retried = 0;
    for (const [i, r] of requests.entries()) {
      expect(sandbox.jira.issues().filter((x) => x.summary === r.summary)).toHaveLength(1);
      const mine = orders.filter((o) => o.sqlContent.includes(`/* faults ${i} */`));
      expect(mine, `work orders of release ${i}`).toHaveLength((r.sql_info as unknown[]).length);
      expect(mine.every((o) => o.status === 'workflow_finish')).toBe(true);
      const myDeploys = deploys.filter((d) => d.svnPath.startsWith(`a18/faults_service_${i}_`));
      expect(myDeploys.map((d) => d.svnPath).sort(), `deploys of release ${i}`).toEqual(
        (r.code_info as Array<{ svn_path: string }>).map((c) => c.svn_path).sort(),
      );
      const history = await client.history(String(r.summary));
      const retries = history.filter(
        (e) => (e.detail as { outcome?: string } | null)?.outcome === 'retrying',
      );
      retried += retries.length;
      for (const e of retries) expect(String((e.detail as { error?: unknown }).error)).not.toBe('');
    }
    // The faults did reach cdflow, and each retry says why in the audit trail.
    expect(retried).toBeGreaterThan(0);
    const published = sandbox.apollo.releases();
    expect(published.length, 'one Apollo release per release').toBeLessThanOrEqual(requests.length);
    expect(published.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('upstreams that refuse', () => {
  it('fails the SQL stage cleanly with Archery’s reason when a submission is refused', async () => {
    const sandbox = await closedAfterTest(startSandbox());
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'auto', sandbox, config: faultTimings, env: quiet }),
    );
    const client = cdflowClient(h.url);
    sandbox.archery.faults.inject({
      route: 'POST /api/v1/workflow/',
      status: 400,
      body: { errors: '你所在组未关联该实例！' },
    });
    const request = sampleRequest();
    const created = await client.intake(request);
    expect(created.status).toBe(201);
    const failed = await client.waitFor(
      String(request.summary),
      (x) => x.state === 'sqlPending.failed',
      'sqlPending.failed',
    );
    expect(JSON.stringify(failed.failure)).toContain('你所在组未关联该实例');
    const history = await client.history(String(request.summary));
    expect(JSON.stringify(history)).toContain('你所在组未关联该实例');
    expect(sandbox.archery.orders()).toHaveLength(0);
    expect(sandbox.cmdb.deploys()).toHaveLength(0);
  });

  it('sends a failed deploy to fixing with the CMDB’s reason and never deploys twice', async () => {
    const sandbox = await closedAfterTest(startSandbox({ cmdb: { taskDurationMs: 100 } }));
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'auto', sandbox, config: faultTimings, env: quiet }),
    );
    const client = cdflowClient(h.url);
    sandbox.cmdb.setOutcome('a18/cc_report_service', 'failed', 'health check failed on port 8080');
    const request = sampleRequest({ config_info: [] });
    await client.intake(request);
    const fixing = await client.waitFor(
      String(request.summary),
      (x) => x.state === 'fixing',
      'fixing',
      30_000,
    );
    expect(JSON.stringify(fixing)).toContain('health check failed on port 8080');
    await waitUntil(
      () =>
        (sandbox.jira.issue(String(fixing.key))?.comments ?? []).some((c) =>
          c.includes('health check failed'),
        ),
      'the failure comment in Jira',
    );
    const report = sandbox.cmdb.deploys().filter((d) => d.svnPath === 'a18/cc_report_service');
    expect(report).toHaveLength(1);
    expect(new Set(sandbox.cmdb.deploys().map((d) => d.requestId)).size).toBe(sandbox.cmdb.deploys().length);
  });
});
