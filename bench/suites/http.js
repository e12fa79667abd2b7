/**
 * Figure 1 — intake and webhook throughput and p50/p99 latency on loopback, beside a bare Fastify
 * route and beside Fastify + one SQLite write, all measured in this run with the same load.
 *
 * Intake: every request is a NEW release (unique summary), so every 201 is a persisted transition
 * (RELEASE_REQUESTED → snapshot + audit + request + outbox in one fsynced transaction). The answer does
 * not wait for the Jira issue (`intakeIssueWaitMs: 0`); the effects then run against the in-process
 * simulators while the load goes on, as they would in production.
 * Webhook: every delivery is distinct (own timestamp and changelog id) and signed; 202 means it is
 * stored (fsynced); processing (re-read the issue in the Jira simulator, record the outcome) follows.
 */
import { join } from 'node:path';
import { sampleReleaseRequest, signWebhookBody } from '@cdflow/server';
import { startChild } from '../lib/child.js';
import { assertHealthy, load } from '../lib/load.js';
import { ratio, round } from '../lib/stats.js';

const json = { 'content-type': 'application/json' };

async function measure(kind, childOptions, makeRequests, settings) {
  const child = await startChild(kind, childOptions);
  try {
    const requests = await makeRequests(child.info, child);
    const figures = await load({ url: child.info.url, requests, ...settings });
    assertHealthy(`${kind} load`, figures);
    const started = Date.now();
    const drained = await Promise.race([
      child.request('idle').then(() => true),
      new Promise((resolve) => setTimeout(resolve, settings.drainLimitMs, false)),
    ]);
    const drainSeconds = drained
      ? round((Date.now() - started) / 1000)
      : `>${settings.drainLimitMs / 1000} (not idle)`;
    const memory = await child.memory();
    return { ...figures, drainSeconds, rssMiB: memory.rssMiB };
  } finally {
    await child.stop();
  }
}

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

  const row = (name, r) => [
    name,
    r.rps,
    r.p50Ms,
    r.p99Ms,
    ratio(r.rps, results.bare.rps),
    ratio(r.rps, results.sqlite.rps),
    ratio(r.p99Ms, results.sqlite.p99Ms),
    r.ok,
    r.drainSeconds,
    r.rssMiB,
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
      `${settings.connections} connections, ${settings.duration} s per subject after a 1 s warm-up; each server in its own process.`,
      'Intake: each 201 commits a new release (snapshot, audit, request, outbox) with synchronous=FULL; the answer does not wait for the Jira issue (intakeIssueWaitMs 0).',
      'Webhook: each 202 commits a distinct signed delivery; processing (re-read the issue, record the outcome) runs after the answer.',
      '"drain s": time after the load until the server was idle again (effects and deliveries done, capped); RSS after draining.',
    ],
    data: { settings, results },
  };
}
