/**
 * Figure 1 — intake and webhook throughput and p50/p99 latency on loopback, beside a bare Fastify
 * route and beside Fastify + one SQLite write, all measured in this run with the same load; then a
 * burst of releases posted at once, as the release system sends them after a publication.
 *
 * Intake: every request is a NEW release (unique summary), so every 201 is a persisted transition
 * (RELEASE_REQUESTED → snapshot + audit + request + outbox in one fsynced transaction). The answer does
 * not wait for the Jira issue (`intakeIssueWaitMs: 0`); the effects then run against the simulators
 * (their own process) while the load goes on, as they would in production.
 * Webhook: every delivery is distinct (own timestamp and changelog id) and signed; 202 means it is
 * stored (fsynced); processing (re-read the issue in the Jira simulator, record the outcome) follows.
 * Burst: N new releases posted at once to a server with the default timings (the answer waits up to
 * `intakeIssueWaitMs` for the Jira issue key), each answer timed; beside the same burst against the
 * Fastify + SQLite baseline.
 * CPU per answer is the server process's own (process.cpuUsage over IPC around the measured load).
 */
import { join } from 'node:path';
import { sampleReleaseRequest, signWebhookBody } from '@cdflow/server';
import { startChild, startSimulators } from '../lib/child.js';
import { assertHealthy, load } from '../lib/load.js';
import { ratio, round, summarize } from '../lib/stats.js';

const json = { 'content-type': 'application/json' };

/** The server of `kind`; for cdflow, with the simulators in their own process and Jira's webhook set. */
async function startSubject(kind, childOptions) {
  if (kind !== 'cdflow') {
    const server = await startChild(kind, childOptions);
    return { server, stop: () => server.stop() };
  }
  const simulators = await startSimulators();
  try {
    const server = await startChild('cdflow', { ...childOptions, upstreams: simulators.info });
    await simulators.request('registerWebhook', {
      url: `${server.info.url}/cicdflow/jira/`,
      secret: server.info.webhookSecret,
    });
    return {
      server,
      async stop() {
        await server.stop();
        await simulators.stop();
      },
    };
  } catch (error) {
    await simulators.stop();
    throw error;
  }
}

async function measure(kind, childOptions, makeRequests, settings) {
  const subject = await startSubject(kind, childOptions);
  const child = subject.server;
  try {
    const requests = await makeRequests(child.info, child);
    const base = { url: child.info.url, requests, connections: settings.connections, warmup: false };
    const idle = () =>
      Promise.race([
        child.request('idle').then(() => true),
        new Promise((resolve) => setTimeout(resolve, settings.drainLimitMs, false)),
      ]);
    // Warm-up, then let the work it caused finish: the load starts from a quiet server.
    await load({ ...base, duration: 1 });
    await idle();
    const cpu0 = await child.cpuMs();
    const figures = await load({ ...base, duration: settings.duration });
    const cpuMs = (await child.cpuMs()) - cpu0;
    assertHealthy(`${kind} load`, figures);
    const started = Date.now();
    const drained = await idle();
    const drainSeconds = drained
      ? round((Date.now() - started) / 1000)
      : `>${settings.drainLimitMs / 1000} (not idle)`;
    const memory = await child.memory();
    return { ...figures, cpuMsPerAnswer: round(cpuMs / figures.ok), drainSeconds, rssMiB: memory.rssMiB };
  } finally {
    await subject.stop();
  }
}

/** `size` requests at once (after a few one by one to warm up), each answer timed, in ms. */
/**
 * `rounds` bursts of `size` new releases on one server, after 3 posted one by one: the first is what a
 * freshly started server answers (its code not optimised yet), the last what a running one does. Each
 * burst starts after the work of the one before has settled (the server is idle again).
 */
