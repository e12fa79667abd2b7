/**
 * Figure 4 — end to end: N releases from intake to uatComplete against zero-latency simulators (CMDB
 * tasks and Archery executions finish at once), SQL mode `auto` (cdflow audits and executes the orders
 * itself), 20 ms poll intervals, no person in the loop (no config file to confirm; the Apollo key is
 * applied through the API). Server and simulators share this process.
 *
 * Baseline (same run): the same number of loopback HTTP round trips per release, made one after the
 * other with fetch to a bare Fastify route in this process. The ratio is cdflow's CPU per release over
 * the CPU of just talking to the upstreams: what the orchestration itself costs.
 */
import { join } from 'node:path';
import { startSandbox } from '@cdflow/sandbox';
import {
  createLogger,
  loadConfig,
  sampleReleaseRequest,
  startServer,
  withSandboxUpstreams,
} from '@cdflow/server';
import Fastify from 'fastify';
import { ratio, round, summarize } from '../lib/stats.js';

const pollMs = 20;
const deadlineMs = 180_000;

class E2eError extends Error {
  code = 'BENCH_E2E';
}

async function startCdflow(tmp) {
  const sandbox = await startSandbox({ cmdb: { taskDurationMs: 0 }, archery: { executeDelayMs: 0 } });
  const base = loadConfig({
    CDFLOW_SANDBOX: '1',
    CDFLOW_DB: join(tmp, 'e2e.sqlite'),
    CDFLOW_SQL_MODE: 'auto',
    CDFLOW_LOG_LEVEL: 'warn',
  });
  // The simulators are started here (zero latency), so the server must not start its own.
  const config = withSandboxUpstreams(
    {
      ...base,
      sandbox: false,
      port: 0,
      timings: { ...base.timings, archeryPollMs: pollMs, cmdbPollMs: pollMs, intakeIssueWaitMs: 0 },
    },
    sandbox,
  );
  const server = await startServer(config, { logger: createLogger({ level: 'warn' }) });
  await sandbox.jira.registerWebhook({ url: `${server.url}/cicdflow/jira/`, secret: config.webhookSecret });
  return {
    server,
    sandbox,
    async close() {
      await server.close();
      await sandbox.close();
    },
  };
}

const upstreamCalls = (sandbox) =>
  ['jira', 'archery', 'cmdb', 'apollo']
    .flatMap((name) => Object.values(sandbox[name].counters.snapshot()))
    .reduce((a, b) => a + b, 0);

async function postRelease(server, summary) {
  const body = { ...sampleReleaseRequest(summary), config_info: [] };
  const res = await fetch(`${server.url}/cicdflow/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.config.intakeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (res.status !== 201) throw new E2eError(`intake answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer.releaseId;
}

/** Waits until every release is uatComplete; returns intake → uatComplete per release, in ms. */
async function completion(server, ids) {
  const deadline = Date.now() + deadlineMs;
  const open = new Set(ids);
  const latencies = [];
  while (open.size > 0) {
    for (const id of open) {
      const release = server.runtime.getRelease(id);
      if (release?.state === 'uatComplete') {
        open.delete(id);
        latencies.push(Date.parse(release.updatedAt) - Date.parse(release.createdAt));
      } else if (release && (release.state.startsWith('fixing') || release.state.endsWith('.failed'))) {
        throw new E2eError(
          `release ${id} stopped in ${release.state}: ${release.failure?.reason ?? 'see history'}`,
        );
      }
    }
    if (open.size === 0) break;
    if (Date.now() > deadline) {
      const where = [...open].slice(0, 3).map((id) => `${id}: ${server.runtime.getRelease(id)?.state}`);
      throw new E2eError(
        `${open.size} releases not complete after ${deadlineMs / 1000} s (${where.join(', ')})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return latencies;
}

async function runReleases(cdflow, tag, count) {
  const calls0 = upstreamCalls(cdflow.sandbox);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ids = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      postRelease(cdflow.server, `【A18】【升级】bench_e2e_${tag}_${i + 1}`),
    ),
  );
  const latencies = await completion(cdflow.server, ids);
  await cdflow.server.runtime.idle();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    count,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    calls: upstreamCalls(cdflow.sandbox) - calls0,
    latency: summarize(latencies),
  };
}

/** CPU and time of `calls` sequential loopback round trips to a bare Fastify route (client and server here). */
async function baselineRoundTrips(calls) {
  const app = Fastify({ logger: false });
  app.post('/call', async (request) => ({ ok: true, echo: request.body?.n ?? null }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${app.server.address().port}/call`;
  try {
    const call = (n) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      }).then((r) => r.json());
    for (let i = 0; i < 200; i++) await call(i);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) await call(i);
    const cpu = process.cpuUsage(cpu0);
    return { calls, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await app.close();
  }
}

export async function runE2e({ tmp, quick, log }) {
  const count = quick ? 10 : 50;
  const cdflow = await startCdflow(tmp);
  let single;
  let batch;
  try {
    await runReleases(cdflow, 'warmup', 2);
    single = await runReleases(cdflow, 'single', 1);
    log(`one release alone: ${round(single.wallMs)} ms, ${single.calls} upstream calls`);
    batch = await runReleases(cdflow, 'batch', count);
  } finally {
    await cdflow.close();
  }
  const callsPerRelease = batch.calls / batch.count;
  const baseline = await baselineRoundTrips(Math.round(callsPerRelease * batch.count));
  const perRelease = {
    wallMs: batch.wallMs / batch.count,
    cpuMs: batch.cpuMs / batch.count,
    baselineCpuMs: baseline.cpuMs / batch.count,
    baselineWallMs: baseline.wallMs / batch.count,
  };
  return {
    id: 'e2e',
    title: `End to end: ${count} releases, intake → uatComplete, zero-latency simulators`,
    columns: ['measure', 'cdflow', 'baseline: same HTTP calls', 'ratio'],
    rows: [
      ['upstream HTTP calls per release', round(callsPerRelease), round(callsPerRelease), 1],
      [
        'CPU ms per release',
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
    ],
    notes: [
      `${count} releases posted at once (each: 2 SQL orders executed by cdflow in Archery, 1 Apollo key applied and published, 2 services deployed), after 2 warm-up releases; SQL mode auto, Archery and CMDB polled every ${pollMs} ms.`,
      'CPU is this whole process (cdflow and the four simulators); the baseline is the same number of round trips to a bare Fastify route, one after the other, in this process.',
      'Latencies include the poll intervals (each stage waits at least one poll) and are measured from the stored createdAt to updatedAt at uatComplete.',
    ],
    data: { pollMs, single, batch, baseline, perRelease },
  };
}
