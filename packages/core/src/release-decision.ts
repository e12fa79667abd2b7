/**
 * The pure decision function: a persisted snapshot and an event in, the next snapshot and the effects
 * to run out (XState's pure `transition`). The host commits both in one transaction, then runs the
 * effects and feeds their outcomes back as events.
 */
import { type AnyMachineSnapshot, initialTransition, transition } from 'xstate';
import type { Decision, PersistedRelease, Refusal } from './decision-types.js';
import { defaultJiraWorkflowNames } from './jira-workflow.js';
import { emptyAppliedState } from './plan-release.js';
import { productStateOf } from './product-state.js';
import type { ReleaseEffect } from './release-effects.js';
import { MachineVersionError } from './release-errors.js';
import type { ReleaseEvent } from './release-events.js';
import { releaseMachine, releaseMachineVersion } from './release-machine.js';
import type { AppliedState, NormalizedRequest, ReleaseContext, ReleaseSettings } from './release-types.js';

export interface StartReleaseInput {
  /** Stable id of the release (the host derives it from the summary); prefix of every idempotency key. */
  releaseId: string;
  request: NormalizedRequest;
  settings: ReleaseSettings;
  /** What was applied before (e.g. a release re-created from an audit trail); empty by default. */
  applied?: AppliedState;
  /** The release this one follows, for the policy gate (the last applied version of the regulation). */
  previous?: { version: string | null };
}

export interface ReleaseDescription {
  /** Dotted state id: `sqlPending.failed`, `uatComplete`, ... */
  state: string;
  context: ReleaseContext;
  acceptedEvents: string[];
  final: boolean;
}

const finalStates = new Set(['prodUpgrade', 'closed']);

/** `{ sqlPending: 'failed' }` → `sqlPending.failed`. */
export function stateIdOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0]!;
  return `${key}.${stateIdOf(child)}`;
}

/** `sqlPending.failed` → `{ sqlPending: 'failed' }`. */
export function stateValueOf(stateId: string): string | Record<string, unknown> {
  const [head, ...rest] = stateId.split('.');
  return rest.length === 0 ? head! : { [head!]: stateValueOf(rest.join('.')) };
}

function persist(snapshot: AnyMachineSnapshot): PersistedRelease {
  // A structured clone through JSON: what the host stores is exactly what it will load.
  return {
    machineVersion: releaseMachineVersion,
    snapshot: JSON.parse(JSON.stringify(releaseMachine.getPersistedSnapshot(snapshot))),
  };
}

function restore(persisted: PersistedRelease): AnyMachineSnapshot {
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
      context: JSON.parse(JSON.stringify(raw.context)) as ReleaseContext,
    });
  } catch (error) {
    // A state this machine does not have: refuse the whole snapshot rather than half-load it.
    throw new MachineVersionError(
      `${releaseMachineVersion} with unknown state ${JSON.stringify(raw.value)} (${(error as Error).message})`,
      releaseMachineVersion,
    );
  }
  return snapshot;
}

/** Event types the active states declare (guards aside), for refusals and the operator API. */
function acceptedEventsOf(snapshot: AnyMachineSnapshot): string[] {
  if (snapshot.status === 'done') return [];
  const types = new Set<string>();
  for (const node of snapshot._nodes) {
    for (const type of node.ownEvents) {
      if (!type.startsWith('xstate.') && type !== '') types.add(type);
    }
  }
  return [...types].sort();
}

const effectTypes = new Set<string>([
  'jira.ensureIssue',
  'jira.updateFields',
  'jira.moveTo',
  'jira.comment',
  'policy.check',
  'archery.submitOrder',
  'archery.pollOrders',
  'archery.executeOrder',
  'apollo.apply',
  'cmdb.deploy',
  'cmdb.pollTasks',
  'timer.schedule',
  'timer.cancel',
]);

