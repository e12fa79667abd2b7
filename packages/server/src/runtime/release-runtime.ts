/**
 * The durable release runtime: the one place that turns events into committed decisions.
 *
 * For every event: take the release's queue slot (one event at a time per release, in arrival order),
 * load the snapshot, ask core's `decide`, and write snapshot + audit + effects + timers in ONE
 * transaction guarded by the release's revision. Only then are the effects run (EffectRunner) and the
 * timers armed (TimerLoop); their outcomes come back as events through the same path.
 */
import {
  type Decision,
  decide,
  describeRelease,
  type EffectResultEvent,
  interpretJiraChange,
  jiraWorkflowGraph,
  type NormalizedRequest,
  type PersonEvent,
  productStateOf,
  type ReleaseEffect,
  type ReleaseEvent,
  type ReleaseSettings,
  type ReleaseStateId,
  releaseStates,
  startRelease,
} from '@cdflow/core';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import { DeliveryRepository } from '../store/delivery-repository.js';
import type { Store } from '../store/open-store.js';
import {
  type AuditInput,
  type DecisionWrite,
  type OutboxRow,
  ReleaseRepository,
  type TimerRow,
} from '../store/release-repository.js';
import {
  type CheckPolicy,
  describeError,
  EffectExecutor,
  isRetryable,
  type RuntimePorts,
} from './effect-executor.js';
import { type EffectResult, EffectRunner, retryDelayMs } from './effect-runner.js';
import { KeyQueue } from './key-queue.js';
import { releaseIdFor } from './release-id.js';
import { toReleaseView } from './release-view.js';
import type {
  EventResult,
  HistoryEntry,
  IntakeResult,
  JiraDelivery,
  ListFilter,
  ReleaseRuntimeApi,
  ReleaseView,
} from './runtime-api.js';
import { Semaphore } from './semaphore.js';
import { TimerLoop } from './timer-loop.js';

export interface ReleaseRuntimeOptions {
  store: Store;
  ports: RuntimePorts;
  checkPolicy: CheckPolicy;
  config: ServerConfig;
  logger: Logger;
  /** How long `stop()` waits for in-flight effects before closing the store (default 10 s). */
  stopTimeoutMs?: number;
}

export class RuntimeStoppedError extends Error {
  readonly code = 'RUNTIME_STOPPED';
  constructor() {
    super('cdflow is shutting down and takes no new work: send the request again once it is back.');
    this.name = 'RuntimeStoppedError';
  }
}

export class UnknownReleaseError extends Error {
  readonly code = 'UNKNOWN_RELEASE';
  constructor(ref: string) {
    super(`No release ${ref}: use the Jira issue key, the release id or the summary of an existing release.`);
    this.name = 'UnknownReleaseError';
  }
}

/** How many times a Jira delivery whose issue cannot be re-read is tried again (in this process). */
const deliveryRetries = 5;

interface ApplyMeta {
  source: string;
  actor: string;
  completeEffect?: DecisionWrite['completeEffect'];
  firedTimer?: DecisionWrite['firedTimer'];
  finishDelivery?: (decision: Decision) => DecisionWrite['finishDelivery'];
  /** Extra effects written with the decision (e.g. a Jira comment answering a refused move). */
  extraEffects?: (decision: Decision) => ReleaseEffect[];
  extraAudit?: AuditInput[];
  /** Keep the request body when the decision accepts it (intake). */
  request?: { by: string; body: NormalizedRequest };
}

export class ReleaseRuntime implements ReleaseRuntimeApi {
  private readonly repo: ReleaseRepository;
  private readonly deliveries: DeliveryRepository;
  private readonly queue = new KeyQueue();
  private readonly runner: EffectRunner;
  private readonly timers: TimerLoop;
  private readonly background = new Set<Promise<unknown>>();
  private readonly deliveryRetryTimers = new Set<NodeJS.Timeout>();
  private started = false;
  private stopping = false;

