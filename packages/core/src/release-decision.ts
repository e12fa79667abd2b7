/**
 * The pure decision function: a persisted snapshot and an event in, the next snapshot and the effects
 * to run out. The host commits both in one transaction, then runs the effects and feeds their outcomes
 * back as events.
 *
 * It is on the hot path of every event, so it does each thing once: the actor scope XState's pure
 * `transition` would build on every call is built once; a snapshot `decide` returned is kept (by
 * identity) so the host that passes it back is not made to re-resolve it; nothing is JSON-cloned (the
 * context is immutable by construction: every change is an `assign` that builds new objects).
 */
import {
  type AnyActorScope,
  type AnyMachineSnapshot,
  createActor,
  initialTransition,
  pathToStateValue,
} from 'xstate';
import type { Decision, PersistedRelease, Refusal } from './decision-types.js';
import { jiraStatusForState } from './jira-status-mapping.js';
import { defaultJiraWorkflowNames } from './jira-workflow.js';
import { emptyAppliedState } from './plan-release.js';
import {
  defaultProdSettings,
  newProdProgress,
  prodDecisionRefusal,
  prodReleaseSettings,
} from './prod-release.js';
import { productStateOf } from './product-state.js';
import { isReleaseEffectType, type ReleaseEffect } from './release-effects.js';
import { MachineVersionError } from './release-errors.js';
import { personEventsAmong, type ReleaseEvent } from './release-events.js';
import { releaseMachine, releaseMachineVersion } from './release-machine.js';
import type {
  AppliedState,
  NormalizedRequest,
  ReleaseContext,
  ReleaseSettings,
  SqlText,
} from './release-types.js';

export interface StartReleaseInput {
  /** Stable id of the release (the host derives it from the summary); prefix of every idempotency key. */
  releaseId: string;
  request: NormalizedRequest;
  settings: ReleaseSettings;
  /** What was applied before (e.g. a release re-created from an audit trail); empty by default. */
  applied?: AppliedState;
  /** The release this one follows, for the policy gate (the last applied version of the regulation). */
  previous?: { version: string | null };
  /** SQL texts already read from the SQL source (by `sqlFileRefLabel`), e.g. by an import. */
  sqlTexts?: Record<string, SqlText>;
  /**
   * A production release (`request.env` PRO): where it comes from and what its UAT release applied.
   * It runs with `settings.prod` (`defaultProdSettings()` when absent); SQL mode `auto` runs as
   * `watch` (noted in `context.prod.notes`). Absent for a PRO request: requested, no UAT release.
   */
  prod?: {
    origin: 'promotion' | 'request';
    uatReleaseId: string | null;
    uatApplied: AppliedState | null;
    publishedBy: string;
  };
}

export interface ReleaseDescription {
  /** Dotted state id: `sqlPending.failed`, `uatComplete`, ... */
  state: string;
  context: ReleaseContext;
  /** The person events the release accepts now: what an operator or a Jira move may send. */
  acceptedEvents: string[];
  /** Every event type the active states declare, the machine's own included (effect outcomes, timers). */
  machineEvents: string[];
  final: boolean;
}

/** `{ sqlPending: 'failed' }` → `sqlPending.failed`. */
export function stateIdOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0]!;
  return `${key}.${stateIdOf(child)}`;
}

/** `sqlPending.failed` → `{ sqlPending: 'failed' }` (XState's own `pathToStateValue`). */
export function stateValueOf(stateId: string): string | Record<string, unknown> {
  const value = pathToStateValue(stateId.split('.'));
  return typeof value === 'string' ? value : (value as Record<string, unknown>);
}

/** Snapshots `decide` produced, by the persisted object it returned: passing it back skips resolving. */
const live = new WeakMap<PersistedRelease, AnyMachineSnapshot>();

let scope: (AnyActorScope & { collected: unknown[] }) | null = null;
/**
 * One inert actor scope for every pure transition (what XState's `transition()` builds per call). Its
 * `self` is an actor that is never started; actions are collected, never executed.
 */
function pureScope(): AnyActorScope & { collected: unknown[] } {
  if (scope) return scope;
  const self = createActor(releaseMachine, { input: scopeInput() });
  const collected: unknown[] = [];
  scope = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (action: unknown) => {
      collected.push(action);
    },
    collected,
  } as unknown as AnyActorScope & { collected: unknown[] };
  return scope;
}

