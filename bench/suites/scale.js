/**
 * Figure 3 — scale: a store of 100k releases beside the same measurements at 1k (growth should be
 * flat). Releases are written through the server's ReleaseRepository (the same `createRelease`
 * transaction the runtime uses), not over HTTP, in batches of 1000 per outer transaction (the quicker
 * path: each release is still its own nested transaction, but the fsync is paid once per batch).
 * Every release is a finished one: final snapshot, its request, one audit row per event, its effects
 * in the outbox (marked done). Then a cdflow server (own process) opens the file and answers lookups
 * by Jira key and the first page of the list under autocannon.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
// The store is not part of @cdflow/server's public API; the benchmark writes through it on purpose.
import { openStore, ReleaseRepository } from '../../packages/server/dist/store/index.js';
import { startChild, startSimulators } from '../lib/child.js';
import { assertHealthy, load } from '../lib/load.js';
import { recordReleaseWalk } from '../lib/release-walk.js';
import { measureReleaseWrites } from '../lib/release-writes.js';
import { ratio, round } from '../lib/stats.js';
import { storeCostRows } from '../lib/store-cost.js';

const token = '§N§';
const keyOf = (i) => `AC-${i}`;

/**
 * The rows of one finished release as JSON text with a placeholder for its number: each stored
 * release has the real sizes and shapes without running decide 100k times.
 */
function releaseTemplate() {
  const releaseId = `bench-${token}`;
  const summary = `【A18】【升级】bench_scale_${token}`;
  const walk = recordReleaseWalk({ releaseId, summary, issueKey: `AC-${token}` });
  const effectsOf = (d) =>
    d.effects
      .filter((e) => e.type !== 'timer.schedule' && e.type !== 'timer.cancel')
      .map((e) => ({ idempotencyKey: e.idempotencyKey, type: e.type, payload: e }));
  const audit = [
    {
      source: 'intake',
      actor: 'release-system',
      event: 'RELEASE_REQUESTED',
      fromState: null,
      toState: walk.start.state,
      accepted: true,
      detail: { iteration: 1, effects: walk.start.effects.map((e) => e.type) },
    },
    ...walk.steps.map((s) => ({
      source: 'runner',
      actor: 'cdflow',
      event: s.event.type,
      fromState: s.before.state,
      toState: s.decision.state,
      accepted: true,
      detail: { event: s.event, effects: s.decision.effects.map((e) => e.type) },
    })),
  ];
  const row = {
    releaseId,
    summary,
    issueKey: `AC-${token}`,
    project: walk.request.project,
    jiraProject: walk.request.jiraProject,
    env: walk.request.env,
    state: walk.final.state,
    iteration: walk.final.context.iteration,
    machineVersion: walk.final.next.machineVersion,
    snapshot: walk.final.next.snapshot,
  };
  const write = {
    audit,
    effects: [walk.start, ...walk.steps.map((s) => s.decision)].flatMap(effectsOf),
    scheduleTimers: [],
    cancelTimers: [],
    request: { iteration: 1, by: 'release-system', body: walk.request },
  };
  return JSON.stringify({ row, write }).split(token);
}

export function populate(path, count) {
  const pieces = releaseTemplate();
  const store = openStore(path);
  const repo = new ReleaseRepository(store);
  const started = performance.now();
  try {
    // Finished releases have no pending effects (and a server opening the file must not run them); a
    // done effect leaves the outbox, as the runtime does. Done per batch, so the pages the rows took
    // are reused by the next batch, as a running server reuses them.
    const finish = store.sqlite.prepare("delete from outbox where status in ('pending', 'running')");
    const batch = (from, to) =>
      store.transaction(() => {
        for (let i = from; i < to; i++) {
          const { row, write } = JSON.parse(pieces.join(String(i)));
          repo.createRelease(row, write);
        }
        finish.run();
      });
    for (let from = 1; from <= count; from += 1000) batch(from, Math.min(count + 1, from + 1000));
    store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds: round(seconds), perSecond: round(count / seconds), bytes: statSync(path).size };
}

