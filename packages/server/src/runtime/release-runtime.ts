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
  type AppliedState,
  CdflowError,
  type Decision,
  decide,
  type Env,
  NonRetryableError,
  type NormalizedRequest,
  type PersonEvent,
  type PromotionSource,
  prodNotConfiguredMessage,
  promotedRequest,
  type Refusal,
  type ReleaseEffect,
  type ReleaseEvent,
  type ReleaseSettings,
  type SqlText,
  type StartReleaseInput,
  startRelease,
  withHostFacts,
} from '@cdflow/core';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import {
  type AuditInput,
  type CommitResult,
  type DecisionWrite,
  type EffectCompletion,
  type ReleaseRow,
  RevisionConflictError,
} from '../store/release-repository.js';
import type { ReleaseStore } from '../store/release-store.js';
import { EffectRunner, type ReplicaClaims } from './effect-runner.js';
import { CmdbDeploySlots } from './effects/cmdb-deploy-slots.js';
import { describeError } from './effects/effect-errors.js';
import type { PromotionOutcome } from './effects/effect-handler.js';
import type { CheckPolicy, RuntimePorts } from './effects/runtime-ports.js';
import { HistorySweep } from './history-sweep.js';
import { JiraDeliveryProcessor } from './jira-delivery-processor.js';
import { JiraReconciler } from './jira-reconciler.js';
import { KeyQueue } from './key-queue.js';
import { OutcomeRecorder } from './outcome-recorder.js';
import type { ApplyMeta, ReleaseDecisions, WriteWithoutEvent } from './release-decisions.js';
import { type ReleaseHead, ReleaseHeads } from './release-heads.js';
import { releaseIdFor } from './release-id.js';
import { releaseSettings } from './release-settings.js';
import { listsFailedEffects, type ReleaseLive, toReleaseView } from './release-view.js';
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
  /**
   * The store: a SQLite file (this process is its only writer) or PostgreSQL, which any number of
   * replicas share (then work is claimed from it and each release's decisions take its release lock).
   */
  store: ReleaseStore;
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

/** A production request or promotion while cdflow has no production upstreams: refused, never sent to UAT's. */
export class ProdNotConfiguredError extends CdflowError {
  constructor() {
    super('PROD_NOT_CONFIGURED', prodNotConfiguredMessage);
    this.name = 'ProdNotConfiguredError';
  }
}

/** What a decision holding the store's release lock (replicas) defers until the lock's transaction commits. */
interface LockScope {
  store: ReleaseStore;
  after: Array<() => void>;
}

/** How long a readiness answer is reused (a load balancer's probes must not each cost a query). */
const readyCacheMs = 1_000;

export class ReleaseRuntime implements ReleaseRuntimeApi {
  private readonly store: ReleaseStore;
  private readonly heads: ReleaseHeads;
  private readonly queue = new KeyQueue();
  private readonly runner: EffectRunner;
  private readonly timers: TimerLoop;
  private readonly historySweep: HistorySweep;
  private readonly outcomes: OutcomeRecorder;
  private readonly jiraDeliveries: JiraDeliveryProcessor;
  private readonly reconciler: JiraReconciler;
  private readonly listeners = new Set<(change: ReleaseChange) => void>();
  /** Replicas share the store: how this one claims work (undefined on SQLite: one process). */
  private readonly replica: ReplicaClaims | undefined;
  /** Releases whose lock this process holds now, with the transaction's store. */
  private readonly lockScopes = new Map<string, LockScope>();
  /** Effect outcomes waiting for their release's next write (see `ReleaseDecisions.carry`). */
  private readonly carried = new Map<string, { audit: AuditInput[]; completions: EffectCompletion[] }>();
  private flushing: Promise<void> | null = null;
  private readyAnswer: { at: number; ready: Promise<boolean> } | null = null;
  private started = false;
  private stopping = false;