async function burst(kind, childOptions, post, size, rounds) {
  const subject = await startSubject(kind, childOptions);
  try {
    const info = subject.server.info;
    for (let i = 0; i < 3; i++) await post(info, `warmup_${i + 1}`);
    const results = [];
    for (let round = 1; round <= rounds; round++) {
      const answers = await Promise.all(
        Array.from({ length: size }, async (_, i) => {
          const t0 = performance.now();
          const answer = await post(info, `burst_${round}_${i + 1}`);
          return { ms: performance.now() - t0, answer };
        }),
      );
      results.push({ ...summarize(answers.map((a) => a.ms)), answers: answers.map((a) => a.answer) });
      if (round < rounds) {
        if (kind === 'cdflow') await subject.server.request('idle');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    return results;
  } finally {
    await subject.stop();
  }
}

async function postJson(url, headers, body, expected) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...json, ...headers },
    body: JSON.stringify(body),
  });
  const answer = await res.json();
  if (res.status !== expected)
    throw new Error(`burst: ${url} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

const postToBaseline = (info, tag) =>
  postJson(`${info.url}/bench`, {}, sampleReleaseRequest(`【A18】【升级】bench_${tag}`), 201);

const postRelease = (info, tag) =>
  postJson(
    `${info.url}/cicdflow/`,
    { authorization: `Bearer ${info.intakeToken}` },
    sampleReleaseRequest(`【A18】【升级】bench_${tag}`),
    201,
  );

function benchRoute() {
  let n = 0;
  return async () => [
    {
      method: 'POST',
      path: '/bench',
      headers: json,
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify(sampleReleaseRequest(`【A18】【升级】bench_${++n}`)),
      }),
    },
  ];
}

function intakeRequests(tag) {
  let n = 0;
  return async (info) => [
    {
      method: 'POST',
      path: '/cicdflow/',
      headers: { ...json, authorization: `Bearer ${info.intakeToken}` },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify(sampleReleaseRequest(`【A18】【升级】bench_${tag}_${++n}`)),
      }),
    },
  ];
}

/** One release to point the deliveries at; its issue exists before the load starts. */
async function webhookRequests(info, child) {
  const created = await fetch(`${info.url}/cicdflow/`, {
    method: 'POST',
    headers: { ...json, authorization: `Bearer ${info.intakeToken}` },
    body: JSON.stringify(sampleReleaseRequest('【A18】【升级】bench_webhook_target')),
  });
  const release = await created.json();
  if (created.status !== 201 || !release.key) {
    throw new Error(`webhook setup: intake answered ${created.status} without an issue key`);
  }
  // Let the release settle (issue moved, orders submitted) so the deliveries meet a stable state.
  await child.request('idle');
  let n = 0;
  const start = Date.now();
  return [
    {
      method: 'POST',
      path: '/cicdflow/jira/',
      headers: json,
      setupRequest: (req) => {
        n += 1;
        // An edit that is not a status change: stored, then re-read in Jira and found in sync.
        const body = JSON.stringify({
          timestamp: start + n,
          webhookEvent: 'jira:issue_updated',
          user: { name: 'dba', key: 'dba' },
          issue: { id: '10000', key: release.key, fields: { summary: release.summary } },
          changelog: {
            id: String(100000 + n),
            items: [{ field: 'description', fromString: '', toString: 'x' }],
          },
        });
        return {
          ...req,
          body,
          headers: { ...req.headers, 'x-hub-signature': signWebhookBody(body, info.webhookSecret) },
        };
      },
    },
  ];
}

export async function runHttp({ tmp, quick }) {
  const settings = { connections: 10, duration: quick ? 2 : 5, drainLimitMs: quick ? 10_000 : 60_000 };
  const burstSize = 40;
  const results = {};
  results.bare = await measure('bare', {}, benchRoute(), settings);
  results.sqlite = await measure('sqlite', { dbPath: join(tmp, 'baseline.sqlite') }, benchRoute(), settings);
  results.intake = await measure(
    'cdflow',
    { dbPath: join(tmp, 'intake.sqlite'), timings: { intakeIssueWaitMs: 0 } },
    intakeRequests('intake'),
    settings,
  );
  results.webhook = await measure(
    'cdflow',
    { dbPath: join(tmp, 'webhook.sqlite') },
    webhookRequests,
    settings,
  );
  const burstRounds = 3;
  /** `burstRounds` bursts of `burstSize` posts to a fresh subject of `kind` storing in `dbFile`. */
  const burstsOf = (kind, dbFile, post) =>
    burst(kind, { dbPath: join(tmp, dbFile) }, post, burstSize, burstRounds);
  const sqliteBursts = await burstsOf('sqlite', 'burst-baseline.sqlite', postToBaseline);
  const intakeBursts = await burstsOf('cdflow', 'burst.sqlite', postRelease);
  const bursts = {
    sqlite: sqliteBursts[0],
    intake: intakeBursts[0],
    sqliteWarm: sqliteBursts[burstRounds - 1],
    intakeWarm: intakeBursts[burstRounds - 1],
  };
  const keys = (b) => `${b.answers.filter((a) => typeof a.key === 'string').length} of ${burstSize}`;

  const row = (name, r) => [
    name,
    r.rps,
    r.p50Ms,
    r.p99Ms,
    ratio(r.rps, results.bare.rps),
    ratio(r.rps, results.sqlite.rps),
    ratio(r.p99Ms, results.sqlite.p99Ms),
    r.cpuMsPerAnswer,
    r.ok,
    r.drainSeconds,
    r.rssMiB,
  ];
  const burstRow = (name, b, base, withKeys) => [
    name,
    round(b.p50),
    round(b.p99),
    round(b.max),
    ratio(b.p99, base.p99),
    withKeys,
  ];
  return {
    id: 'http',
    title: 'Intake and webhook throughput on loopback (autocannon)',
    columns: [
      'subject',
      'req/s',
      'p50 ms',
      'p99 ms',
      'req/s ÷ bare',
      'req/s ÷ sqlite',
      'p99 ÷ sqlite p99',
      'CPU ms/answer',
      '2xx',
      'drain s',
      'RSS MiB',
    ],
    rows: [
      row('bare Fastify route (baseline)', results.bare),
      row('Fastify + 1 SQLite write (baseline)', results.sqlite),
      row('cdflow intake, new release each', results.intake),
      row('cdflow Jira webhook delivery', results.webhook),
    ],
    notes: [
      `${settings.connections} connections, ${settings.duration} s per subject after a 1 s warm-up (and the work it caused); each server in its own process, the simulators in another.`,
      'Intake: each 201 commits a new release (snapshot, audit, request, outbox) with synchronous=FULL; the answer does not wait for the Jira issue (intakeIssueWaitMs 0).',
      'Webhook: each 202 commits a distinct signed delivery; processing (re-read the issue, record the outcome) runs after the answer.',
      '"CPU ms/answer": the server process\'s CPU during the measured load ÷ its 2xx answers (for cdflow, the effects of the releases it created meanwhile included). "drain s": time after the load until the server was idle again (effects and deliveries done, capped); RSS after draining.',
    ],
    tables: [
      {
        title: `Intake burst: ${burstSize} new releases posted at once (default timings)`,
        columns: ['subject', 'p50 ms', 'p99 ms', 'max ms', 'p99 ÷ sqlite p99', 'answers with the issue key'],
        rows: [
          burstRow('Fastify + 1 SQLite write (baseline), first burst', bursts.sqlite, bursts.sqlite, ''),
          burstRow(
            'cdflow intake, first burst after start',
            bursts.intake,
            bursts.sqlite,
            keys(bursts.intake),
          ),
          burstRow(
            `Fastify + 1 SQLite write (baseline), burst ${burstRounds}`,
            bursts.sqliteWarm,
            bursts.sqliteWarm,
            '',
          ),
          burstRow(
            `cdflow intake, burst ${burstRounds} (running server)`,
            bursts.intakeWarm,
            bursts.sqliteWarm,
            keys(bursts.intakeWarm),
          ),
        ],
        notes: [
          `${burstSize} POSTs started together (each its own connection) after 3 one by one; each answer timed from send to body. cdflow runs with its default timings: the answer waits up to intakeIssueWaitMs for the Jira issue it creates (simulators in their own process), as the release system would see it.`,
          `${burstRounds} bursts on the same server, each once the one before has settled: the first is what a freshly started server answers (its code not optimised by V8 yet), burst ${burstRounds} what a running one does. Each ratio is to the baseline's burst of the same rank.`,
        ],
      },
    ],
    data: {
      settings,
      results,
      bursts: Object.fromEntries(
        Object.entries(bursts).map(([name, b]) => [name, { ...b, answers: undefined }]),
      ),
    },
  };
}
