/**
 * cdflow's Prometheus metrics (prom-client), in one registry per server:
 * - live counters fed as things happen: upstream HTTP attempts (through the adapters' HttpClient
 *   observer), Jira webhook deliveries and duplicates, notification deliveries;
 * - counters read from the audit trail at each scrape (effects by type and outcome, effect retries,
 *   decided events, stage durations), so they count what was committed, from the audit rows' own times;
 * - gauges read from the store at each scrape: releases by state, queue depths, stuck releases.
 * Counters start at zero with the process (Prometheus' rate() expects that).
 */
import type { HttpAttempt } from '@cdflow/adapters';
import { productStateOf } from '@cdflow/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryReport } from '../notifications/notification-worker.js';
import type { ReleaseStore } from '../store/release-store.js';
import type { AuditTail, AuditTailRow } from './audit-tail.js';

export interface MetricsSources {
  /** The gauges' source: releases by state, queue depths, notification rows (the same store for every replica). */
  store: ReleaseStore;
  audit: AuditTail;
  /** Releases the stuck sweep found waiting on a person too long. */
  stuckReleases: () => number;
}

/** Stage durations span seconds (auto mode) to days (a release waiting on a DBA over a weekend). */
const stageBuckets = [1, 5, 15, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 3 * 24 * 3600];
const upstreamBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Every metric cdflow defines, with its help text (the scrape shows it). */
const metricHelp = {
  cdflow_upstream_requests_total:
    'HTTP attempts to an upstream, by upstream, method and status (0: no answer)',
  cdflow_upstream_errors_total:
    'Failed HTTP attempts to an upstream, by upstream and error code (TIMEOUT, NETWORK, UPSTREAM_UNAVAILABLE, ...)',
  cdflow_upstream_retries_total: 'In-call retries of an HTTP request to an upstream',
  cdflow_upstream_request_duration_seconds:
    'Duration of one HTTP attempt to an upstream, answer body included',
  cdflow_jira_webhook_deliveries_total:
    'Jira webhook deliveries received, by result (accepted, duplicate, refused: bad signature or body)',
  cdflow_notifications_total:
    'Notification delivery attempts, by channel kind, notification kind and outcome (sent, retrying, failed)',
  cdflow_effects_total:
    'Effect attempts recorded in the audit trail, by effect type and outcome (done, failed, retrying, waiting)',
  cdflow_effect_retries_total:
    'Effect attempts that failed retryably and were scheduled again, by effect type',
  cdflow_events_total:
    'Events decided on releases, by event type, source and whether the release accepted them',
  cdflow_stage_duration_seconds:
    'Time a release spent in a stage (product state, uatComplete included) before moving on, by stage',
  cdflow_releases: 'Releases by product state',
  cdflow_queue_depth:
    'Work waiting, by queue: effects (pending, running), timers, jira_deliveries (not yet processed), notifications (pending, sending)',
  cdflow_stuck_releases: 'Releases waiting on a person for longer than the stuck threshold (last sweep)',
} as const;

type MetricName = keyof typeof metricHelp;

