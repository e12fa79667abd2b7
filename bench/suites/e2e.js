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
 */
import { join } from 'node:path';
import { sampleReleaseRequest } from '@cdflow/server';
import { startChild, startSimulators, startUpstreamClient } from '../lib/child.js';
import { ratio, round, summarize } from '../lib/stats.js';
import { emptyStoreBytes, StoreWatch, storeBytes } from '../lib/store-file.js';

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
    const rows = watch.releases([...open]);
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

async function runReleases(cdflow, tag, count) {
  const { server, simulators } = cdflow;
  const [calls0, cpu0, simCpu0, stats0, io0] = await Promise.all([
    simulators.request('counters'),
    server.cpuMs(),
    simulators.cpuMs(),
    server.request('stats'),
    server.request('io'),
  ]);
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: count }, (_, i) => postRelease(server, `【A18】【升级】bench_e2e_${tag}_${i + 1}`)),
  );
  const latencies = await completion(cdflow.watch, ids);
  await settle(cdflow);
  const wallMs = performance.now() - t0;
  const [calls1, cpu1, simCpu1, stats1, io1] = await Promise.all([
    simulators.request('counters'),
    server.cpuMs(),
    simulators.cpuMs(),
    server.request('stats'),
    server.request('io'),
  ]);
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
    latency: summarize(latencies),
  };
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

export async function runE2e({ tmp, quick, log }) {
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
  const kib = (bytes) => (bytes === null ? 'n/a' : round(bytes / 1024));
  const n = (value) => (value === null ? 'n/a' : round(value));
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
      {
        title: 'Store per completed release (same batch; counted by the server store)',
        columns: ['measure', 'cdflow', 'target'],
        rows: [
          ['SQL statements executed', n(perRelease.statements), '≤ 120'],
          ['statements prepared (compiled)', n(perRelease.prepared), ''],
          ['commits, all', n(perRelease.commits), ''],
          ['commits fsync’d (durable)', n(perRelease.durableCommits), '≤ 20'],
          ['KiB appended to the WAL', kib(perRelease.walBytes), '≤ 200'],
          ['KiB written to storage by the server process (/proc/<pid>/io)', kib(perRelease.writeBytes), ''],
          ['KiB on disk per completed release, history included', kib(perRelease.diskBytes), '≤ 8'],
        ],
        notes: [
          'Statements: SQL the repositories executed (BEGIN/COMMIT and pragmas not counted); every figure here includes the Jira webhook deliveries each release causes.',
          'WAL: frames × (page size + 24) appended by the commits, read from the WAL index (-shm header) after each commit, automatic checkpoints included. Storage: write_bytes of the server process (WAL, checkpoints into the database file, anything else it writes).',
          `On disk: (file size after a TRUNCATE checkpoint − an empty store) ÷ the ${stored} releases in the file, all complete. KiB per release by table: ${tableBytes}.`,
        ],
      },
    ],
    data: { pollMs, single, batch, baseline, perRelease, disk, empty },
  };
}
