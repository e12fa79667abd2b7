/**
 * The durable release runtime: the one place that turns events into committed decisions.
 *
 * For every event: take the release's queue slot (one event at a time per release, in arrival order),
 * load the snapshot, ask core's `decide`, and write snapshot + audit + effects + timers in ONE
 * transaction guarded by the release's revision. Only then are the effects run (EffectRunner) and the
 * timers armed (TimerLoop); their outcomes come back as events through the same path. Jira webhook
 * deliveries are mapped to events by the JiraDeliveryProcessor, which decides through this same path.
 */
import {
  CdflowError,
  type Decision,
  decide,
  type NormalizedRequest,
  type PersonEvent,
  type ReleaseEffect,
  type ReleaseEvent,
  type ReleaseSettings,
  startRelease,
} from '@cdflow/core';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import { DeliveryRepository } from '../store/delivery-repository.js';
import type { Store } from '../store/open-store.js';
import {
  type AuditInput,
  type CommitResult,
  type DecisionWrite,
  ReleaseRepository,
  type ReleaseRow,
  RevisionConflictError,
} from '../store/release-repository.js';
import { EffectRunner } from './effect-runner.js';
import { CmdbDeploySlots } from './effects/cmdb-deploy-slots.js';
import { describeError } from './effects/effect-errors.js';
import type { CheckPolicy, RuntimePorts } from './effects/runtime-ports.js';
import { JiraDeliveryProcessor } from './jira-delivery-processor.js';
import { JiraReconciler } from './jira-reconciler.js';
import { KeyQueue } from './key-queue.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import type { ApplyMeta, ReleaseDecisions, WriteWithoutEvent } from './release-decisions.js';
import { ReleaseHeads } from './release-heads.js';
import { releaseIdFor } from './release-id.js';
import { releaseSettings } from './release-settings.js';
import { type ReleaseLive, toReleaseView } from './release-view.js';
import { effectRetryPolicy } from './retry-policies.js';
import type {
  DecidedChange,
  EffectRetryResult,
  EventResult,
  HistoryEntry,
  IntakeResult,
  JiraDelivery,
  ListFilter,
  ReleaseChange,
  ReleaseRuntimeApi,
  ReleaseView,
} from './runtime-api.js';
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

export class RuntimeStoppedError extends CdflowError {
  constructor() {
    super(
      'RUNTIME_STOPPED',
      'cdflow is shutting down and takes no new work: send the request again once it is back.',
      { retryAfterMs: 5_000 },
    );
    this.name = 'RuntimeStoppedError';
  }
}

export class UnknownReleaseError extends CdflowError {
  constructor(ref: string) {
    super(
      'UNKNOWN_RELEASE',
      `No release ${ref}: use the Jira issue key, the release id or the summary of an existing release.`,
    );
    this.name = 'UnknownReleaseError';
  }
}

export class ReleaseRuntime implements ReleaseRuntimeApi {
  private readonly repo: ReleaseRepository;
  private readonly heads: ReleaseHeads;
  private readonly queue = new KeyQueue();
  private readonly runner: EffectRunner;
  private readonly timers: TimerLoop;
  private readonly outcomes: OutcomeRecorder;
  private readonly jiraDeliveries: JiraDeliveryProcessor;
  private readonly reconciler: JiraReconciler;
  private readonly listeners = new Set<(change: ReleaseChange) => void>();
  private flushing: Promise<void> | null = null;
  private started = false;
  private stopping = false;