export class CdflowMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources | null = null;
  /** When each release entered its current stage (epoch ms), as the audit tail saw it. */
  private readonly enteredStage = new Map<string, { stage: string; at: number }>();

  private readonly upstreamRequests = this.counter('cdflow_upstream_requests_total', [
    'upstream',
    'method',
    'status',
  ]);
  private readonly upstreamErrors = this.counter('cdflow_upstream_errors_total', ['upstream', 'code']);
  private readonly upstreamRetries = this.counter('cdflow_upstream_retries_total', ['upstream']);
  private readonly upstreamLatency = this.histogram(
    'cdflow_upstream_request_duration_seconds',
    ['upstream'],
    upstreamBuckets,
  );
  private readonly webhookDeliveries = this.counter('cdflow_jira_webhook_deliveries_total', ['result']);
  private readonly notifications = this.counter('cdflow_notifications_total', ['via', 'kind', 'outcome']);
  private readonly effects = this.counter('cdflow_effects_total', ['type', 'outcome']);
  private readonly effectRetries = this.counter('cdflow_effect_retries_total', ['type']);
  private readonly events = this.counter('cdflow_events_total', ['event', 'source', 'accepted']);
  private readonly stageDuration = this.histogram('cdflow_stage_duration_seconds', ['stage'], stageBuckets);
  private readonly releases = this.gauge('cdflow_releases', ['state']);
  private readonly queueDepth = this.gauge('cdflow_queue_depth', ['queue', 'status']);
  private readonly stuck = this.gauge('cdflow_stuck_releases', []);

  constructor(options: { processMetrics?: boolean } = {}) {
    // Process metrics (CPU, memory, event loop lag) with the same prefix, unless turned off (tests).
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'cdflow_' });
  }

  /** What the scrape reads; counting from the audit trail starts at the trail's current end. */
  attach(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** The HttpClient observer: one call per HTTP attempt. */
  readonly observeHttp = (attempt: HttpAttempt): void => {
    this.upstreamRequests.inc({
      upstream: attempt.upstream,
      method: attempt.method,
      status: String(attempt.status ?? 0),
    });
    this.upstreamLatency.observe({ upstream: attempt.upstream }, attempt.durationMs / 1000);
    if (attempt.code !== null) this.upstreamErrors.inc({ upstream: attempt.upstream, code: attempt.code });
    if (attempt.attempt > 1) this.upstreamRetries.inc({ upstream: attempt.upstream });
  };

  readonly observeDelivery = (report: DeliveryReport): void => {
    this.notifications.inc({ via: report.via, kind: report.kind, outcome: report.outcome });
  };

  observeWebhook(result: 'accepted' | 'duplicate' | 'refused'): void {
    this.webhookDeliveries.inc({ result });
  }

  /** The registry in the Prometheus text format, after reading the audit trail and the store. */
  async scrape(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async refresh(): Promise<void> {
    const sources = this.sources;
    if (!sources?.store.isOpen()) return;
    const { store } = sources;
    for (const row of await sources.audit.read()) this.count(row);
    const [byState, depth, notifications] = await Promise.all([
      store.releasesByState(),
      store.queueDepths(),
      store.notifications.depth(),
    ]);
    this.releases.reset();
    for (const { state, count } of byState) {
      this.releases.inc({ state: productStateOf(state) }, count);
    }
    this.queueDepth.reset();
    this.queueDepth.set({ queue: 'effects', status: 'pending' }, depth.effectsPending);
    this.queueDepth.set({ queue: 'effects', status: 'running' }, depth.effectsRunning);
    this.queueDepth.set({ queue: 'timers', status: 'armed' }, depth.timers);
    this.queueDepth.set({ queue: 'jira_deliveries', status: 'received' }, depth.deliveriesReceived);
    this.queueDepth.set({ queue: 'notifications', status: 'pending' }, notifications.pending);
    this.queueDepth.set({ queue: 'notifications', status: 'sending' }, notifications.sending);
    this.stuck.set(sources.stuckReleases());
  }

  private count(row: AuditTailRow): void {
    if (row.event.startsWith('effect:')) {
      this.countEffect(row.event.slice('effect:'.length), row.outcome ?? 'unknown');
      return;
    }
    if (row.effect) this.countEffect(row.effect.type, row.effect.outcome);
    this.events.inc({ event: row.event, source: row.source, accepted: String(row.accepted) });
    if (!row.accepted || row.toState === null) return;
    const at = Date.parse(row.at);
    const next = stageOf(row.toState);
    const known = this.enteredStage.get(row.releaseId);
    if (known && known.stage !== next) {
      this.stageDuration.observe({ stage: known.stage }, Math.max(0, at - known.at) / 1000);
    }
    if (known && known.stage === next) return;
    // Re-inserted at the end: the map's order is the order of the latest moves, oldest first.
    this.enteredStage.delete(row.releaseId);
    this.enteredStage.set(row.releaseId, { stage: next, at });
    // Releases that ended never move again: the oldest entries go once the map is large.
    if (this.enteredStage.size > maxTrackedReleases) {
      const oldest = this.enteredStage.keys().next().value;
      if (oldest !== undefined) this.enteredStage.delete(oldest);
    }
  }

  private countEffect(type: string, outcome: string): void {
    this.effects.inc({ type, outcome });
    if (outcome === 'retrying') this.effectRetries.inc({ type });
  }

  private counter<L extends string>(name: MetricName, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help: metricHelp[name], labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: MetricName, labelNames: readonly L[]): Gauge<L> {
    return new Gauge({ name, help: metricHelp[name], labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(
    name: MetricName,
    labelNames: readonly L[],
    buckets: number[],
  ): Histogram<L> {
    return new Histogram({ name, help: metricHelp[name], labelNames, buckets, registers: [this.registry] });
  }
}

/** Releases whose current stage's start is remembered (one small entry each). */
const maxTrackedReleases = 50_000;

/** The stage a machine state belongs to: its product state (sqlPending.failed apart from sqlPending). */
function stageOf(state: string): string {
  return productStateOf(state);
}
