/**
 * The store alone: releases written decision by decision through the server's repositories, the way
 * their API lets a runtime write them, with no runtime, HTTP or upstream around: what the store itself
 * costs per release, to set beside what the end-to-end run counts (the gap is how the runtime uses it).
 *
 * Per release, the recorded walk (lib/release-walk.js: intake, then every event to uatComplete): intake
 * is one durable createRelease; each event is read with getForDecision, decided by core, and committed
 * with one audit row, its effects and timers, and the completion of every effect queued before it
 * (completeEffects, the rows answered by the previous commit: nothing read back); people's events
 * (SQL_CONFIRMED, CONFIG_CONFIRMED) durable, the runtime's own (effect outcomes, timers) not; one Jira
 * webhook delivery stored (durable) and finished (not); a last write finishes the remaining effects and
 * cancels the timers left.
 */
import { decide, defaultReleaseSettings, startRelease } from '@cdflow/core';
// The store is not part of @cdflow/server's public API; the benchmark writes through it on purpose.
import { DeliveryRepository, openStore, ReleaseRepository } from '../../packages/server/dist/store/index.js';
import { recordReleaseWalk } from './release-walk.js';
import { emptyStoreBytes, storeBytes } from './store-file.js';

const personEvents = new Set(['SQL_CONFIRMED', 'CONFIG_CONFIRMED']);

function split(effects) {
  return {
    effects: effects
      .filter((e) => e.type !== 'timer.schedule' && e.type !== 'timer.cancel')
      .map((e) => ({ idempotencyKey: e.idempotencyKey, type: e.type, payload: e })),
    scheduleTimers: effects
      .filter((e) => e.type === 'timer.schedule')
      .map((e) => ({ name: e.timer, dueAt: Date.now() + e.delayMs, scheduleKey: e.idempotencyKey })),
    cancelTimers: effects.filter((e) => e.type === 'timer.cancel').map((e) => e.timer),
  };
}

const done = (queued) => queued.map((row) => ({ id: row.id, status: 'done' }));

function writeRelease(repo, deliveries, walk, n) {
  const releaseId = `bench-writes-${n}`;
  const summary = `【A18】【升级】bench_writes_${n}`;
  const issueKey = `AC-${n}`;
  const request = { ...walk.request, summary };
  const start = startRelease({ releaseId, request, settings: { ...defaultReleaseSettings } });
  let { queued } = repo.createRelease(
    {
      releaseId,
      summary,
      issueKey: null,
      project: request.project,
      jiraProject: request.jiraProject,
      env: request.env,
      state: start.state,
      iteration: 1,
      machineVersion: start.next.machineVersion,
      snapshot: start.next.snapshot,
    },
    {
      audit: [
        {
          source: 'intake',
          actor: 'release-system',
          event: 'RELEASE_REQUESTED',
          fromState: null,
          toState: start.state,
          accepted: true,
          detail: { iteration: 1, effects: start.effects.map((e) => e.type) },
        },
      ],
      ...split(start.effects),
      request: { iteration: 1, by: 'release-system', body: request },
    },
  );
  for (const { event: recorded } of walk.steps) {
    const event = recorded.type === 'ISSUE_READY' ? { ...recorded, issueKey } : recorded;
    const row = repo.getForDecision(releaseId);
    const decision = decide({ machineVersion: row.machineVersion, snapshot: row.snapshot }, event);
    const person = personEvents.has(event.type);
    if (event.type === 'SQL_CONFIRMED') {
      const delivery = {
        dedupeKey: `${releaseId}:delivery`,
        webhookEvent: 'jira:issue_updated',
        issueKey,
        statusChange: { from: 'SQL执行中', to: 'CONFIG执行中' },
        user: 'dba',
        timestamp: Date.now(),
      };
      const id = deliveries.insert({ ...delivery, delivery, rawSize: 2000 });
      deliveries.finish(id, 'applied', { current: 'CONFIG执行中' }, { durable: false });
    }
    ({ queued } = repo.commitDecision({
      releaseId,
      durable: person,
      release: {
        expectedRevision: row.revision,
        state: decision.state,
        iteration: decision.context.iteration,
        issueKey: decision.context.issueKey ?? issueKey,
        machineVersion: decision.next.machineVersion,
        snapshot: decision.next.snapshot,
      },
      audit: [
        {
          source: person ? 'jira' : 'runner',
          actor: person ? 'dba' : 'cdflow',
          event: event.type,
          fromState: row.state,
          toState: decision.state,
          accepted: true,
          detail: { event, effects: decision.effects.map((e) => e.type) },
        },
      ],
      ...split(decision.effects),
      completeEffects: done(queued),
    }));
  }
  repo.commitDecision({
    releaseId,
    durable: false,
    audit: [],
    effects: [],
    scheduleTimers: [],
    cancelTimers: repo.timersOf(releaseId).map((t) => t.name),
    completeEffects: done(queued),
  });
}

/** Write `count` releases into a new store at `path`; the store's counters and bytes per release. */
export function measureReleaseWrites(path, emptyPath, count) {
  const empty = emptyStoreBytes(emptyPath);
  const store = openStore(path);
  let stats;
  let cpu;
  let decisions;
  try {
    const repo = new ReleaseRepository(store);
    const deliveries = new DeliveryRepository(store);
    // The walk's events, recorded once; each release is started under its own id and decided again.
    const walk = recordReleaseWalk({
      releaseId: 'bench-writes',
      summary: '【A18】【升级】bench_writes',
      issueKey: 'AC-0',
    });
    decisions = walk.steps.length + 1; // intake, then every event
    writeRelease(repo, deliveries, walk, 0); // warm-up: statements prepared, JIT
    store.resetStats();
    const cpu0 = process.cpuUsage();
    for (let n = 1; n <= count; n++) writeRelease(repo, deliveries, walk, n);
    cpu = process.cpuUsage(cpu0);
    stats = store.stats();
  } finally {
    store.close();
  }
  const disk = storeBytes(path);
  const per = (value) => value / count;
  return {
    count,
    decisions,
    statements: per(stats.statements),
    prepared: per(stats.prepared),
    commits: per(stats.commits),
    durableCommits: per(stats.durableCommits),
    walBytes: stats.walBytes === null ? null : per(stats.walBytes),
    diskBytes: (disk.bytes - empty.bytes) / (count + 1),
    tableBytes: Object.fromEntries(
      Object.entries(disk.tables).map(([table, bytes]) => [
        table,
        (bytes - (empty.tables[table] ?? 0)) / (count + 1),
      ]),
    ),
    cpuMs: per((cpu.user + cpu.system) / 1000),
  };
}