  constructor(private readonly options: ReleaseRuntimeOptions) {
    this.store = options.store;
    const shared = options.store.dialect === 'postgres';
    const r = options.config.replica;
    this.replica = shared
      ? { owner: r.id, leaseMs: r.leaseMs, pollMs: r.pollMs, concurrency: r.concurrency }
      : undefined;
    this.heads = new ReleaseHeads(this.store, shared);
    const decisions: ReleaseDecisions = {
      exclusive: (releaseId, task) => this.exclusive(releaseId, task),
      serial: (releaseId, task) => this.queue.run(releaseId, task),
      locked: (releaseId, task) => this.locked(releaseId, task),
      head: (releaseId) => this.heads.current(releaseId, this.storeOf(releaseId)),
      apply: (releaseId, event, meta) => this.applyLocked(releaseId, event, meta),
      commit: (write, effects) => this.commitWithoutEvent(write, effects),
      carry: (releaseId, entry, completion) => this.carry(releaseId, entry, completion),
    };
    this.outcomes = new OutcomeRecorder({
      heads: this.heads,
      logger: options.logger,
      decisions,
      timers: () => this.timers,
      storeUp: () => this.store.ping(),
    });
    const timings = options.config.timings;
    const deliveries = this.store.deliveries;
    this.runner = new EffectRunner({
      store: this.store,
      heads: this.heads,
      deps: {
        ports: options.ports,
        config: options.config,
        checkPolicy: options.checkPolicy,
        // Replicas: a task started here may be polled elsewhere; its slot here lasts a few polls.
        deploySlots: new CmdbDeploySlots(
          timings.deployParallelism,
          timings.deployTimeoutMs,
          Date.now,
          shared
            ? Math.min(timings.deployTimeoutMs, Math.max(5_000, 3 * (timings.cmdbPollMs + r.pollMs)))
            : timings.deployTimeoutMs,
        ),
        lastSeenJiraStatus: (issueKey) => deliveries.lastSeenStatus(issueKey),
        promote: (input) => this.promote(input),
      },
      record: (row, effect, result, owner) => this.outcomes.recordEffect(row, effect, result, owner),
      leaving: async (releaseId) => {
        await this.writeCarried(releaseId);
        this.historySweep.soon();
      },
      retryPolicy: effectRetryPolicy(timings),
      logger: options.logger,
      ...(this.replica ? { replica: this.replica } : {}),
    });
    this.timers = new TimerLoop(this.store, (timer) => this.outcomes.fireTimer(timer), this.replica);
    this.historySweep = new HistorySweep(this.store, this.logger.child({ component: 'history-sweep' }));
    this.jiraDeliveries = new JiraDeliveryProcessor({
      store: this.store,
      deliveries,
      ports: options.ports,
      config: options.config,
      logger: options.logger,
      decisions,
      ...(this.replica ? { replica: this.replica } : {}),
    });
    this.reconciler = new JiraReconciler({
      store: this.store,
      deliveries,
      processor: this.jiraDeliveries,
      ports: options.ports,
      config: options.config,
      logger: options.logger,
      ...(this.replica ? { replicaOwner: this.replica.owner } : {}),
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
    await this.runner.kickAll();
    await this.timers.start();
    await this.jiraDeliveries.resume();
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
    // A replica stopping cleanly gives its claims back: the others take them over at once.
    if (this.replica) await this.store.releaseClaims(this.replica.owner).catch(() => undefined);
    await this.historySweep.stop();
    await this.store.close();
  }

  jiraUserGroups(username: string): Promise<string[]> {
    return this.options.ports.jira.userGroups(username);
  }

  prodConfigured(): boolean {
    return this.config.environments.PRO !== null;
  }

  ready(): Promise<boolean> {
    if (!this.started || this.stopping || !this.store.isOpen()) return Promise.resolve(false);
    const now = Date.now();
    if (this.readyAnswer && now - this.readyAnswer.at < readyCacheMs) return this.readyAnswer.ready;
    const ready = this.store.ping();
    this.readyAnswer = { at: now, ready };
    return ready;
  }

  async idle(): Promise<void> {
    for (;;) {
      if (this.stopping || !this.store.isOpen()) return;
      await this.queue.drained();
      await Promise.allSettled(this.jiraDeliveries.inFlight);
      const now = Date.now();
      const quiet =
        !(await this.runner.hasDueWork(now)) &&
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
    // Production never goes to the UAT upstreams: without its own, a production request is refused.
    if (request.env === 'PRO' && this.config.environments.PRO === null) throw new ProdNotConfiguredError();
    const releaseId = releaseIdFor(request.summary, request.env);
    const outcome = await this.exclusive(releaseId, async (): Promise<Decided> => {
      // A production request is compared with what its UAT release has applied now.
      const uat = request.env === 'PRO' ? await this.uatReference(request.summary) : undefined;
      const head = await this.heads.current(releaseId, this.storeOf(releaseId));
      if (!head) {
        try {
          const prod =
            uat === undefined ? undefined : { origin: 'request' as const, ...uatBase(uat), publishedBy: by };
          await this.createRelease(releaseId, request, by, prod);
          return { outcome: 'created' };
        } catch (error) {
          // Another replica created it meanwhile (its lock was taken first): this request iterates it.
          if (!(error instanceof RevisionConflictError)) throw error;
          this.heads.forget(releaseId);
        }
      }
      return this.decided(
        await this.applyLocked(
          releaseId,
          { type: 'NEW_ITERATION', request, by, ...(uat === undefined ? {} : { uat }) },
          { source: 'intake', actor: by, request: { by, body: request } },
        ),
      );
    });
    // Nothing is acknowledged before it is durable (one fsync for every answer of a burst).
    await this.durable();
    const head = this.heads.peek(releaseId);
    if (outcome.outcome === 'created' && !head?.issueKey) {
      // The issue is created by the effect runner after the commit; the release system wants its key in
      // the answer, so wait a little for it. If Jira is slow the answer says key null and the release id.
      // The view is read once, when the wait is over (first, only when the head is not in memory).
      const early = head ? null : await this.viewById(releaseId);
      if (early?.key) return { outcome: 'created', release: early };
      const key = await this.waitForIssue(releaseId, this.config.timings.intakeIssueWaitMs);
      if (key === null) return { outcome: 'created', release: early ?? (await this.viewById(releaseId)) };
      // The head in memory learns the key inside the commit that records it; on PostgreSQL that commit is
      // visible once its lock is let go, so the view is read after that task's slot.
      return { outcome: 'created', release: await this.queue.run(releaseId, () => this.viewById(releaseId)) };
    }
    const release = await this.viewById(releaseId);
    if (outcome.outcome === 'refused') return { outcome: 'refused', release, refusal: outcome.refusal };
    if (outcome.outcome !== 'created') return { outcome: 'iteration', release };
    return { outcome: 'created', release };
  }

  async sendEvent(
    ref: string,
    given: PersonEvent,
    source: 'operator',
    env?: Env,
  ): Promise<EventResult | null> {
    this.assertRunning();
    // A release in memory takes its slot now (arrival order); another one is looked up first.
    const releaseId = this.heads.resolve(ref) ?? (await this.store.find(ref, env))?.releaseId;
    if (releaseId === undefined) return null;
    const event = withHostFacts(given, { prodUpstreams: this.config.environments.PRO !== null });
    const outcome = await this.exclusive(releaseId, async () =>
      this.decided(await this.applyLocked(releaseId, event, { source, actor: event.by })),
    );
    await this.durable();
    const release = await this.viewById(releaseId);
    if (outcome.outcome === 'refused') return { outcome: 'refused', release, refusal: outcome.refusal };
    return { outcome: 'applied', release };
  }

  private decided(decision: Decision): Decided {
    if (!decision.accepted && decision.refusal) return { outcome: 'refused', refusal: decision.refusal };
    return { outcome: 'applied' };
  }

  /**
   * The release's issue key once its Jira issue exists, or null after `timeoutMs`. One process hears of
   * it from its own commit; a replica may see another replica's effect runner create it, so it also
   * looks at the store now and then.
   */
  private async waitForIssue(releaseId: string, timeoutMs: number): Promise<string | null> {
    if (!this.replica) return this.heads.waitForIssue(releaseId, timeoutMs);
    const until = Date.now() + timeoutMs;
    for (;;) {
      const left = until - Date.now();
      const step = Math.min(left, 50);
      const key = await this.heads.waitForIssue(releaseId, step);
      if (key !== null) return key;
      const head = await this.store.getHead(releaseId);
      if (head?.issueKey) return head.issueKey;
      if (left <= step || this.stopping) return null;
    }
  }

  // ---- holding a release -----------------------------------------------------------------------

  /**
   * Run `task` holding the release: first its slot in this process's queue (one task at a time per
   * release, in arrival order), then — replicas — the store's release lock.
   */
  private exclusive<T>(releaseId: string, task: () => Promise<T> | T): Promise<T> {
    return this.queue.run(releaseId, () => this.locked(releaseId, task));
  }

  /**
   * Hold the store's lock on the release for `task` (replicas; on SQLite the queue slot is enough). On
   * PostgreSQL the task runs in the lock's transaction: what it commits is visible once the lock is
   * let go, so the work that follows a commit (timers, the runner, listeners) waits for that; if the
   * transaction fails, everything it wrote is gone and the head in memory is dropped.
   */
  private async locked<T>(releaseId: string, task: () => Promise<T> | T): Promise<T> {
    if (!this.replica || this.lockScopes.has(releaseId)) return task();
    const after: LockScope['after'] = [];
    let result: T;
    try {
      result = await this.store.withReleaseLock(releaseId, async (store) => {
        this.lockScopes.set(releaseId, { store, after });
        try {
          return await task();
        } finally {
          this.lockScopes.delete(releaseId);
        }
      });
    } catch (error) {
      this.heads.forget(releaseId);
      throw error;
    }
    for (const run of after) run();
    return result;
  }

  /**
   * A person runs again an effect of the release that failed for good: the machine hears it
   * (EFFECT_RETRY_REQUESTED clears the failure, in the history under that person) and the failed outbox
   * row is queued again, in its own place. Null for an unknown release.
   */
  async retryEffect(ref: string, effectId: number, by: string): Promise<EffectRetryResult | null> {
    this.assertRunning();
    const releaseId = this.heads.resolve(ref) ?? (await this.store.find(ref))?.releaseId;
    if (releaseId === undefined) return null;
    const result = await this.exclusive(releaseId, async (): Promise<EffectRetryResult> => {
      const effects = await this.storeOf(releaseId).effectsOf(releaseId);
      const effect = effects.find((e) => e.id === effectId);
      if (!effect) return { outcome: 'unknown-effect', release: await this.viewById(releaseId) };
      if (effect.status !== 'failed')
        return { outcome: 'not-failed', release: await this.viewById(releaseId), status: effect.status };
      const decision = await this.applyLocked(
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
      if (!decision.accepted && decision.refusal)
        return { outcome: 'refused', release: await this.viewById(releaseId), refusal: decision.refusal };
      return { outcome: 'queued', release: await this.viewById(releaseId) };
    });
    await this.durable();
    return result;
  }

  /** The store to use for the release now: the lock's transaction while this process holds it. */
  private storeOf(releaseId: string): ReleaseStore {
    return this.lockScopes.get(releaseId)?.store ?? this.store;
  }

  /** Run `work` once what the release's current task committed is visible to everyone. */
  private afterLock(releaseId: string, work: () => void): void {
    const scope = this.lockScopes.get(releaseId);
    if (scope) scope.after.push(work);
    else work();
  }

  /** The release's settings, copied from configuration at creation (later config changes do not move it). */
  private settings(project: string, env: Env): ReleaseSettings {
    return releaseSettings(this.config, project, env);
  }

  // ---- production (a release per summary and environment) ----------------------------------------

  /** What the UAT release of `summary` has applied now (the base of a production release's differences). */
  private async uatReference(summary: string): Promise<{ releaseId: string; applied: AppliedState } | null> {
    const row = await this.store.getBySummary(summary, 'UAT');
    if (!row) return null;
    const head = await this.heads.current(row.releaseId, this.store);
    return head ? { releaseId: row.releaseId, applied: head.context.applied } : null;
  }

  /**
   * 升级运营环境 was decided on a UAT release: create its production release from exactly what it
   * applied, once (the release id is the summary's in PRO: an effect run again finds it there).
   */
  private async promote(input: { by: string; uat: PromotionSource }): Promise<PromotionOutcome> {
    if (this.config.environments.PRO === null)
      throw new NonRetryableError(prodNotConfiguredMessage, { code: 'CONFIG_INVALID' });
    const releaseId = releaseIdFor(input.uat.summary, 'PRO');
    const request = promotedRequest(input.uat, this.config.normalize.sqlFileFilters);
    const outcome = await this.exclusive(releaseId, async (): Promise<PromotionOutcome> => {
      const existing = await this.heads.current(releaseId, this.storeOf(releaseId));
      if (existing) return { kind: 'exists', releaseId, state: existing.state };
      const prod = {
        origin: 'promotion' as const,
        uatReleaseId: input.uat.releaseId,
        uatApplied: input.uat.applied,
        publishedBy: input.by,
      };
      try {
        await this.createRelease(releaseId, request, input.by, prod, input.uat.sqlTexts);
      } catch (error) {
        // Another replica created it meanwhile: it is there.
        if (!(error instanceof RevisionConflictError)) throw error;
        this.heads.forget(releaseId);
        return { kind: 'exists', releaseId, state: 'unknown' };
      }
      return { kind: 'created', releaseId };
    });
    await this.durable();
    return outcome;
  }

  private async createRelease(
    releaseId: string,
    request: NormalizedRequest,
    by: string,
    prod?: StartReleaseInput['prod'],
    sqlTexts?: Record<string, SqlText>,
  ): Promise<void> {
    const store = this.storeOf(releaseId);
    const decision = startRelease({
      releaseId,
      request,
      settings: this.settings(request.project, request.env),
      // DF-V002: a release never goes below the version last brought to UAT for the same project.
      previous: { version: await store.lastAppliedVersion(request.project, request.env, releaseId) },
      ...(prod ? { prod } : {}),
      ...(sqlTexts && Object.keys(sqlTexts).length > 0 ? { sqlTexts } : {}),
    });
    const parts = this.splitEffects(decision.effects);
    const result = await store.createRelease(
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
              dropped: request.dropped.map(({ id, section, rule }) => ({ section, id, rule })),
              // A production release: where it comes from, and how it runs there (e.g. auto is watch).
              ...(decision.context.prod
                ? {
                    prod: {
                      origin: decision.context.prod.origin,
                      uatReleaseId: decision.context.prod.uatReleaseId,
                      publishedBy: decision.context.prod.publishedBy,
                    },
                    notes: decision.context.prod.notes,
                  }
                : {}),
            },
          },
        ],
        ...parts,
        request: { iteration: decision.context.iteration, by, body: request },
        durable: 'batched',
      },
    );
    this.heads.created(releaseId, decision, result);
    this.afterLock(releaseId, () => {
      // The first decision may schedule a timer too (a code-only release's pre-deploy delay).
      this.timers.scheduled(releaseId, parts.scheduleTimers);
      void this.durable().catch(() => undefined);
      this.afterCommit(releaseId, parts, { event: null, fromState: null, decision });
    });
  }

