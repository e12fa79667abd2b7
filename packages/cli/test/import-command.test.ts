/**
 * Cut-over from the original program: `cdflow import jiracdflow <export.json>` (the built command, as a
 * process) creates a release the original left at SQL执行中 with two executed orders; the cdflow server
 * started on that database takes it to uatComplete; the release system then publishes it again with
 * one changed SQL item, and only that item is read from SVN and submitted to Archery.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArcheryClient, JiraClient } from '@cdflow/adapters';
import { type Sandbox, sqlSeedFiles, startSandbox } from '@cdflow/sandbox';
import { createLogger, loadConfig, type RunningServer, startServer } from '@cdflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickTimings, simulatorEnv } from '../../server/test/support/sandbox-site.js';
import { buildCli, cdflow } from './support/cdflow-process.js';

const tokens = {
  intake: 'import-test-intake-token-4b1d9e',
  operator: 'import-test-operator-token-71ac3f',
  webhook: 'import-test-webhook-secret-c2e8a0',
};
const summary = '【A18】【升级】20261120_01';
const [fileA, fileB] = [sqlSeedFiles.searchLaboratory, sqlSeedFiles.laboratoryCity];
const changedB = "UPDATE laboratory SET city = 'Kyiv' WHERE city IN ('Kiev', 'Kijev');";

let dir: string;
let sandbox: Sandbox;
let env: Record<string, string>;
let server: RunningServer | undefined;
let exportPath: string;

function serverEnv(): Record<string, string> {
  const configPath = join(dir, 'cdflow.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      timings: {
        ...quickTimings,
        // Outside sandbox mode a site waits 60 s for image sync before deploying; a test does not.
        preDeployDelayMs: 0,
      },
    }),
  );
  return {
    CDFLOW_HOST: '127.0.0.1',
    CDFLOW_PORT: '0',
    CDFLOW_DB: join(dir, 'cdflow.sqlite'),
    CDFLOW_CONFIG: configPath,
    CDFLOW_SQL_MODE: 'watch',
    CDFLOW_INTAKE_TOKEN: tokens.intake,
    CDFLOW_OPERATOR_TOKEN: tokens.operator,
    CDFLOW_WEBHOOK_SECRET: tokens.webhook,
    CDFLOW_LOG_LEVEL: 'warn',
    ...simulatorEnv(sandbox),
    SVN_BASE_URL: sandbox.urls.svn,
    SVN_USER: sandbox.credentials.svn.user,
    SVN_PASSWORD: sandbox.credentials.svn.password,
  };
}

/** What the original did before the switch: the issue at SQL执行中, both orders executed in Archery. */
async function theOriginalsWork(): Promise<{ issueKey: string; workflowIds: number[] }> {
  const jira = new JiraClient({
    baseUrl: sandbox.urls.jira,
    auth: { kind: 'bearer', token: sandbox.credentials.jira.token },
  });
  const issue = await jira.createIssue({
    project: { key: 'AC' },
    issuetype: { name: '升级' },
    summary,
    customfield_10101: { value: '日常版本需求' },
  });
  await jira.moveToStatus(issue.key, 'SQL执行中', '提交SQL');
  const archery = new ArcheryClient({
    baseUrl: sandbox.urls.archery,
    username: sandbox.credentials.archery.username,
    password: sandbox.credentials.archery.password,
  });
  const workflowIds: number[] = [];
  for (const file of [fileA, fileB]) {
    const order = await archery.submitWorkOrder({
      workflowName: summary,
      groupName: 'A18',
      instanceName: 'acc',
      dbName: 'acc',
      sql: file.text,
    });
    sandbox.archery.dba.pass(order.workflowId);
    sandbox.archery.dba.execute(order.workflowId, 'manual');
    workflowIds.push(order.workflowId);
  }
  return { issueKey: issue.key, workflowIds };
}

