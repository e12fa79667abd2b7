/**
 * Crash: cdflow runs as a child process and is killed with SIGKILL at the worst instants — an upstream
 * has done the work and cdflow has not heard of it yet (the gate holds the answer) — then started again
 * on the same SQLite file. The release must still reach uatComplete with exactly one Jira issue, one
 * Archery work order per SQL item and one CMDB deploy per service (the simulators, in this process,
 * count what really happened upstream).
 */
import { workOrderPositionOf } from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import { waitUntil } from './support/cdflow-client.js';
import { type CrashRig, crashRigPerTest, within } from './support/crash-rig.js';
import { sampleRequest } from './support/e2e-harness.js';
import type { UpstreamGate } from './support/upstream-gate.js';

const startRig = crashRigPerTest();

/** Three SQL items, one Apollo key, two services; no manual config item, so auto mode runs unattended. */
function crashRequest(): Record<string, unknown> {
  const base = sampleRequest({ config_info: [] });
  const sql = base.sql_info as Array<Record<string, unknown>>;
  return {
    ...base,
    sql_info: [
      ...sql,
      {
        sql_id: 'a18-0003',
        svn_path: 'database_acc/db_a18/acc',
        svn_file: '03.acc_dml_laboratory_flag.sql',
        svn_version: '1202',
        sql_content: "UPDATE laboratory SET active = 1 WHERE city = 'Kyiv';",
      },
    ],
  };
}

interface KillPoint {
  name: string;
  gate: (r: CrashRig) => UpstreamGate;
  method: string;
  path: RegExp;
}

const killPoints: KillPoint[] = [
  {
    name: 'Jira issue creation',
    gate: (r) => r.gates.jira,
    method: 'POST',
    path: /^\/rest\/api\/2\/issue\/?$/,
  },
  {
    name: 'the first Archery submission',
    gate: (r) => r.gates.archery,
    method: 'POST',
    path: /^\/api\/v1\/workflow\/$/,
  },
  {
    name: 'an Archery execution',
    gate: (r) => r.gates.archery,
    method: 'POST',
    path: /^\/api\/v1\/workflow\/execute\/$/,
  },
  {
    name: 'a Jira transition',
    gate: (r) => r.gates.jira,
    method: 'POST',
    path: /^\/rest\/api\/2\/issue\/[^/]+\/transitions$/,
  },
  {
    name: 'a CMDB deploy',
    gate: (r) => r.gates.cmdb,
    method: 'POST',
    path: /^\/api\/v1\/projects\/\d+\/upgrade$/,
  },
  {
    name: 'the Apollo publish',
    gate: (r) => r.gates.apollo,
    method: 'POST',
    path: /\/namespaces\/[^/]+\/releases$/,
  },
];

/** Post the request without waiting: the answer may never come if the server dies first. */
function postIntake(r: CrashRig, body: Record<string, unknown>): Promise<number> {
  return r.client.intake(body).then(
    (a) => a.status,
    () => -1,
  );
}

/** uatComplete in cdflow, and Jira moved there too (the move is an effect that follows the decision). */
async function waitForCompletion(r: CrashRig, summary: string): Promise<Record<string, unknown>> {
  const done = await r.client.waitFor(summary, (x) => x.state === 'uatComplete', 'uatComplete', 30_000);
  await waitUntil(
    () => r.sandbox.jira.issues().some((i) => i.summary === summary && i.status === 'UAT升级完成'),
    () =>
      `Jira to show UAT升级完成 (issues: ${JSON.stringify(r.sandbox.jira.issues().map((i) => i.status))})`,
  );
  return done;
}

async function killAt(r: CrashRig, point: KillPoint): Promise<void> {
  await within(
    point.gate(r).holdAfterApply(point.method, point.path),
    30_000,
    `${point.method} ${point.path} to reach the upstream\n${r.child?.output() ?? ''}`,
  );
  await r.kill9();
}

function expectNoDuplicateWork(
  r: CrashRig,
  request: Record<string, unknown>,
  release: Record<string, unknown>,
) {
  const summary = String(request.summary);
  const sql = request.sql_info as Array<{ sql_content: string }>;
  const code = request.code_info as Array<{ svn_path: string; svn_version: string }>;

  const issues = r.sandbox.jira.issues().filter((i) => i.summary === summary);
  expect(issues, 'one Jira issue for the summary').toHaveLength(1);
  expect(issues[0]?.status).toBe('UAT升级完成');
  expect(r.sandbox.jira.counters.get('POST /rest/api/2/issue')).toBe(1);

  const orders = r.sandbox.archery.orders();
  expect(
    orders.every((o) => workOrderPositionOf(o.workflowName, summary) !== null),
    'all orders carry the release name',
  ).toBe(true);
  expect(release.sqlOrders as unknown[]).toHaveLength(sql.length);
  expect(orders.map((o) => o.sqlContent).sort(), 'one work order per SQL item').toEqual(
    sql.map((s) => s.sql_content).sort(),
  );
  expect(orders.every((o) => o.status === 'workflow_finish')).toBe(true);

  const deploys = r.sandbox.cmdb.deploys();
  expect(deploys.map((d) => `${d.svnPath}@${d.version}`).sort(), 'one deploy per service').toEqual(
    code.map((c) => `${c.svn_path}@${c.svn_version}`).sort(),
  );
  expect(new Set(deploys.map((d) => d.requestId)).size).toBe(deploys.length);
  expect(new Set(deploys.map((d) => d.taskId)).size).toBe(deploys.length);
  expect(deploys.every((d) => d.status === 'success')).toBe(true);

  const apollo = r.sandbox.apollo.items();
  expect(JSON.stringify(apollo)).toContain('report.export.enabled');
  expect(r.sandbox.apollo.releases(), 'one Apollo release published').toHaveLength(1);
}

describe('kill -9 while effects are in flight, then restart on the same database', () => {
  it.each(killPoints)('completes without duplicate work when killed right after $name', async (point) => {
    const rig = await startRig({ sqlMode: 'auto', latencyMs: 10 });
    await rig.start();
    const request = crashRequest();
    const summary = String(request.summary);
    const answered = postIntake(rig, request);

    await killAt(rig, point);
    await answered;
    await rig.start();

    const done = await waitForCompletion(rig, summary);
    expect(done.jiraStatus).toBe('UAT升级完成');
    expectNoDuplicateWork(rig, request, done);
    expect(rig.starts).toBe(2);
  });

  it('completes when killed at four points of one release in turn', async () => {
    const rig = await startRig({ sqlMode: 'auto', latencyMs: 10 });
    await rig.start();
    const request = crashRequest();
    const summary = String(request.summary);
    const sequence = [killPoints[0], killPoints[1], killPoints[2], killPoints[4]] as KillPoint[];
    const answered = postIntake(rig, request);
    for (const point of sequence) {
      await killAt(rig, point);
      await rig.start();
    }
    await answered;

    const done = await waitForCompletion(rig, summary);
    expectNoDuplicateWork(rig, request, done);
    expect(rig.starts).toBe(1 + sequence.length);
    // The audit trail shows the interrupted effects were run again, not that the release started over.
    const history = await rig.client.history(summary);
    expect(history.filter((e) => e.event === 'RELEASE_REQUESTED')).toHaveLength(1);
  });
});