async function measureStore(tmp, count, settings, log) {
  const path = join(tmp, `scale-${count}.sqlite`);
  log(`writing ${count} releases …`);
  const written = populate(path, count);
  log(`  ${written.seconds} s (${written.perSecond} releases/s), ${round(written.bytes / 2 ** 20)} MiB`);
  // Simulators in their own process, named as a site's upstreams: in sandbox mode the server would set
  // aside a database whose releases its fresh simulators do not hold (no saved state beside the file).
  const simulators = await startSimulators();
  let child;
  try {
    child = await startChild('cdflow', { dbPath: path, upstreams: simulators.info });
  } catch (error) {
    await simulators.stop();
    throw error;
  }
  try {
    const auth = { authorization: `Bearer ${child.info.operatorToken}` };
    const rssAtStart = (await child.memory()).rssMiB;
    let seed = 12345;
    // A fixed pseudo-random sequence of keys: both sizes read spread-out rows, the same way each run.
    const nextKey = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return keyOf(1 + (seed % count));
    };
    const lookup = await load({
      url: child.info.url,
      ...settings,
      requests: [
        {
          method: 'GET',
          headers: auth,
          setupRequest: (req) => ({ ...req, path: `/api/releases/${nextKey()}` }),
        },
      ],
    });
    assertHealthy(`lookup at ${count}`, lookup);
    const list = await load({
      url: child.info.url,
      ...settings,
      requests: [{ method: 'GET', path: '/api/releases?limit=50', headers: auth }],
    });
    assertHealthy(`list at ${count}`, list);
    const rssAfter = (await child.memory()).rssMiB;
    return {
      count,
      written,
      bytesPerRelease: round(written.bytes / count),
      lookup,
      list,
      rssAtStart,
      rssAfter,
    };
  } finally {
    await child.stop();
    await simulators.stop();
  }
}

export async function runScale({ tmp, quick, log }) {
  const settings = { connections: 4, duration: quick ? 2 : 4 };
  const large = quick ? 10_000 : 100_000;
  const writes = measureReleaseWrites(
    join(tmp, 'writes.sqlite'),
    join(tmp, 'writes-empty.sqlite'),
    quick ? 100 : 500,
  );
  const small = await measureStore(tmp, 1_000, settings, log);
  const big = await measureStore(tmp, large, settings, log);
  const rows = [
    ['releases written per second', small.written.perSecond, big.written.perSecond],
    ['bytes per release (file ÷ count)', small.bytesPerRelease, big.bytesPerRelease],
    ['lookup by key: req/s', small.lookup.rps, big.lookup.rps],
    ['lookup by key: mean ms', small.lookup.meanMs, big.lookup.meanMs],
    ['lookup by key: p99 ms', small.lookup.p99Ms, big.lookup.p99Ms],
    ['list first page (50): req/s', small.list.rps, big.list.rps],
    ['list first page (50): mean ms', small.list.meanMs, big.list.meanMs],
    ['list first page (50): p99 ms', small.list.p99Ms, big.list.p99Ms],
    ['server RSS at start, MiB', small.rssAtStart, big.rssAtStart],
    ['server RSS after the loads, MiB', small.rssAfter, big.rssAfter],
  ].map(([name, a, b]) => [name, a, b, ratio(b, a)]);
  return {
    id: 'scale',
    title: `Scale: ${large.toLocaleString('en')} releases beside 1,000`,
    columns: ['measure', '1,000', large.toLocaleString('en'), `${large / 1000}k ÷ 1k`],
    rows,
    notes: [
      `Flat growth means ratios near 1 (throughput, latency, bytes, RSS) although the store is ${large / 1000}× larger.`,
      'Lookups by Jira key use a fixed pseudo-random key sequence; the list is GET /api/releases?limit=50 (newest first, with the total count).',
      `autocannon, ${settings.connections} connections, ${settings.duration} s per load after a 1 s warm-up; the server runs in its own process.`,
      'Written through ReleaseRepository.createRelease in batches of 1000 per outer transaction (each release a nested one).',
    ],
    tables: [
      {
        title: 'The store alone: a release written decision by decision through the repositories',
        columns: ['measure', 'per release', 'target (end to end)'],
        rows: [
          ...Object.values(storeCostRows(writes, 'KiB on disk, history included')),
          ['CPU ms (store and core’s decide)', round(writes.cpuMs), ''],
        ],
        notes: [
          `${writes.count} releases, each intake + ${writes.decisions - 1} decisions to uatComplete (the recorded walk), written as the store's API lets a runtime write them: getForDecision before each decision, one audit row per decision, effects finished in the next decision's write (completeEffects, the rows the previous commit answered), people's events durable, the runtime's own not, one webhook delivery; no runtime, HTTP or upstream. What the store itself costs; the end-to-end table counts what the runtime makes it do.`,
          `KiB on disk per release by table: ${Object.entries(writes.tableBytes)
            .filter(([, bytes]) => bytes > 100)
            .sort((a, b) => b[1] - a[1])
            .map(([table, bytes]) => `${table} ${round(bytes / 1024)}`)
            .join(', ')}.`,
        ],
      },
    ],
    data: { small, big, writes },
  };
}