/** A minimal input so the never-started actor of the scope builds its context without throwing. */
function scopeInput() {
  const request: NormalizedRequest = {
    project: '',
    jiraProject: '',
    summary: '',
    env: 'UAT',
    issueType: '',
    upgradeType: '',
    functionList: [],
    version: null,
    sql: [],
    apollo: [],
    config: [],
    code: [],
    dropped: [],
  };
  return {
    releaseId: 'scope',
    request,
    settings: {
      sqlMode: 'manual' as const,
      archeryPollMs: 1,
      cmdbPollMs: 1,
      preDeployDelayMs: 0,
      deployTimeoutMs: 1,
      deployRetries: 0,
      deployRetryPauseMs: 1,
      policyGate: false,
      apolloAutomatic: false,
    },
    applied: emptyAppliedState(),
    previousVersion: null,
  };
}

function pureTransition(
  snapshot: AnyMachineSnapshot,
  event: ReleaseEvent,
): [AnyMachineSnapshot, Array<{ type: string; params?: unknown }>] {
  const s = pureScope();
  s.collected.length = 0;
  const next = releaseMachine.transition(snapshot as never, event, s) as AnyMachineSnapshot;
  const actions = s.collected.splice(0) as Array<{ type: string; params?: unknown }>;
  return [next, actions];
}

function persist(snapshot: AnyMachineSnapshot): PersistedRelease {
  const persisted: PersistedRelease = {
    machineVersion: releaseMachineVersion,
    snapshot: releaseMachine.getPersistedSnapshot(snapshot as never),
  };
  live.set(persisted, snapshot);
  return persisted;
}

function restore(persisted: PersistedRelease): AnyMachineSnapshot {
  const known = live.get(persisted);
  if (known) return known;
  if (persisted.machineVersion !== releaseMachineVersion) {
    throw new MachineVersionError(persisted.machineVersion, releaseMachineVersion);
  }
  const raw = persisted.snapshot as { value?: unknown; context?: unknown } | null;
  if (!raw || typeof raw !== 'object' || raw.value === undefined || !raw.context) {
    throw new MachineVersionError('(unreadable snapshot)', releaseMachineVersion);
  }
  let snapshot: AnyMachineSnapshot;
  try {
    snapshot = releaseMachine.resolveState({
      value: raw.value as never,
      context: raw.context as ReleaseContext,
    });
  } catch (error) {
    // A state this machine does not have: refuse the whole snapshot rather than half-load it.
    throw new MachineVersionError(
      `${releaseMachineVersion} with unknown state ${JSON.stringify(raw.value)} (${(error as Error).message})`,
      releaseMachineVersion,
    );
  }
  live.set(persisted, snapshot);
  return snapshot;
}

/** Event types the active states declare (guards aside), internal ones included. */
function machineEventsOf(snapshot: AnyMachineSnapshot): string[] {
  if (snapshot.status === 'done') return [];
  const types = new Set<string>();
  for (const node of snapshot._nodes) {
    for (const type of node.ownEvents) {
      if (!type.startsWith('xstate.') && type !== '') types.add(type);
    }
  }
  return [...types].sort();
}

/** Gives each effect its deterministic idempotency key (see release-effects.ts) and its decision's revision. */
function toEffects(
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
  context: ReleaseContext,
): ReleaseEffect[] {
  const effects: ReleaseEffect[] = [];
  const used = new Map<string, number>();
  const revision = context.revision;
  const base = `${context.releaseId}:i${context.iteration}:r${revision}`;
  for (const action of actions) {
    if (!isReleaseEffectType(action.type)) continue;
    const params = (action.params ?? {}) as Record<string, unknown>;
    const effect = { type: action.type, ...params } as ReleaseEffect;
    const detail = decisionDetail(effect);
    const key =
      releaseScopedKey(context.releaseId, effect) ??
      (detail === undefined ? `${base}:${effect.type}` : `${base}:${effect.type}:${detail}`);
    // Two effects of one type and detail in one decision stay distinct.
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    effects.push({ ...effect, idempotencyKey: n === 0 ? key : `${key}:${n + 1}`, revision });
  }
  return effects;
}

/**
 * The key of an effect that is done once for the whole release, whatever decision asks for it again (the
 * issue, an order of one content, a file read, a cancel, the promotion); undefined for the others.
 */
function releaseScopedKey(releaseId: string, effect: ReleaseEffect): string | undefined {
  switch (effect.type) {
    case 'jira.ensureIssue':
      return `${releaseId}:issue`;
    case 'archery.submitOrder':
      return `${releaseId}:sql:${effect.order.sqlId}:${effect.order.hash}`;
    case 'sql.fetch':
      return `${releaseId}:sql.fetch:${effect.ref}`;
    case 'archery.cancelOrder':
      return `${releaseId}:cancel:${effect.workflowId}`;
    case 'release.promote':
      return `${releaseId}:promote`;
    default:
      return undefined;
  }
}