  constructor(private readonly options: ReleaseRuntimeOptions) {
    this.repo = new ReleaseRepository(options.store);
    this.deliveries = new DeliveryRepository(options.store);
    const timings = options.config.timings;
    const executor = new EffectExecutor({
      ports: options.ports,
      config: options.config,
      checkPolicy: options.checkPolicy,
      deploySlots: new Semaphore(timings.deployParallelism),
    });
    this.runner = new EffectRunner({
      repo: this.repo,
      executor,
      record: (row, effect, result) => this.recordEffect(row, effect, result),
      retryBaseMs: timings.effectRetryBaseMs,
      retryMaxMs: timings.effectRetryMaxMs,
      logger: options.logger,
    });
    this.timers = new TimerLoop(this.repo, (timer) => this.fireTimer(timer));
  }

  private get config(): ServerConfig {
    return this.options.config;
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // Effects interrupted by a crash are run again: each is idempotent by its key or a look-up.
    const resumed = this.repo.resetRunningEffects();
    if (resumed > 0) this.logger.info({ resumed }, 'resuming effects interrupted by the last stop');
    this.runner.kickAll();
    this.timers.start();
    for (const delivery of this.deliveries.unprocessed()) this.scheduleDelivery(delivery.id);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const bound = this.options.stopTimeoutMs ?? 10_000;
    for (const t of this.deliveryRetryTimers) clearTimeout(t);
    this.deliveryRetryTimers.clear();
    await this.timers.stop();
    const finished = await this.runner.stop(bound);
    if (!finished)
      this.logger.warn(
        { boundMs: bound },
        'effects still running at shutdown: they resume at the next start',
      );
    await Promise.race([
      Promise.allSettled([this.queue.drained(), ...this.background]),
      new Promise((resolve) => setTimeout(resolve, bound).unref()),
    ]);
    this.options.store.close();
  }