/** The export as the CLI README's SQL produces it (JSON columns as MySQL's JSON; one as text). */
function writeExport(issueKey: string, workflowIds: number[]): string {
  const item = (sqlId: string, file: typeof fileA) => ({
    sql_id: sqlId,
    svn_path: file.svnPath,
    svn_file: file.svnFile,
    svn_version: '1201',
    has_deploy_uat: false,
  });
  const path = join(dir, 'jiracdflow-export.json');
  writeFileSync(
    path,
    JSON.stringify({
      jira_workflow: [
        {
          issue_key: issueKey,
          summary,
          status: 'SQL执行中',
          project: 'AC',
          environment: 'UAT',
          sql_info: [item('a18-1120-01', fileA), item('a18-1120-02', fileB)],
          apollo_info: [],
          config_info: '[]',
          code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1601', tag: '' }],
          init_flag: { sql_init_flag: 1, apollo_init_flag: 0, config_init_flag: 0, code_init_flag: 0 },
        },
      ],
      sql_workflow: workflowIds.map((wId, i) => ({
        w_id: wId,
        sql_id: `a18-1120-0${i + 1}`,
        sql_index: i + 1,
        sql_release_info: 1201,
        workflow_name: summary,
        w_status: 'workflow_finish',
      })),
    }),
  );
  return path;
}

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server!.url}${path}`, {
    method,
    headers: {
      // The original release system's header: the token, no scheme.
      authorization: method === 'GET' ? `Bearer ${tokens.operator}` : tokens.intake,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitForState(state: string, iteration: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    last = (await call('GET', `/api/releases/${encodeURIComponent(summary)}`)).body;
    if (last.state === state && last.iteration === iteration) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`release did not reach ${state} (iteration ${iteration}): ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  await buildCli();
  dir = mkdtempSync(join(tmpdir(), 'cdflow-import-'));
  sandbox = await startSandbox();
  env = serverEnv();
  const { issueKey, workflowIds } = await theOriginalsWork();
  exportPath = writeExport(issueKey, workflowIds);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cdflow import jiracdflow', () => {
  it('a dry run checks the rows and reads the files, and writes nothing', async () => {
    const dry = await cdflow(['import', 'jiracdflow', exportPath, '--dry-run'], dir, env);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would import ${summary} (AC-1): SQL执行中 → sqlExecuting`);
    expect(existsSync(env.CDFLOW_DB!)).toBe(false);
    sandbox.svn.counters.reset();
  }, 60_000);

  it('imports the release at SQL执行中 with its two executed orders, reading both files once', async () => {
    const run = await cdflow(['import', 'jiracdflow', exportPath], dir, env);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(
      `imported ${summary} (AC-1): SQL执行中 → sqlExecuting.watching, 2 SQL order(s), 2 finished, 2 SQL item(s) applied, 2 file(s) read from svn`,
    );
    expect(run.stdout).toContain('1 imported, 0 skipped, 0 failed');
    expect(sandbox.svn.counters.get('GET /svn/*')).toBe(2);

    const again = await cdflow(['import', 'jiracdflow', exportPath], dir, env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`skipped ${summary} (AC-1): already in cdflow`);
  }, 60_000);

  it('the server takes it on to uatComplete without submitting the executed orders again', async () => {
    server = await startServer(loadConfig(env), { logger: createLogger({ level: 'silent' }) });
    sandbox.jira.registerWebhook({ url: `${server.url}/cicdflow/jira/`, secret: tokens.webhook });
    const done = await waitForState('uatComplete', 1);
    expect(done.key).toBe('AC-1');
    expect(sandbox.archery.orders()).toHaveLength(2);
    expect(sandbox.cmdb.deploys().map((d) => `${d.svnPath}@${d.version}`)).toEqual([
      'a18/cc_merchant_console@1601',
    ]);
    const legacy = await fetch(`${server.url}/cicdflow/?summary=${encodeURIComponent(summary)}`, {
      headers: { authorization: tokens.intake },
    });
    expect(await legacy.json()).toMatchObject({ code: 10200, data: { upgrade_status: 100 } });
  }, 60_000);

  it('re-published with one changed item, only that item is read and submitted', async () => {
    const revision = sandbox.svn.commit(`${fileB.svnPath}/${fileB.svnFile}`, changedB, { revision: 3100 });
    const item = (sqlId: string, file: typeof fileA, svnVersion: string) => ({
      sql_id: sqlId,
      svn_path: file.svnPath,
      svn_file: file.svnFile,
      svn_version: svnVersion,
      has_deploy_uat: false,
    });
    const answer = await call('POST', '/cicdflow/', {
      project: 'A18',
      summary,
      env: 'UAT',
      issue_type: '升级',
      upgrade_type: '日常版本需求',
      function_list: ['【A18】实验室按城市搜索'],
      sql_info: [item('a18-1120-01', fileA, '1201'), item('a18-1120-02', fileB, String(revision))],
      apollo_info: [],
      config_info: [],
      code_info: [{ svn_path: 'a18/cc_merchant_console', svn_version: '1601', tag: '' }],
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ status: true, jira_issue_key: 'AC-1', iteration: 2 });

    const executing = await waitForState('sqlExecuting', 2);
    const orders = executing.sqlOrders as Array<{ sqlId: string; workflowId: number }>;
    expect(orders.map((o) => o.sqlId)).toEqual(['a18-1120-02']);
    sandbox.archery.dba.pass(orders[0]!.workflowId);
    sandbox.archery.dba.execute(orders[0]!.workflowId, 'manual');
    const done = await waitForState('uatComplete', 2);

    const plan = done.plan as { sql: Array<{ item: { sqlId: string }; decision: string; reason: string }> };
    expect(plan.sql.map((e) => `${e.item.sqlId} ${e.decision} ${e.reason}`)).toEqual([
      'a18-1120-01 skip already applied',
      'a18-1120-02 run content changed',
    ]);
    const archery = sandbox.archery.orders();
    expect(archery).toHaveLength(3);
    expect(archery[2]!.sqlContent).toBe(changedB);
    expect(sandbox.svn.counters.get('GET /svn/*'), 'only the changed file is read').toBe(3);
    expect(sandbox.cmdb.deploys(), 'the code did not change: not deployed again').toHaveLength(1);
  }, 60_000);
});