/** What tells one effect of a decision from another of its type (the service, status, timer, order). */
function decisionDetail(effect: ReleaseEffect): string | number | undefined {
  switch (effect.type) {
    case 'cmdb.findTargets':
      return effect.service;
    case 'jira.moveTo':
      return effect.state;
    case 'timer.schedule':
    case 'timer.cancel':
      return effect.timer;
    case 'archery.executeOrder':
      return effect.workflowId;
    default:
      return undefined;
  }
}

/** A production release's settings and progress as it starts (null for a UAT release). */
function prodStart(input: StartReleaseInput) {
  if (input.request.env !== 'PRO' && input.prod === undefined) return null;
  // Without production settings of its own, a production release runs with the default ones.
  const prodSettings = input.settings.prod ?? defaultProdSettings();
  const { settings, notes } = prodReleaseSettings(input.settings, prodSettings);
  const from = input.prod ?? {
    origin: 'request' as const,
    uatReleaseId: null,
    uatApplied: null,
    publishedBy: 'release-system',
  };
  return { settings, progress: newProdProgress({ ...from, notes }) };
}

/** Rule 7: the stages during which a new request is refused (retry when the stage ends). */
const midStage: ReadonlySet<string> = new Set(['sqlExecuting', 'configExecuting', 'codeExecuting']);

/**
 * A completed production release still takes 升级流程结束 (its Jira workflow goes on only there), but no
 * new request: for a re-publish it is final.
 */
function finalForRequests(top: string, event: ReleaseEvent): boolean {
  return event.type === 'NEW_ITERATION' && endedForRequests.has(top);
}

/** States whose release takes no new request ever (a re-publish there is final, not "retry later"). */
const endedForRequests: ReadonlySet<string> = new Set([
  'prodComplete',
  'prodUpgrade',
  'prodRejected',
  'closed',
]);

/** Why a release that ended takes nothing more, and what to do instead. */
function finalMessage(top: string, status: string, event: ReleaseEvent): string {
  const what = event.type === 'NEW_ITERATION' ? 'new request (re-publish)' : event.type;
  if (top === 'prodComplete') {
    return (
      `The production release is complete (${status}): it is final for a new request, as its Jira workflow ` +
      'goes on only to 升级流程结束. Publish further changes under a new summary.'
    );
  }
  if (top === 'prodRejected') {
    return (
      `The production release was rejected (${status}): it is final and takes no ${what}. ` +
      'Publish the corrected change under a new summary, or promote the UAT release again once fixed.'
    );
  }
  if (top === 'prodUpgrade') {
    return (
      `The release was promoted to production (${status}): its UAT release is final and takes no ${what}. ` +
      'Its production release (env PRO, the same summary) carries on with what UAT applied: to change ' +
      'production, iterate in PRO (publish the release with env PRO); for another UAT upgrade, publish it ' +
      'under a new summary.'
    );
  }
  return (
    `The release is closed (${status}): it is final and takes no ${what}. ` +
    'Publish the change under a new summary: it becomes a new release.'
  );
}

function refusalKind(state: string, event: ReleaseEvent, final: boolean): Refusal['kind'] {
  if (final || finalForRequests(state.split('.')[0] ?? state, event)) return 'final';
  return event.type === 'NEW_ITERATION' && midStage.has(state.split('.')[0] ?? state)
    ? 'mid-stage'
    : 'not-accepted';
}

function refusalMessage(
  state: string,
  event: ReleaseEvent,
  description: Pick<ReleaseDescription, 'acceptedEvents' | 'machineEvents' | 'final' | 'context'>,
): string {
  const { acceptedEvents: accepted, machineEvents, final } = description;
  const names = defaultJiraWorkflowNames.statuses;
  const top = state.split('.')[0] as keyof typeof names;
  const status = jiraStatusForState(state, defaultJiraWorkflowNames, description.context);
  if (final || finalForRequests(top, event)) return finalMessage(top, status, event);
  if (event.type === 'NEW_ITERATION' && midStage.has(top)) {
    return (
      `The release is in ${state} (${status}): a new request is refused while a stage is running, so nothing ` +
      `is lost or half-applied. Retry when the stage ends: after ${names.uatComplete}, ${names.fixing}, or ` +
      `${names.sqlPending} after a failure.`
    );
  }
  if (event.type === 'TIMER_FIRED') {
    return `Timer "${event.timer}" is not pending in ${state}: it was cancelled or already fired; nothing to do.`;
  }
  if (machineEvents.includes(event.type)) {
    return `${event.type} does not apply to the release as it is now (${state}, ${status}); nothing changed.`;
  }
  const next =
    accepted.length > 0
      ? `Accepted here: ${accepted.join(', ')}.`
      : final
        ? 'The release is finished.'
        : 'No decision of a person is expected now: cdflow is at work (an upstream call or a timer); ' +
          'send a decision once the release waits for one.';
  return `${event.type} is not accepted in ${state} (${status}). ${next}`;
}