  ready(): boolean {
    if (!this.started || this.stopping || !this.options.store.isOpen()) return false;
    try {
      this.options.store.sqlite.prepare('select 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async idle(): Promise<void> {
    for (;;) {
      if (this.stopping || !this.options.store.isOpen()) return;
      await this.queue.drained();
      await Promise.allSettled([...this.background]);
      const now = Date.now();
      const quiet =
        !this.runner.busy &&
        !this.timers.busy &&
        this.queue.activeKeys === 0 &&
        this.background.size === 0 &&
        !this.repo.hasDueEffects(now) &&
        this.repo.dueTimers(now).length === 0;
      if (quiet) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // ---- intake and events -----------------------------------------------------------------------

  async intake(request: NormalizedRequest, by: string): Promise<IntakeResult> {
    this.assertRunning();
    const releaseId = releaseIdFor(request.summary);
    const result = await this.queue.run(releaseId, (): IntakeResult => {
      const existing = this.repo.getById(releaseId);
      if (!existing) return this.createRelease(releaseId, request, by);
      const decision = this.applyLocked(
        releaseId,
        { type: 'NEW_ITERATION', request, by },
        { source: 'intake', actor: by, request: { by, body: request } },
      );
      const release = this.viewById(releaseId);
      if (!decision.accepted && decision.refusal)
        return { outcome: 'refused', release, refusal: decision.refusal };
      return { outcome: 'iteration', release };
    });
    if (result.outcome !== 'created' || result.release.key !== null) return result;
    // The issue is created by the effect runner after the commit; the release system wants its key in
    // the answer, so wait a little for it. If Jira is slow the answer says key null and the release id.
    const key = await this.waitForIssueKey(releaseId, this.config.timings.intakeIssueWaitMs);
    return key === null ? result : { ...result, release: this.viewById(releaseId) };
  }

  private async waitForIssueKey(releaseId: string, timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const key = this.repo.getById(releaseId)?.issueKey ?? null;
      if (key !== null || Date.now() >= deadline || this.stopping) return key;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async sendEvent(ref: string, event: PersonEvent, source: 'operator'): Promise<EventResult | null> {
    this.assertRunning();
    const row = this.repo.find(ref);
    if (!row) return null;
    return this.queue.run(row.releaseId, () => {
      const decision = this.applyLocked(row.releaseId, event, { source, actor: event.by });
      const release = this.viewById(row.releaseId);
      if (!decision.accepted && decision.refusal)
        return { outcome: 'refused', release, refusal: decision.refusal };
      return { outcome: 'applied', release };
    });
  }

  /** The release's settings, copied from configuration at creation (later config changes do not move it). */
  private settings(): ReleaseSettings {
    const t = this.config.timings;
    return {
      sqlMode: this.config.sqlMode,
      archeryPollMs: t.archeryPollMs,
      cmdbPollMs: t.cmdbPollMs,
      preDeployDelayMs: t.preDeployDelayMs,
      deployTimeoutMs: t.deployTimeoutMs,
      deployRetries: t.deployRetries,
      policyGate: this.config.policy.gate,
      apolloAutomatic: this.config.apollo !== null,
    };
  }

  private createRelease(releaseId: string, request: NormalizedRequest, by: string): IntakeResult {
    const decision = startRelease({
      releaseId,
      request,
      settings: this.settings(),
      // DF-V002: a release never goes below the version last brought to UAT for the same project.
      previous: { version: this.repo.lastAppliedVersion(request.project, request.env, releaseId) },
    });
    const parts = this.splitEffects(decision.effects);
    this.repo.createRelease(
      {
        releaseId,
        summary: request.summary,
        issueKey: decision.context.issueKey,
        project: request.project,
        jiraProject: request.jiraProject,
        env: request.env,
        state: decision.state,
        iteration: decision.context.iteration,
        machineVersion: decision.next.machineVersion,
        snapshot: decision.next.snapshot,
      },
      {
        audit: [
          {
            source: 'intake',
            actor: by,
            event: 'RELEASE_REQUESTED',
            fromState: null,
            toState: decision.state,
            accepted: true,
            detail: {
              iteration: decision.context.iteration,
              dropped: request.dropped,
              effects: effectTypes(decision),
            },
          },
        ],
        ...parts,
        request: { iteration: decision.context.iteration, by, body: request },
      },
    );
    this.afterCommit(releaseId, parts);
    return { outcome: 'created', release: this.viewById(releaseId) };
  }

  /**
   * Decide `event` on the release and commit the decision. Must run inside the release's queue slot.
   * A refused event changes nothing but is recorded.
   */
  private applyLocked(releaseId: string, event: ReleaseEvent, meta: ApplyMeta): Decision {
    const row = this.repo.getById(releaseId);
    if (!row) throw new UnknownReleaseError(releaseId);
    const decision = decide({ machineVersion: row.machineVersion, snapshot: row.snapshot }, event);
    const effects = [...decision.effects, ...(meta.extraEffects?.(decision) ?? [])];
    const parts = this.splitEffects(effects);
    const entry: AuditInput = {
      source: meta.source,
      actor: meta.actor,
      event: event.type,
      fromState: row.state,
      toState: decision.accepted ? decision.state : row.state,
      accepted: decision.accepted,
      detail: {
        event: eventDetail(event),
        ...(decision.refusal ? { refusal: decision.refusal } : {}),
        ...(effects.length > 0 ? { effects: effects.map((e) => e.type) } : {}),
      },
    };
    const write: DecisionWrite = {
      releaseId,
      audit: [...(meta.extraAudit ?? []), entry],
      ...parts,
      completeEffect: meta.completeEffect,
      firedTimer: meta.firedTimer,
      finishDelivery: meta.finishDelivery?.(decision),
    };
    if (decision.accepted) {
      write.release = {
        expectedRevision: row.revision,
        state: decision.state,
        iteration: decision.context.iteration,
        issueKey: decision.context.issueKey ?? row.issueKey,
        machineVersion: decision.next.machineVersion,
        snapshot: decision.next.snapshot,
      };
      const version = decision.context.request.version;
      if (
        version !== null &&
        productStateOf(decision.state) === 'uatComplete' &&
        row.state !== decision.state
      ) {
        write.release.appliedVersion = version;
      }
      if (meta.request) {
        write.request = {
          iteration: decision.context.iteration,
          by: meta.request.by,
          body: meta.request.body,
        };
      }
    }
    this.repo.commitDecision(write);
    this.afterCommit(releaseId, parts);
    this.logger.info(
      { releaseId, event: event.type, from: row.state, to: entry.toState, accepted: decision.accepted },
      decision.accepted ? 'event applied' : 'event refused',
    );
    return decision;
  }

  private splitEffects(
    effects: ReleaseEffect[],
  ): Pick<DecisionWrite, 'effects' | 'scheduleTimers' | 'cancelTimers'> {
    const parts: Pick<DecisionWrite, 'effects' | 'scheduleTimers' | 'cancelTimers'> = {
      effects: [],
      scheduleTimers: [],
      cancelTimers: [],
    };
    const now = Date.now();
    for (const effect of effects) {
      if (effect.type === 'timer.schedule') {
        parts.scheduleTimers.push({
          name: effect.timer,
          dueAt: now + effect.delayMs,
          scheduleKey: effect.idempotencyKey,
        });
      } else if (effect.type === 'timer.cancel') {
        parts.cancelTimers.push(effect.timer);
      } else {
        parts.effects.push({ idempotencyKey: effect.idempotencyKey, type: effect.type, payload: effect });
      }
    }
    return parts;
  }

  private afterCommit(
    releaseId: string,
    parts: Pick<DecisionWrite, 'effects' | 'scheduleTimers' | 'cancelTimers'>,
  ): void {
    if (!this.started || this.stopping) return;
    if (parts.effects.length > 0) this.runner.kick(releaseId);
    if (parts.scheduleTimers.length > 0 || parts.cancelTimers.length > 0) this.timers.arm();
  }

  // ---- effect outcomes and timers --------------------------------------------------------------

  private recordEffect(row: OutboxRow, effect: ReleaseEffect, result: EffectResult): Promise<void> {
    return this.queue.run(row.releaseId, () => {
      const release = this.repo.getById(row.releaseId);
      const state = release?.state ?? null;
      const outcomeEntry: AuditInput = {
        source: 'runner',
        actor: 'cdflow',
        event: `effect:${effect.type}`,
        fromState: state,
        toState: state,
        accepted: result.kind !== 'failed',
        detail: {
          outcome: result.kind === 'failed' ? 'failed' : 'done',
          idempotencyKey: row.idempotencyKey,
          attempts: row.attempts + 1,
          ...(result.kind === 'failed' ? { error: result.reason } : {}),
          ...(result.kind === 'done' && result.detail !== undefined ? { result: result.detail } : {}),
        },
      };
      const complete = {
        id: row.id,
        status: result.kind === 'failed' ? ('failed' as const) : ('done' as const),
        error: result.kind === 'failed' ? result.reason : null,
      };
      if (result.kind === 'done') {
        this.repo.commitDecision({
          releaseId: row.releaseId,
          audit: [outcomeEntry],
          effects: [],
          scheduleTimers: [],
          cancelTimers: [],
          completeEffect: complete,
        });
        return;
      }
      try {
        this.applyLocked(row.releaseId, result.event, {
          source: 'runner',
          actor: 'cdflow',
          completeEffect: complete,
          extraAudit: [outcomeEntry],
        });
      } catch (error) {
        // The outcome cannot be decided (e.g. a snapshot of an unknown machine version): record it and
        // move on, rather than retrying an effect whose result can never be applied.
        const reason = describeError(error);
        this.logger.error(
          { releaseId: row.releaseId, effect: effect.type, err: reason },
          'effect outcome not applied',
        );
        this.repo.commitDecision({
          releaseId: row.releaseId,
          audit: [
            outcomeEntry,
            {
              source: 'runner',
              actor: 'cdflow',
              event: (result.event as EffectResultEvent).type,
              fromState: state,
              toState: state,
              accepted: false,
              detail: { error: reason },
            },
          ],
          effects: [],
          scheduleTimers: [],
          cancelTimers: [],
          completeEffect: { id: row.id, status: 'failed', error: reason },
        });
      }
    });
  }

  private fireTimer(timer: TimerRow): Promise<void> {
    return this.queue.run(timer.releaseId, () => {
      const current = this.repo.getTimer(timer.id);
      // Cancelled or rescheduled while waiting for the queue: the newer schedule fires on its own.
      if (!current || current.scheduleKey !== timer.scheduleKey || current.dueAt > Date.now()) return;
      try {
        this.applyLocked(
          timer.releaseId,
          { type: 'TIMER_FIRED', timer: timer.name },
          { source: 'system', actor: 'timer', firedTimer: { id: timer.id, scheduleKey: timer.scheduleKey } },
        );
      } catch (error) {
        const reason = describeError(error);
        this.logger.error(
          { releaseId: timer.releaseId, timer: timer.name, err: reason },
          'timer not applied',
        );
        this.repo.commitDecision({
          releaseId: timer.releaseId,
          audit: [
            {
              source: 'system',
              actor: 'timer',
              event: 'TIMER_FIRED',
              fromState: null,
              toState: null,
              accepted: false,
              detail: { timer: timer.name, error: reason },
            },
          ],
          effects: [],
          scheduleTimers: [],
          cancelTimers: [],
          firedTimer: { id: timer.id, scheduleKey: timer.scheduleKey },
        });
      }
    });
  }

  // ---- Jira deliveries -------------------------------------------------------------------------

  acceptJiraDelivery(delivery: JiraDelivery, rawSize: number): { duplicate: boolean } {
    this.assertRunning();
    const id = this.deliveries.insert({
      dedupeKey: delivery.dedupeKey,
      webhookEvent: delivery.webhookEvent,
      issueKey: delivery.issueKey,
      delivery,
      rawSize,
    });
    if (id === null) return { duplicate: true };
    this.scheduleDelivery(id);
    return { duplicate: false };
  }

  /** Process after the caller has answered Jira (the delivery is already committed). */
  private scheduleDelivery(id: number, delayMs = 0): void {
    if (this.stopping) return;
    let settle: () => void = () => {};
    const tracked = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.background.add(tracked);
    const run = () => {
      this.processDelivery(id)
        .catch((error: unknown) => {
          this.logger.error({ delivery: id, err: describeError(error) }, 'Jira delivery processing failed');
        })
        .finally(() => {
          this.background.delete(tracked);
          settle();
        });
    };
    if (delayMs > 0) {
      // A retry later is not "work in flight" for idle(): drop the marker until it runs.
      this.background.delete(tracked);
      settle();
      const t = setTimeout(() => {
        this.deliveryRetryTimers.delete(t);
        this.scheduleDelivery(id);
      }, delayMs);
      this.deliveryRetryTimers.add(t);
      return;
    }
    setImmediate(run);
  }

  private async processDelivery(id: number): Promise<void> {
    const row = this.deliveries.get(id);
    if (row?.status !== 'received' || this.stopping) return;
    const delivery = row.delivery as JiraDelivery;
    if (!delivery.issueKey) {
      this.deliveries.finish(id, 'no-issue', { webhookEvent: delivery.webhookEvent });
      return;
    }
    const release = this.repo.getByIssueKey(delivery.issueKey);
    if (!release) {
      this.logger.info({ issueKey: delivery.issueKey }, 'Jira delivery for an issue cdflow does not manage');
      this.deliveries.finish(id, 'unknown-issue', {
        issueKey: delivery.issueKey,
        webhookEvent: delivery.webhookEvent,
      });
      return;
    }
    if (delivery.statusChange === null) {
      // Comments, field edits, creation: no decision of a person to map (and answering a comment with a
      // comment would feed a loop). Recorded; the release's own state is untouched.
      this.deliveries.finish(id, 'no-status-change', {
        issueKey: delivery.issueKey,
        webhookEvent: delivery.webhookEvent,
        user: delivery.user,
      });
      return;
    }
    const releaseId = release.releaseId;
    await this.queue.run(releaseId, async () => {
      let currentStatus: string;
      try {
        currentStatus = (await this.options.ports.jira.getIssue(delivery.issueKey as string)).status;
      } catch (error) {
        const reason = describeError(error);
        const attempts = row.attempts + 1;
        if (isRetryable(error) && attempts <= deliveryRetries) {
          this.deliveries.recordAttempt(id, attempts, reason);
          const t = this.config.timings;
          this.scheduleDelivery(id, retryDelayMs(attempts, t.effectRetryBaseMs, t.effectRetryMaxMs));
        } else {
          this.deliveries.finish(id, 'error', { error: reason, attempts });
        }
        this.logger.warn({ issueKey: delivery.issueKey, err: reason }, 'could not re-read the Jira issue');
        return;
      }
      this.decideDelivery(id, releaseId, delivery, currentStatus);
    });
  }

  /** Map the issue's current status (the delivery is only a hint) to a decision. Inside the queue slot. */
  private decideDelivery(id: number, releaseId: string, delivery: JiraDelivery, currentStatus: string): void {
    const row = this.repo.getById(releaseId);
    if (!row) return;
    const names = this.config.jira.names;
    const described = describeRelease({ machineVersion: row.machineVersion, snapshot: row.snapshot });
    const machineStatus = names.statuses[topState(described.state)];
    const by = delivery.user ?? 'unknown';
    const base = { issueKey: delivery.issueKey, by, current: currentStatus, hint: delivery.statusChange };
    if (currentStatus === machineStatus) {
      // Jira already shows what the machine says: an echo, a duplicate or a late delivery. Nothing to decide.
      this.deliveries.finish(id, 'in-sync', base);
      return;
    }
    const mirror = described.context.jiraMirror as ReleaseStateId | null;
    const from = mirror ? names.statuses[topState(mirror)] : (delivery.statusChange?.from ?? machineStatus);
    const current = { state: described.state, context: described.context };
    const options = { names, cdflowUser: this.config.jira.user };
    // The delivery's own change, when it starts where the release is, says exactly what the person did
    // (Jira may show more since: two quick moves). It comes first; the re-read status is caught up after.
    // Otherwise (out of order, or no usable change) the re-read status is interpreted from the mirror.
    const hint = delivery.statusChange;
    let change = { from, to: currentStatus, by };
    let interpreted: ReturnType<typeof interpretJiraChange> | null = null;
    let catchUpTo: string | null = null;
    if (hint !== null && hint.from === from && hint.to !== from) {
      const step = interpretJiraChange(current, { from, to: hint.to, by }, options);
      if (step.kind === 'event') {
        interpreted = step;
        change = { from, to: hint.to, by };
        catchUpTo = hint.to === currentStatus ? null : currentStatus;
      }
    }
    interpreted ??= interpretJiraChange(current, change, options);
    switch (interpreted.kind) {
      case 'echo':
      case 'ignored': {
        this.repo.commitDecision({
          releaseId,
          audit:
            interpreted.kind === 'ignored'
              ? [
                  {
                    source: 'jira',
                    actor: by,
                    event: 'JIRA_STATUS_CHANGE',
                    fromState: row.state,
                    toState: row.state,
                    accepted: false,
                    detail: { ...change, outcome: 'ignored', reason: interpreted.reason },
                  },
                ]
              : [],
          effects: [],
          scheduleTimers: [],
          cancelTimers: [],
          finishDelivery: {
            id,
            outcome: interpreted.kind,
            detail: { ...base, ...('reason' in interpreted ? { reason: interpreted.reason } : {}) },
          },
        });
        return;
      }
      case 'refused': {
        const comment = this.refusalComment(
          releaseId,
          id,
          row.state,
          change,
          interpreted.reason,
          described.acceptedEvents,
        );
        const parts = this.splitEffects([comment]);
        this.repo.commitDecision({
          releaseId,
          audit: [
            {
              source: 'jira',
              actor: by,
              event: 'JIRA_STATUS_CHANGE',
              fromState: row.state,
              toState: row.state,
              accepted: false,
              detail: { ...change, outcome: 'refused', reason: interpreted.reason },
            },
          ],
          ...parts,
          finishDelivery: { id, outcome: 'refused', detail: { ...base, reason: interpreted.reason } },
        });
        this.afterCommit(releaseId, parts);
        return;
      }
      case 'event': {
        this.applyLocked(releaseId, interpreted.event, {
          source: 'jira',
          actor: by,
          finishDelivery: (decision) => ({
            id,
            outcome: decision.accepted ? 'applied' : 'refused',
            detail: {
              ...base,
              event: interpreted.event.type,
              ...(catchUpTo ? { jiraNow: catchUpTo } : {}),
              ...(decision.refusal ? { refusal: decision.refusal } : {}),
            },
          }),
          extraEffects: (decision) =>
            decision.accepted || !decision.refusal
              ? []
              : [
                  this.refusalComment(
                    releaseId,
                    id,
                    row.state,
                    change,
                    decision.refusal.message,
                    decision.refusal.acceptedEvents,
                  ),
                ],
        });
        if (catchUpTo !== null) this.catchUpWithJira(releaseId, catchUpTo);
        return;
      }
    }
  }

  /** After a delivery's own step, apply the person's next step that the re-read status shows, if it is one. */
  private catchUpWithJira(releaseId: string, currentStatus: string): void {
    const row = this.repo.getById(releaseId);
    if (!row) return;
    const names = this.config.jira.names;
    const described = describeRelease({ machineVersion: row.machineVersion, snapshot: row.snapshot });
    if (names.statuses[topState(described.state)] === currentStatus) return;
    const mirror = described.context.jiraMirror as ReleaseStateId | null;
    if (!mirror) return;
    const by = 'unknown (seen on re-reading Jira)';
    const next = interpretJiraChange(
      { state: described.state, context: described.context },
      { from: names.statuses[topState(mirror)], to: currentStatus, by },
      { names, cdflowUser: this.config.jira.user },
    );
    // Only an accepted step is caught up; anything else waits for that move's own delivery.
    if (next.kind === 'event') this.applyLocked(releaseId, next.event, { source: 'jira', actor: by });
  }

  private refusalComment(
    releaseId: string,
    deliveryId: number,
    state: string,
    change: { from: string; to: string; by: string },
    reason: string,
    acceptedEvents: string[],
  ): ReleaseEffect {
    const names = this.config.jira.names;
    const top = topState(state);
    const moves = jiraWorkflowGraph
      .filter((t) => t.from === top && t.key !== 'create')
      .map((t) => `${names.transitions[t.key]} → ${names.statuses[t.to]}`);
    const body = [
      `cdflow did not apply the move from "${change.from}" to "${change.to}" by ${change.by}: ${reason}`,
      `The release stays in ${names.statuses[top]} (${state}); move the issue back to "${names.statuses[top]}".`,
      moves.length > 0 ? `Moves cdflow accepts from here: ${moves.join('; ')}.` : '',
      acceptedEvents.length > 0 ? `Events accepted now: ${acceptedEvents.join(', ')}.` : '',
    ]
      .filter(Boolean)
      .join('\n');
    return { type: 'jira.comment', idempotencyKey: `${releaseId}:delivery:${deliveryId}:comment`, body };
  }

  // ---- queries ---------------------------------------------------------------------------------

  getRelease(ref: string): ReleaseView | null {
    const row = this.repo.find(ref);
    return row ? toReleaseView(row, this.config.jira.names) : null;
  }

  findBySummary(summary: string): ReleaseView | null {
    const row = this.repo.getBySummary(summary);
    return row ? toReleaseView(row, this.config.jira.names) : null;
  }

  listReleases(filter: ListFilter): { total: number; items: ReleaseView[] } {
    const { total, rows } = this.repo.list(filter);
    return { total, items: rows.map((row) => toReleaseView(row, this.config.jira.names)) };
  }

  history(ref: string): HistoryEntry[] | null {
    const row = this.repo.find(ref);
    if (!row) return null;
    return this.repo.history(row.releaseId).map((a) => ({
      seq: a.seq,
      at: a.at,
      source: a.source,
      actor: a.actor,
      event: a.event,
      fromState: a.fromState,
      toState: a.toState,
      accepted: a.accepted,
      detail: a.detail,
    }));
  }

  private viewById(releaseId: string): ReleaseView {
    const row = this.repo.getById(releaseId);
    if (!row) throw new UnknownReleaseError(releaseId);
    return toReleaseView(row, this.config.jira.names);
  }

  private assertRunning(): void {
    if (this.stopping) throw new RuntimeStoppedError();
  }
}

function topState(state: string): ReleaseStateId {
  const top = state.split('.')[0] as ReleaseStateId;
  return (releaseStates as readonly string[]).includes(top) ? top : 'sqlPending';
}

function effectTypes(decision: Decision): string[] {
  return decision.effects.map((e) => e.type);
}

/** The event as the audit trail keeps it: a new request is stored in `requests`, not repeated here. */
function eventDetail(event: ReleaseEvent): unknown {
  if (event.type === 'NEW_ITERATION')
    return { type: event.type, by: event.by, summary: event.request.summary };
  return event;
}
