/**
 * `pnpm demo`: one release from intake to `uatComplete` against the sandbox, in this process.
 * The server runs in sandbox mode (simulated Jira, Archery, CMDB, Apollo) with a temporary database;
 * where a person decides, this script acts as that person in the simulators, as a DBA or ops would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  loadConfig,
  type ReleaseView,
  type RunningServer,
  sampleReleaseRequest,
  startServer,
} from '@cdflow/server';

const deadlineMs = 120_000;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cdflow-demo-'));
  const base = loadConfig({
    CDFLOW_SANDBOX: '1',
    // The seed's own flow: the DBA executes in Archery and confirms in Jira (this script acts as them).
    CDFLOW_SQL_MODE: 'manual',
    CDFLOW_DB: join(dir, 'cdflow.sqlite'),
    CDFLOW_LOG_LEVEL: 'warn',
  });
  // Short poll intervals so the demo moves at a watchable pace; a real site keeps the defaults.
  const config = { ...base, port: 0, timings: { ...base.timings, archeryPollMs: 300, cmdbPollMs: 300 } };
  const server = await startServer(config, { logger: createLogger({ level: 'warn' }) });
  try {
    return await runRelease(server);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runRelease(server: RunningServer): Promise<number> {
  const { url, config } = server;
  const sandbox = server.sandbox!;
  say(
    `cdflow (sandbox mode) at ${url}; Jira ${sandbox.urls.jira}, Archery ${sandbox.urls.archery}, CMDB ${sandbox.urls.cmdb}`,
  );

  const request = sampleReleaseRequest(`【A18】【升级】demo_${Date.now()}`);
  say(
    `\n1. The release system posts "${request.summary}" (${request.sql_info.length} SQL, ${request.apollo_info.length} Apollo key, ${request.config_info.length} config file, ${request.code_info.length} services)`,
  );
  for (const item of request.sql_info) {
    say(
      `   SQL ${item.sql_id}: ${item.svn_path}/${item.svn_file}@${item.svn_version} (no sql_content: cdflow reads it from SVN)`,
    );
  }
  const intake = await fetch(`${url}/cicdflow/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${config.intakeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const created = (await intake.json()) as { releaseId: string; state: string };
  say(`   → HTTP ${intake.status}, state ${created.state}`);
  if (intake.status !== 201) return 1;

  const read = async (): Promise<ReleaseView> => {
    const res = await fetch(`${url}/api/releases/${encodeURIComponent(created.releaseId)}`, {
      headers: { authorization: `Bearer ${config.operatorToken}` },
    });
    return (await res.json()) as ReleaseView;
  };

  const done = new Set<string>();
  let last = '';
  const started = Date.now();
  let step = 2;
  while (Date.now() - started < deadlineMs) {
    const release = await read();
    const where = `${release.state} (Jira ${release.key ?? '…'}: ${release.jiraStatus})`;
    if (where !== last) {
      say(`${step++}. ${where}`);
      last = where;
    }
    // Stages have substates (`configExecuting.awaitingConfirmation`); people act on the stage.
    const stage = release.state.split('.')[0];
    if (release.state === 'uatComplete') {
      const deployed = release.deployments.map((d) => `${d.service}@${d.svnVersion} ${d.status}`).join(', ');
      const orders = release.sqlOrders
        .map(
          (o) =>
            `#${o.seq} ${o.sqlId} → Archery ${o.workflowId} ${o.confirmedBy ? `confirmed by ${o.confirmedBy}` : o.status}`,
        )
        .join(', ');
      say(`\nDone: ${release.summary} reached uatComplete.\n   SQL: ${orders}\n   deployed: ${deployed}`);
      return 0;
    }
    if (stage === 'fixing' || release.state === 'sqlPending.failed') {
      say(`\nThe release stopped in ${release.state}: ${release.failure?.reason ?? 'see the history'}`);
      return 1;
    }
    const key = release.key;
    // People act in Jira once the issue shows the stage (cdflow moves it just after its own decision).
    const jiraShows = (state: 'sqlExecuting' | 'configExecuting') =>
      key !== null && sandbox.jira.issue(key)?.status === config.jira.names.statuses[state];
    if (stage === 'sqlExecuting' && key && jiraShows('sqlExecuting') && !done.has('sql')) {
      done.add('sql');
      const orders = [...release.sqlOrders].sort((a, b) => a.seq - b.seq);
      for (const order of orders) {
        if (order.workflowId === null) continue;
        say(
          `   DBA reviews and executes Archery work order ${order.workflowId} (#${order.seq} ${order.sqlId})`,
        );
        await sandbox.archery.dba.pass(order.workflowId);
        await sandbox.archery.dba.execute(order.workflowId);
      }
      // The DBA confirms once Archery shows every order finished: cdflow checks that it does.
      const ids = new Set(orders.flatMap((o) => (o.workflowId === null ? [] : [o.workflowId])));
      const finished = () =>
        sandbox.archery.orders().every((o) => !ids.has(o.workflowId) || o.status === 'workflow_finish');
      for (let waited = 0; !finished() && waited < 30_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      say('   Archery shows every order finished (workflow_finish)');
      const transition = config.jira.names.transitions.sqlSucceeded;
      say(`   DBA confirms in Jira: ${key} → ${transition}`);
      await sandbox.jira.actAs('dba').transition(key, transition);
    }
    if (stage === 'configExecuting' && key && jiraShows('configExecuting') && !done.has('config')) {
      done.add('config');
      const transition = config.jira.names.transitions.configSucceeded;
      say(`   Ops applies nginx/a18-console.conf and confirms in Jira: ${key} → ${transition}`);
      await sandbox.jira.actAs('ops').transition(key, transition);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  say(`\nGave up after ${deadlineMs / 1000}s in ${last}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