function describeSnapshot(snapshot: AnyMachineSnapshot): ReleaseDescription {
  const state = stateIdOf(snapshot.value);
  const machineEvents = machineEventsOf(snapshot);
  return {
    state,
    context: snapshot.context as ReleaseContext,
    acceptedEvents: personEventsAmong(machineEvents),
    machineEvents,
    final: snapshot.status === 'done',
  };
}

/** The version this decision brought to the environment: entering uatComplete with a versioned request. */
function newlyAppliedVersion(before: string | null, after: string, context: ReleaseContext): string | null {
  const product = productStateOf(after);
  const arrived =
    (product === 'uatComplete' || product === 'prodComplete') && (before === null || before !== after);
  return arrived ? context.request.version : null;
}

/**
 * The decision of an accepted transition (or of the start) that reached `stamped`, its context stamped
 * with the decision's revision: persisted, with the effects of `actions` keyed. `before`: the state left.
 */
function acceptedDecision(
  stamped: AnyMachineSnapshot,
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
  before: string | null,
): Decision {
  const state = stateIdOf(stamped.value);
  const context = stamped.context as ReleaseContext;
  return {
    accepted: true,
    refusal: null,
    next: persist(stamped),
    state,
    context,
    effects: toEffects(actions, context),
    appliedVersion: newlyAppliedVersion(before, state, context),
  };
}

/** The first decision of a release: iteration 1, `jira.ensureIssue` first, then what the plan needs. */
export function startRelease(input: StartReleaseInput): Decision {
  const prod = prodStart(input);
  const [snapshot, actions] = initialTransition(releaseMachine, {
    releaseId: input.releaseId,
    request: input.request,
    settings: prod?.settings ?? input.settings,
    applied: input.applied ?? emptyAppliedState(),
    previousVersion: input.previous?.version ?? null,
    ...(input.sqlTexts ? { sqlTexts: input.sqlTexts } : {}),
    ...(prod ? { prod: prod.progress } : {}),
  });
  const initial = snapshot.context as ReleaseContext;
  // The first decision keeps revision 1 (decide stamps later ones): a move it made to mirror Jira is
  // where Jira is as of revision 1, not of a revision 2 no decision has yet (its moves would be dropped
  // as out of date: a release without SQL moves the issue at once).
  const context: ReleaseContext =
    initial.jiraMirrorSince === undefined ? initial : { ...initial, jiraMirrorSince: initial.revision };
  const stamped = (context === initial ? snapshot : { ...snapshot, context }) as AnyMachineSnapshot;
  return acceptedDecision(stamped, actions as Array<{ type: string; params?: unknown }>, null);
}

/**
 * Applies `event` to a persisted release. A refused event leaves the snapshot as it was and says why.
 * Throws `MachineVersionError` for a snapshot of another machine version.
 */
export function decide(persisted: PersistedRelease, event: ReleaseEvent): Decision {
  const current = restore(persisted);
  const beforeState = stateIdOf(current.value);
  if (current.status === 'done' || !current.can(event)) {
    const before = describeSnapshot(current);
    const shown = productStateOf(before.state);
    // Who may approve, what is configured: a reason of production's own, with a code the API answers by.
    const own = current.status === 'done' ? null : prodDecisionRefusal(before, event);
    const refusal: Refusal = {
      state: shown,
      acceptedEvents: before.acceptedEvents,
      message: own?.message ?? refusalMessage(shown, event, before),
      kind: refusalKind(shown, event, before.final),
      ...(own ? { code: own.code, forbidden: own.forbidden } : {}),
    };
    return {
      accepted: false,
      refusal,
      next: persisted,
      state: before.state,
      context: before.context,
      effects: [],
      appliedVersion: null,
    };
  }
  const [next, actions] = pureTransition(current, event);
  const context: ReleaseContext = {
    ...(next.context as ReleaseContext),
    revision: (current.context as ReleaseContext).revision + 1,
  };
  // A snapshot is a plain object: stamping the revision needs no second resolve.
  return acceptedDecision({ ...next, context } as AnyMachineSnapshot, actions, beforeState);
}

export function describeRelease(persisted: PersistedRelease): ReleaseDescription {
  return describeSnapshot(restore(persisted));
}

/** Whether `event` would be accepted by a release in `state` with `context` (used for Jira changes). */
export function canAccept(current: { state: string; context: ReleaseContext }, event: ReleaseEvent): boolean {
  const snapshot = releaseMachine.resolveState({
    value: stateValueOf(current.state) as never,
    context: current.context,
  });
  return snapshot.status !== 'done' && snapshot.can(event);
}