/** Gives each effect its deterministic idempotency key (see release-effects.ts). */
function toEffects(
  actions: ReadonlyArray<{ type: string; params?: unknown }>,
  context: ReleaseContext,
): ReleaseEffect[] {
  const effects: ReleaseEffect[] = [];
  const used = new Map<string, number>();
  const base = `${context.releaseId}:i${context.iteration}:r${context.revision}`;
  for (const action of actions) {
    if (!effectTypes.has(action.type)) continue;
    const params = (action.params ?? {}) as Record<string, unknown>;
    const effect = { type: action.type, ...params } as ReleaseEffect;
    let key: string;
    switch (effect.type) {
      case 'jira.ensureIssue':
        key = `${context.releaseId}:issue`;
        break;
      case 'archery.submitOrder':
        key = `${context.releaseId}:sql:${effect.order.sqlId}:${effect.order.hash}`;
        break;
      case 'cmdb.deploy': {
        const iteration =
          context.deployments.find((d) => d.service === effect.service)?.iteration ?? context.iteration;
        key = `${context.releaseId}:deploy:${effect.service}:${effect.svnVersion}:i${iteration}:a${effect.attempt}`;
        break;
      }
      case 'jira.moveTo':
        key = `${base}:${effect.type}:${effect.state}`;
        break;
      case 'timer.schedule':
      case 'timer.cancel':
        key = `${base}:${effect.type}:${effect.timer}`;
        break;
      case 'archery.executeOrder':
        key = `${base}:${effect.type}:${effect.workflowId}`;
        break;
      default:
        key = `${base}:${effect.type}`;
    }
    // Two effects of one type and detail in one decision stay distinct.
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    effects.push({ ...effect, idempotencyKey: n === 0 ? key : `${key}:${n + 1}` });
  }
  return effects;
}

function refusalMessage(state: string, event: ReleaseEvent, accepted: string[]): string {
  const names = defaultJiraWorkflowNames.statuses;
  const top = state.split('.')[0] as keyof typeof names;
  const status = names[top] ?? state;
  if (event.type === 'NEW_ITERATION' && ['sqlExecuting', 'configExecuting', 'codeExecuting'].includes(top)) {
    return (
      `The release is in ${state} (${status}): a new request is refused while a stage is running, so nothing ` +
      `is lost or half-applied. Retry when the stage ends: after ${names.uatComplete}, ${names.fixing}, or ` +
      `${names.sqlPending} after a failure.`
    );
  }
  if (event.type === 'TIMER_FIRED') {
    return `Timer "${event.timer}" is not pending in ${state}: it was cancelled or already fired; nothing to do.`;
  }
  if (accepted.includes(event.type)) {
    return `${event.type} does not apply to the release as it is now (${state}, ${status}); nothing changed.`;
  }
  return (
    `${event.type} is not accepted in ${state} (${status}). ` +
    (accepted.length > 0 ? `Accepted here: ${accepted.join(', ')}.` : 'The release is finished.')
  );
}

function describeSnapshot(snapshot: AnyMachineSnapshot): ReleaseDescription {
  const state = stateIdOf(snapshot.value);
  return {
    state,
    context: snapshot.context as ReleaseContext,
    acceptedEvents: acceptedEventsOf(snapshot),
    final: finalStates.has(state),
  };
}

/** The first decision of a release: iteration 1, `jira.ensureIssue` first, then what the plan needs. */
export function startRelease(input: StartReleaseInput): Decision {
  const [snapshot, actions] = initialTransition(releaseMachine, {
    releaseId: input.releaseId,
    request: input.request,
    settings: input.settings,
    applied: input.applied ?? emptyAppliedState(),
    previousVersion: input.previous?.version ?? null,
  });
  const d = describeSnapshot(snapshot);
  return {
    accepted: true,
    refusal: null,
    next: persist(snapshot),
    state: d.state,
    context: d.context,
    effects: toEffects(actions, d.context),
  };
}

/**
 * Applies `event` to a persisted release. A refused event leaves the snapshot as it was and says why.
 * Throws `MachineVersionError` for a snapshot of another machine version.
 */
export function decide(persisted: PersistedRelease, event: ReleaseEvent): Decision {
  const current = restore(persisted);
  const before = describeSnapshot(current);
  if (before.final || !current.can(event)) {
    const shown = productStateOf(before.state);
    const refusal: Refusal = {
      state: shown,
      acceptedEvents: before.acceptedEvents,
      message: refusalMessage(shown, event, before.acceptedEvents),
    };
    return {
      accepted: false,
      refusal,
      next: persisted,
      state: before.state,
      context: before.context,
      effects: [],
    };
  }
  const [next, actions] = transition(releaseMachine, current, event);
  const revision = before.context.revision + 1;
  const context: ReleaseContext = { ...(next.context as ReleaseContext), revision };
  const stamped = releaseMachine.resolveState({ value: next.value, context });
  const d = describeSnapshot(stamped);
  return {
    accepted: true,
    refusal: null,
    next: persist(stamped),
    state: d.state,
    context: d.context,
    effects: toEffects(actions, d.context),
  };
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