  constructor(private readonly options: ReleaseRuntimeOptions) {
    this.repo = new ReleaseRepository(options.store);
    this.heads = new ReleaseHeads(this.repo);
    const decisions: ReleaseDecisions = {
      apply: (releaseId, event, meta) => this.applyLocked(releaseId, event, meta),
      commit: (write, effects) => this.commitWithoutEvent(write, effects),
    };
    this.outcomes = new OutcomeRecorder({
      heads: this.heads,
      queue: this.queue,
      logger: options.logger,
      decisions,
      timers: () => this.timers,
    });
    const timings = options.config.timings;
    const deliveries = new DeliveryRepository(options.store);
    this.runner = new EffectRunner({
      repo: this.repo,
      heads: this.heads,
      deps: {
        ports: options.ports,
        config: options.config,
        checkPolicy: options.checkPolicy,
        deploySlots: new CmdbDeploySlots(timings.deployParallelism, timings.deployTimeoutMs),
        lastSeenJiraStatus: (issueKey) => deliveries.lastSeenStatus(issueKey),
      },
      record: (row, effect, result) => this.outcomes.recordEffect(row, effect, result),
      retryPolicy: effectRetryPolicy(timings),
      logger: options.logger,
    });
    this.timers = new TimerLoop(this.repo, (timer) => this.outcomes.fireTimer(timer));
    this.jiraDeliveries = new JiraDeliveryProcessor({
      repo: this.repo,
      heads: this.heads,
      deliveries,
      queue: this.queue,
      ports: options.ports,
      config: options.config,
      logger: options.logger,
      decisions,
    });
    this.reconciler = new JiraReconciler({
      repo: this.repo,
      deliveries,
      processor: this.jiraDeliveries,
      ports: options.ports,
      config: options.config,
      logger: options.logger,
    });
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
    // Effects interrupted by a crash are run again: each is idempotent by its key or a look-up (a
    // row left `running` tells its handler that the earlier call's outcome is unknown).
    this.runner.kickAll();
    this.timers.start();
    this.jiraDeliveries.resume();
    this.reconciler.start();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const bound = this.options.stopTimeoutMs ?? 10_000;
    this.reconciler.stop();
    this.jiraDeliveries.stop();
    await this.timers.stop();
    this.heads.releaseWaiters();
    const finished = await this.runner.stop(bound);
    if (!finished)
      this.logger.warn(
        { boundMs: bound },
        'effects still running at shutdown: they resume at the next start',
      );
    await Promise.race([
      Promise.allSettled([this.queue.drained(), ...this.jiraDeliveries.inFlight]),
      new Promise((resolve) => setTimeout(resolve, bound).unref()),
    ]);
    this.options.store.close();
  }

