import { describe, expect, it } from 'vitest';
import { signWebhookBody } from '../src/http/webhook-signature.js';
import {
  closingAfterEach,
  finishSqlOrders,
  sampleRequest,
  startHarness,
  tokens,
} from './support/e2e-harness.js';
import { parseScrape, type Scrape, scrapeMetrics } from './support/prometheus-scrape.js';

const closedAfterTest = closingAfterEach();

async function postWebhook(url: string, raw: string, signature: string): Promise<number> {
  const res = await fetch(`${url}/cicdflow/jira/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
    body: raw,
  });
  await res.text();
  return res.status;
}

/** cdflow_releases of each state named in `counts` is its count. */
function expectReleasesIn(scrape: Scrape, counts: Record<string, number>): void {
  for (const [state, count] of Object.entries(counts))
    expect(scrape.value('cdflow_releases', { state }), `releases in ${state}`).toBe(count);
}

/** cdflow_effects_total done of each effect type named in `counts` is its count. */
function expectEffectsDone(scrape: Scrape, counts: Record<string, number>): void {
  for (const [type, count] of Object.entries(counts))
    expect(scrape.value('cdflow_effects_total', { type, outcome: 'done' }), `${type} done`).toBe(count);
}

describe('GET /metrics', () => {
  it('is protected like the other reads and speaks the Prometheus text format', async () => {
    const h = await closedAfterTest(startHarness({ sqlMode: 'manual' }));
    const anonymous = await fetch(`${h.url}/metrics`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${h.url}/metrics`, {
      headers: { authorization: 'Bearer not-a-token-0123456789' },
    });
    expect(wrong.status).toBe(401);
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${tokens.intake}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const scrape = parseScrape(await res.text());
    const names = scrape.families.map((f) => f.name);
    for (const name of [
      'cdflow_releases',
      'cdflow_stage_duration_seconds',
      'cdflow_effects_total',
      'cdflow_effect_retries_total',
      'cdflow_upstream_requests_total',
      'cdflow_upstream_request_duration_seconds',
      'cdflow_upstream_errors_total',
      'cdflow_jira_webhook_deliveries_total',
      'cdflow_queue_depth',
      'cdflow_stuck_releases',
      'cdflow_notifications_total',
      'cdflow_process_cpu_seconds_total',
    ])
      expect(names).toContain(name);
  });

  it('open to anyone when metrics.public is true', async () => {
    const h = await closedAfterTest(
      startHarness({ sqlMode: 'manual', config: { metrics: { public: true } } }),
    );
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
  });

  it('values change as a release moves: by state, stages, effects, upstream calls, webhook deliveries', async () => {
    const h = await closedAfterTest(startHarness({ sqlMode: 'manual' }));
    const before = await scrapeMetrics(h.url, tokens.operator);
    expect(before.sum('cdflow_releases')).toBe(0);
    const jiraCallsBefore = before.sum('cdflow_upstream_requests_total', { upstream: 'jira' });

    const key = String((await h.intake(sampleRequest())).body.key);
    await h.waitForState(key, 'sqlExecuting');
    await h.server.runtime.idle();
    const waiting = await scrapeMetrics(h.url, tokens.operator);
    expectReleasesIn(waiting, { sqlExecuting: 1, uatComplete: 0 });
    expectEffectsDone(waiting, { 'archery.submitOrder': 2, 'jira.ensureIssue': 1 });
    expect(waiting.histogramCount('cdflow_stage_duration_seconds', { stage: 'sqlPending' })).toBe(1);
    expect(waiting.sum('cdflow_upstream_requests_total', { upstream: 'jira' })).toBeGreaterThan(
      jiraCallsBefore,
    );
    expect(
      waiting.sum('cdflow_upstream_requests_total', { upstream: 'archery', status: '200' }),
    ).toBeGreaterThan(0);
    expect(
      waiting.histogramCount('cdflow_upstream_request_duration_seconds', { upstream: 'archery' }),
    ).toBeGreaterThan(0);
    expect(
      waiting.value('cdflow_events_total', {
        event: 'RELEASE_REQUESTED',
        source: 'intake',
        accepted: 'true',
      }),
    ).toBe(1);

    finishSqlOrders(h.sandbox);
    expect((await h.operatorEvent(key, { type: 'SQL_CONFIRMED' })).status).toBe(200);
    await h.waitForState(key, (s) => s.startsWith('configExecuting'));
    expect((await h.operatorEvent(key, { type: 'CONFIG_CONFIRMED' })).status).toBe(200);
    await h.waitForState(key, 'uatComplete');
    await h.server.runtime.idle();
    const done = await scrapeMetrics(h.url, tokens.operator);
    expectReleasesIn(done, { sqlExecuting: 0, uatComplete: 1 });
    // One target look-up per code item, then one effect deploys every target side by side.
    expectEffectsDone(done, { 'cmdb.findTargets': 2, 'cmdb.deploy': 1 });
    for (const stage of ['sqlPending', 'sqlExecuting', 'configExecuting', 'codeExecuting'])
      expect(done.histogramCount('cdflow_stage_duration_seconds', { stage })).toBe(1);
    expect(done.value('cdflow_queue_depth', { queue: 'effects', status: 'pending' })).toBe(0);
    expect(
      done.value('cdflow_events_total', { event: 'SQL_CONFIRMED', source: 'operator', accepted: 'true' }),
    ).toBe(1);
    // The Jira simulator calls cdflow's webhook on every transition.
    expect(done.value('cdflow_jira_webhook_deliveries_total', { result: 'accepted' })).toBeGreaterThan(0);
  });

  it('counts webhook duplicates and refusals', async () => {
    const h = await closedAfterTest(startHarness({ sqlMode: 'manual', registerWebhook: false }));
    const raw = JSON.stringify({
      webhookEvent: 'jira:issue_updated',
      timestamp: 1_767_000_000_000,
      user: { name: 'dba1' },
      issue: { key: 'AC-999', fields: { status: { name: 'SQL执行中' } } },
      changelog: { id: '4711', items: [{ field: 'status', fromString: 'SQL待执行', toString: 'SQL执行中' }] },
    });
    const signature = signWebhookBody(raw, tokens.webhook);
    expect(await postWebhook(h.url, raw, signature)).toBe(202);
    expect(await postWebhook(h.url, raw, signature)).toBe(202);
    expect(await postWebhook(h.url, raw, 'sha256=00')).toBe(401);
    const scrape = await scrapeMetrics(h.url, tokens.operator);
    expect(scrape.value('cdflow_jira_webhook_deliveries_total', { result: 'accepted' })).toBe(1);
    expect(scrape.value('cdflow_jira_webhook_deliveries_total', { result: 'duplicate' })).toBe(1);
    expect(scrape.value('cdflow_jira_webhook_deliveries_total', { result: 'refused' })).toBe(1);
  });
});