  /**
   * Decide `event` on the release and commit the decision. Must run inside the release's queue slot.
   * A refused event changes nothing but is recorded.
   */
  private async applyLocked(
    releaseId: string,
    event: ReleaseEvent,
    meta: ApplyMeta,
    again = false,
  ): Promise<Decision> {
    const head: ReleaseHead | undefined = await this.heads.current(releaseId, this.storeOf(releaseId));
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
      await this.commit(write, decision, parts, { event, fromState: head.state, decision });
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
  private async commitWithoutEvent(write: WriteWithoutEvent, effects: ReleaseEffect[]): Promise<void> {
    const parts = this.splitEffects(effects);
    await this.commit({ ...write, ...parts }, null, parts);
  }

  /** See `ReleaseDecisions.carry`: the outcome is kept for the release's next write. */
  private carry(releaseId: string, entry: AuditInput, completion: EffectCompletion): void {
    const held = this.carried.get(releaseId) ?? { audit: [], completions: [] };
    held.audit.push(entry);
    held.completions.push(completion);
    this.carried.set(releaseId, held);
    this.heads.finished(releaseId, completion.id);
  }

  /** Write the outcomes the release carries, if any (the runner leaves the release: nothing follows now). */
  private async writeCarried(releaseId: string): Promise<void> {
    if (!this.carried.has(releaseId)) return;
    await this.exclusive(releaseId, async () => {
      if (!this.carried.has(releaseId)) return;
      await this.commitWithoutEvent({ releaseId, audit: [], durable: false }, []);
    });
  }

  /** The one way a write reaches the store: then the head, the timers, the runner and the listeners hear of it. */
  private async commit(
    given: DecisionWrite,
    decision: Decision | null,
    parts: EffectParts,
    decided?: DecidedChange,
  ): Promise<void> {
    // The outcomes the release carries are recorded first, in this write (the store keeps their order).
    const held = this.carried.get(given.releaseId);
    const write: DecisionWrite = held
      ? {
          ...given,
          audit: [...held.audit, ...given.audit],
          completeEffects: [...held.completions, ...(given.completeEffects ?? [])],
        }
      : given;
    this.carried.delete(given.releaseId);
    let result: CommitResult;
    try {
      result = await this.storeOf(write.releaseId).commitDecision(write);
    } catch (error) {
      // The store and the head disagree (another writer): read the release again next time. The outcomes
      // it carried are lost with the head: their rows are still queued in the store, and run again (each
      // looks before it acts).
      this.heads.forget(write.releaseId);
      throw error;
    }
    const finished = [
      ...(write.completeEffect ? [write.completeEffect.id] : []),
      ...(write.completeEffects ?? []).map((c) => c.id),
    ];
    this.heads.committed(write.releaseId, decision, result, finished);
    this.afterLock(write.releaseId, () => {
      // Made durable within a tick even when no caller waits for it.
      if (write.durable === 'batched') void this.durable().catch(() => undefined);
      this.timers.cancelled(write.releaseId, write.cancelTimers);
      if (write.firedTimer) {
        this.timers.firedDone(write.releaseId, write.firedTimer.name, write.firedTimer.scheduleKey);
      }
      this.timers.scheduled(write.releaseId, write.scheduleTimers);
      this.afterCommit(write.releaseId, parts, decided);
      // A person's retry queued failed rows again: the runner takes them now.
      if ((write.requeueEffects ?? []).length > 0 && this.started && !this.stopping)
        this.runner.kick(write.releaseId);
    });
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
    const answer = await this.jiraDeliveries.accept(delivery, rawSize, { durable: 'batched' });
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
        if (!this.store.isOpen()) {
          resolve();
          return;
        }
        this.store.flush().then(() => resolve(), reject);
      });
    });
    return this.flushing;
  }

  // ---- queries ---------------------------------------------------------------------------------

  async getRelease(ref: string, env?: Env): Promise<ReleaseView | null> {
    const row = await this.store.find(ref, env);
    return row ? this.view(row) : null;
  }

  async findBySummary(summary: string, env?: Env): Promise<ReleaseView | null> {
    const row = await this.store.getBySummary(summary, env);
    return row ? this.view(row) : null;
  }

  async listReleases(filter: ListFilter): Promise<{ total: number; items: ReleaseView[] }> {
    const { total, rows } = await this.store.list(filter);
    return { total, items: await Promise.all(rows.map((row) => this.view(row))) };
  }

  async history(ref: string, env?: Env): Promise<HistoryEntry[] | null> {
    const row = await this.store.find(ref, env);
    if (!row) return null;
    return (await this.store.history(row.releaseId)).map((a) => ({
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

  private async viewById(releaseId: string): Promise<ReleaseView> {
    const row = await this.store.getById(releaseId);
    if (!row) throw new UnknownReleaseError(releaseId);
    return this.view(row);
  }

  /** The query API's view, with what only the runtime knows: the effect the release waits behind, its timers. */
  private async view(row: ReleaseRow): Promise<ReleaseView> {
    // Replicas: another process may run the release's effects and hold its timers, so the store says.
    const replicaTimers = this.replica ? await this.store.timersOf(row.releaseId) : null;
    const live: ReleaseLive = {
      pendingEffect: this.replica
        ? await this.store.headEffect(row.releaseId)
        : this.heads.peekNext(row.releaseId),
      timerDueAt: (name) =>
        replicaTimers
          ? replicaTimers.find((t) => t.name === name)?.dueAt
          : this.timers.current(row.releaseId, name)?.dueAt,
      allowedGroups: this.config.people.events,
      // The summary's release in the other environment (UAT ↔ production).
      linked: (await this.store.linkOf(row.summary, row.env === 'UAT' ? 'PRO' : 'UAT')) ?? null,
      ...(listsFailedEffects(row)
        ? { failedEffects: (await this.store.effectsOf(row.releaseId)).filter((e) => e.status === 'failed') }
        : {}),
    };
    return toReleaseView(row, this.config.jira.names, live);
  }

  private assertRunning(): void {
    if (this.stopping) throw new RuntimeStoppedError();
  }
}

/** The differences base of a production release: its UAT release and what it applied (none: null). */
function uatBase(uat: { releaseId: string; applied: AppliedState } | null) {
  return { uatReleaseId: uat?.releaseId ?? null, uatApplied: uat?.applied ?? null };
}

/** What a person's or the release system's decision came to, before the release is read for the answer. */
type Decided = { outcome: 'created' | 'applied' } | { outcome: 'refused'; refusal: Refusal };

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