  ready(): boolean {
    if (!this.started || this.stopping || !this.options.store.isOpen()) return false;
    try {
      this.options.store.statement('select 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async idle(): Promise<void> {
    for (;;) {
      if (this.stopping || !this.options.store.isOpen()) return;
      await this.queue.drained();
      await Promise.allSettled(this.jiraDeliveries.inFlight);
      const now = Date.now();
      const quiet =
        !this.runner.hasDueWork(now) &&
        !this.timers.busy &&
        this.queue.activeKeys === 0 &&
        !this.jiraDeliveries.busy &&
        !this.timers.dueNow(now);
      if (quiet) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // ---- intake and events -----------------------------------------------------------------------

  async intake(request: NormalizedRequest, by: string): Promise<IntakeResult> {
    this.assertRunning();
    const releaseId = releaseIdFor(request.summary);
    const result = await this.queue.run(releaseId, (): IntakeResult => {
      if (!this.heads.get(releaseId)) return this.createRelease(releaseId, request, by);
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
    // Nothing is acknowledged before it is durable (one fsync for every answer of a burst).
    await this.durable();
    if (result.outcome !== 'created' || result.release.key !== null) return result;
    // The issue is created by the effect runner after the commit; the release system wants its key in
    // the answer, so wait a little for it. If Jira is slow the answer says key null and the release id.
    const key = await this.heads.waitForIssue(releaseId, this.config.timings.intakeIssueWaitMs);
    return key === null ? result : { ...result, release: this.viewById(releaseId) };
  }

  async sendEvent(ref: string, event: PersonEvent, source: 'operator'): Promise<EventResult | null> {
    this.assertRunning();
    const row = this.repo.find(ref);
    if (!row) return null;
    const result = await this.queue.run(row.releaseId, (): EventResult => {
      const decision = this.applyLocked(row.releaseId, event, { source, actor: event.by });
      const release = this.viewById(row.releaseId);
      if (!decision.accepted && decision.refusal)
        return { outcome: 'refused', release, refusal: decision.refusal };
      return { outcome: 'applied', release };
    });
    await this.durable();
    return result;
  }

  /**
   * A person runs again an effect of the release that failed for good: the machine hears it
   * (EFFECT_RETRY_REQUESTED clears the failure, in the history under that person) and the failed outbox
   * row is queued again, in its own place. Null for an unknown release.
   */
  async retryEffect(ref: string, effectId: number, by: string): Promise<EffectRetryResult | null> {
    this.assertRunning();
    const row = this.repo.find(ref);
    if (!row) return null;
    const releaseId = row.releaseId;
    const result = await this.queue.run(releaseId, (): EffectRetryResult => {
      const effect = this.repo.effectsOf(releaseId).find((e) => e.id === effectId);
      if (!effect) return { outcome: 'unknown-effect', release: this.viewById(releaseId) };
      if (effect.status !== 'failed')
        return { outcome: 'not-failed', release: this.viewById(releaseId), status: effect.status };
      const decision = this.applyLocked(
        releaseId,
        {
          type: 'EFFECT_RETRY_REQUESTED',
          idempotencyKey: effect.idempotencyKey,
          effectType: effect.type,
          by,
        },
        {
          source: 'operator',
          actor: by,
          effect: {
            id: effect.id,
            type: effect.type,
            idempotencyKey: effect.idempotencyKey,
            lastError: effect.lastError,
          },
          requeueEffects: (d) => (d.accepted ? [effect.id] : []),
        },
      );
      const release = this.viewById(releaseId);
      if (!decision.accepted && decision.refusal)
        return { outcome: 'refused', release, refusal: decision.refusal };
      return { outcome: 'queued', release };
    });
    await this.durable();
    return result;
  }

  /** The release's settings, copied from configuration at creation (later config changes do not move it). */
  private settings(project: string): ReleaseSettings {
    return releaseSettings(this.config, project);
  }

  private createRelease(releaseId: string, request: NormalizedRequest, by: string): IntakeResult {
    const decision = startRelease({
      releaseId,
      request,
      settings: this.settings(request.project),
      // DF-V002: a release never goes below the version last brought to UAT for the same project.
      previous: { version: this.repo.lastAppliedVersion(request.project, request.env, releaseId) },
    });
    const parts = this.splitEffects(decision.effects);
    const result = this.repo.createRelease(
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
            detail: { iteration: decision.context.iteration, dropped: request.dropped },
          },
        ],
        ...parts,
        request: { iteration: decision.context.iteration, by, body: request },
        durable: 'batched',
      },
    );
    this.heads.created(releaseId, decision, result);
    // The first decision may schedule a timer too (a code-only release's pre-deploy delay).
    this.timers.scheduled(releaseId, parts.scheduleTimers);
    void this.durable().catch(() => undefined);
    this.afterCommit(releaseId, parts, { event: null, fromState: null, decision });
    return { outcome: 'created', release: this.viewById(releaseId) };
  }

  /**
   * Decide `event` on the release and commit the decision. Must run inside the release's queue slot.
   * A refused event changes nothing but is recorded.
   */
  private applyLocked(releaseId: string, event: ReleaseEvent, meta: ApplyMeta, again = false): Decision {
    const head = this.heads.get(releaseId);
    if (!head) throw new UnknownReleaseError(releaseId);
    const decision = decide(head.persisted, event);
    const effects = [...decision.effects, ...(meta.extraEffects?.(decision) ?? [])];
    const parts = this.splitEffects(effects);
    const entry: AuditInput = {
      source: meta.source,
      actor: meta.actor,
      event: event.type,
      fromState: head.state,
      toState: decision.accepted ? decision.state : head.state,
      accepted: decision.accepted,
      detail: {
        event: eventDetail(event),
        ...(meta.effect ? { effect: meta.effect } : {}),
        ...(decision.refusal ? { refusal: decision.refusal } : {}),
      },
    };
    const write: DecisionWrite = {
      releaseId,
      audit: [...(meta.extraAudit ?? []), entry],
      ...parts,
      completeEffect: meta.completeEffect,
      requeueEffects: meta.requeueEffects?.(decision),
      firedTimer: meta.firedTimer,
      finishDelivery: meta.finishDelivery?.(decision),
      // A decision someone is told of is fsync'd with the others of its tick (see `durable()`).
      durable: meta.durable === false ? false : 'batched',
    };
    if (decision.accepted) {
      write.release = {
        expectedRevision: head.revision,
        state: decision.state,
        iteration: decision.context.iteration,
        issueKey: decision.context.issueKey ?? head.issueKey,
        machineVersion: decision.next.machineVersion,
        snapshot: decision.next.snapshot,
      };
      if (decision.appliedVersion !== null) write.release.appliedVersion = decision.appliedVersion;
      if (meta.request) {
        write.request = {
          iteration: decision.context.iteration,
          by: meta.request.by,
          body: meta.request.body,
        };
      }
    }
    try {
      this.commit(write, decision, parts, { event, fromState: head.state, decision });
    } catch (error) {
      // Another writer got there first: decide once more on what it wrote (the head was dropped).
      if (error instanceof RevisionConflictError && !again)
        return this.applyLocked(releaseId, event, meta, true);
      throw error;
    }
    this.logger.info(
      { releaseId, event: event.type, from: head.state, to: entry.toState, accepted: decision.accepted },
      decision.accepted ? 'event applied' : 'event refused',
    );
    return decision;
  }

  /** Commit a write that decides no event (an outcome recorded as it is, an echo, a refused move), then run `effects`. */
  private commitWithoutEvent(write: WriteWithoutEvent, effects: ReleaseEffect[]): void {
    const parts = this.splitEffects(effects);
    this.commit({ ...write, ...parts }, null, parts);
  }

  /** The one way a write reaches the store: then the head, the timers, the runner and the listeners hear of it. */
  private commit(
    write: DecisionWrite,
    decision: Decision | null,
    parts: EffectParts,
    decided?: DecidedChange,
  ): void {
    let result: CommitResult;
    try {
      result = this.repo.commitDecision(write);
    } catch (error) {
      // The store and the head disagree (another writer): read the release again next time.
      this.heads.forget(write.releaseId);
      throw error;
    }
    const finished = [
      ...(write.completeEffect ? [write.completeEffect.id] : []),
      ...(write.completeEffects ?? []).map((c) => c.id),
    ];
    this.heads.committed(write.releaseId, decision, result, finished);
    // Made durable within a tick even when no caller waits for it.
    if (write.durable === 'batched') void this.durable().catch(() => undefined);
    this.timers.cancelled(write.releaseId, write.cancelTimers);
    if (write.firedTimer) {
      this.timers.firedDone(write.releaseId, write.firedTimer.name, write.firedTimer.scheduleKey);
    }
    this.timers.scheduled(write.releaseId, write.scheduleTimers);
    this.afterCommit(write.releaseId, parts, decided);
    if ((write.requeueEffects ?? []).length > 0 && this.started && !this.stopping)
      this.runner.kick(write.releaseId);
  }

  private splitEffects(effects: ReleaseEffect[]): EffectParts {
    const parts: EffectParts = {
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

  private afterCommit(releaseId: string, parts: EffectParts, decided?: DecidedChange): void {
    for (const listener of this.listeners) {
      try {
        listener(decided ? { releaseId, decided } : { releaseId });
      } catch (error) {
        this.logger.warn({ releaseId, err: describeError(error) }, 'a release change listener failed');
      }
    }
    if (!this.started || this.stopping) return;
    if (parts.effects.length > 0) this.runner.kick(releaseId);
  }

  subscribe(listener: (change: ReleaseChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- Jira deliveries -------------------------------------------------------------------------

  /** One reconciliation sweep now (it also runs every `jiraReconcileMs`); how many differences it found. */
  reconcileNow(): Promise<number> {
    this.assertRunning();
    return this.reconciler.sweep();
  }

  async acceptJiraDelivery(delivery: JiraDelivery, rawSize: number): Promise<{ duplicate: boolean }> {
    this.assertRunning();
    const answer = this.jiraDeliveries.accept(delivery, rawSize, { durable: 'batched' });
    await this.durable();
    return answer;
  }

  /**
   * Resolves once every write committed so far is durable: the first caller of a tick schedules one
   * flush (one fsync), the others of that tick share it.
   */
  private durable(): Promise<void> {
    this.flushing ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.flushing = null;
        try {
          if (this.options.store.isOpen()) this.options.store.flush();
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
    return this.flushing;
  }

  // ---- queries ---------------------------------------------------------------------------------

  getRelease(ref: string): ReleaseView | null {
    const row = this.repo.find(ref);
    return row ? this.view(row) : null;
  }

  findBySummary(summary: string): ReleaseView | null {
    const row = this.repo.getBySummary(summary);
    return row ? this.view(row) : null;
  }

  listReleases(filter: ListFilter): { total: number; items: ReleaseView[] } {
    const { total, rows } = this.repo.list(filter);
    return { total, items: rows.map((row) => this.view(row)) };
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
    return this.view(row);
  }

  /** The query API's view, with what only the runtime knows: the effect the release waits behind, its timers. */
  private view(row: ReleaseRow): ReleaseView {
    const live: ReleaseLive = {
      pendingEffect: this.heads.peekNext(row.releaseId),
      timerDueAt: (name) => this.timers.current(row.releaseId, name)?.dueAt,
      allowedGroups: this.config.people.events,
      failedEffects: () => this.repo.effectsOf(row.releaseId).filter((e) => e.status === 'failed'),
    };
    return toReleaseView(row, this.config.jira.names, live);
  }

  private assertRunning(): void {
    if (this.stopping) throw new RuntimeStoppedError();
  }
}

/** What a decision's effects become in a write: outbox rows, and timers scheduled or cancelled. */
type EffectParts = Pick<DecisionWrite, 'effects' | 'scheduleTimers' | 'cancelTimers'>;

/** The event as the audit trail keeps it: a new request is stored in `requests`, not repeated here. */
function eventDetail(event: ReleaseEvent): unknown {
  if (event.type === 'NEW_ITERATION')
    return { type: event.type, by: event.by, summary: event.request.summary };
  // The text is in the snapshot (sqlTexts); the trail says which file, how it was decoded, its hash.
  if (event.type === 'SQL_TEXT_FETCHED') {
    const { text: _text, ...read } = event.text;
    return { type: event.type, ref: event.ref, ...read };
  }
  return event;
}
