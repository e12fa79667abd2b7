/**
 * Where a release is and why, for a person who wants to act: the step in words, what it waits for — a
 * person (who, doing what, by which Jira transition or API event, which Jira groups may), a timer
 * (which, when it fires) or an upstream (which, since when, how many tries failed, the next try, the
 * last error) — and the last failure in full (the policy's findings, Archery's messages).
 *
 * Pure: the host passes what only it knows — the head of the release's effect queue (the effect the
 * release's later work waits behind), the due times of its timers, the site's Jira names and groups.
 * Times come in as epoch milliseconds and go out as ISO strings; core reads no clock.
 */
import { jiraTransitionOfPersonEvent } from './jira-status-mapping.js';
import { defaultJiraWorkflowNames, type JiraTransitionKey, type JiraWorkflowNames } from './jira-workflow.js';
import { jiraMoveNames } from './own-move.js';
import { currentApprovalStep, differencesText, prodDifferences } from './prod-release.js';
import { canAccept } from './release-decision.js';
import type { ReleaseEffect } from './release-effects.js';
import {
  isPersonEventType,
  operatorPersonEvent,
  type PersonEvent,
  personEventTypes,
} from './release-events.js';
import { isOrderDone, isOrderFailed, runItems } from './release-progress.js';
import { stepInWords } from './release-step-words.js';
import type { PolicyFindingSummary, ReleaseContext, ReleaseFailure, SqlOrder } from './release-types.js';
import { waitsOnNow } from './release-waits.js';

type PersonEventType = PersonEvent['type'];

/** The upstreams cdflow calls (the effect type's prefix names them; `policy` is cdflow's own check). */
export type UpstreamName = 'jira' | 'archery' | 'cmdb' | 'apollo' | 'sql-source' | 'policy' | 'prod';

/** A move that takes the release on from where it waits for a person. */
export interface PersonMove {
  /** The event, as the operator API takes it (`POST /api/releases/:key/events { type }`). */
  event: PersonEventType;
  /** The Jira transition that sends it, by the site's name (`SQL升级成功`). */
  jiraTransition: string;
  /** The Jira groups allowed to send it (the site's `people.events`); null: any signed-in person. */
  allowedGroups: string[] | null;
}

/** An effect that failed for good, which a person runs again (`EFFECT_RETRY_REQUESTED`). */
export interface EffectToRetry {
  /** The host's id of the failed effect (its outbox row), when the host said; null otherwise. */
  effectId: number | null;
  effectType: string;
  idempotencyKey: string;
  /** Why it failed, in full. */
  reason: string;
  /** The operator API call that retries it (`POST /api/releases/<ref>/effects/<id>/retry`), when the id is known. */
  route: string | null;
}

export type ReleaseWait =
  | {
      kind: 'person';
      /** Who acts, in words: `the DBA`, `ops`, `developers or ops`, … */
      who: string;
      /** What they do, in words. */
      task: string;
      /** The moves that take the release on (empty: it only takes a new request from the release system). */
      moves: PersonMove[];
      /** Effects that failed for good and wait for a person to retry them (absent when none). */
      retry?: EffectToRetry[];
    }
  | {
      kind: 'timer';
      timer: string;
      /** What happens when it fires, in words. */
      purpose: string;
      /** ISO time it fires; null when the host did not say. */
      firesAt: string | null;
    }
  | {
      kind: 'upstream';
      upstream: UpstreamName | string;
      /** What cdflow asks of it, or waits for there, in words. */
      task: string;
      /** ISO time cdflow first asked (the effect was queued); null when it waits for its next look only. */
      since: string | null;
      /** Tries that did not succeed so far (0: the first one is under way or due). */
      attempts: number;
      /** ISO time of the next try (or the next look at it); null: now. */
      nextTryAt: string | null;
      /** What the last try answered (the upstream's error, or why it waits); null before any. */
      lastError: string | null;
    };

/** One SQL order that failed, with Archery's message (its review's or its execution's). */
export interface FailedOrder {
  sqlId: string;
  seq: number;
  workflowId: number | null;
  status: string;
  message: string | null;
}

export interface FailureExplanation {
  stage: ReleaseFailure['stage'];
  /** The machine state the failure happened in. */
  at: string;
  /** The full reason (for a policy refusal: every finding; for Archery: its messages). */
  reason: string;
  /** A policy refusal: the findings that refused it (rule, location, message, fix); [] otherwise. */
  findings: PolicyFindingSummary[];
  /** SQL orders of the iteration that failed in Archery or never reached it, with Archery's message. */
  orders: FailedOrder[];
}

export interface ReleaseSituation {
  /** The current step in words, with the Jira status (`SQL执行中: the DBA reviews and executes …`). */
  step: string;
  /** One paragraph: the step, what it waits for, and the failure, as a person reads it. */
  summary: string;
  /** What moves the release on now; null when it is finished. */
  waitsFor: ReleaseWait | null;
  /** The release's pending timers, soonest first. */
  timers: Array<{ timer: string; purpose: string; firesAt: string | null }>;
  lastFailure: FailureExplanation | null;
}

/** The head of the release's effect queue as the host keeps it. */
export interface PendingEffectState {
  effect: ReleaseEffect;
  /** Tries that did not succeed so far. */
  attempts: number;
  /** Epoch ms of the next try. */
  nextAttemptAt: number;
  lastError: string | null;
  /** ISO time the effect was queued. */
  queuedAt: string;
}

export interface SituationInput {
  /** The release's next effect to run (its later effects wait behind it); absent: none queued. */
  pendingEffect?: PendingEffectState | null;
  /** The host's pending timers of the release, with their due time (epoch ms). */
  timers?: ReadonlyArray<{ name: string; dueAt: number }>;
  names?: JiraWorkflowNames;
  /** Jira groups allowed to send each person event (the site's `people.events`); absent: anyone signed in. */
  allowedGroups?: Partial<Record<PersonEventType, readonly string[]>>;
  /** The person events the release accepts now (`describeRelease`'s); computed when absent. */
  acceptedEvents?: readonly string[];
  /** The host's ids of the release's failed effects (by idempotency key), to name the retry route. */
  failedEffects?: ReadonlyArray<{ id: number; idempotencyKey: string }>;
  /** How the operator API names the release in a route (its Jira key or release id); default the release id. */
  releaseRef?: string;
}

const upstreamLabels: Record<string, string> = {
  jira: 'Jira',
  archery: 'Archery',
  cmdb: 'the CMDB',
  apollo: 'Apollo',
  'sql-source': 'the SQL source',
  policy: 'the versioning policy check',
  prod: "cdflow's clock (the production change windows)",
  release: 'cdflow',
};

const timerPurposes: Record<string, string> = {
  'archery.poll': "cdflow reads the work orders' status in Archery again",
  'cmdb.poll': 'cdflow reads the deploy tasks in the CMDB again',
  'deploy.delay': 'the pre-deploy delay (image sync) ends and cdflow deploys',
  'deploy.timeout': 'the deploy deadline: a deploy not finished by then fails',
  'deploy.retry': 'the pause before a failed deploy is sent again ends',
  'prod.window': 'the next production change window opens and cdflow deploys',
};

/** Timers that only set when cdflow looks at an upstream again (the wait is the upstream's). */
const pollTimers: Record<string, UpstreamName> = { 'archery.poll': 'archery', 'cmdb.poll': 'cmdb' };
/** A deadline is not what a release waits for: it only bounds the wait. */
const deadlineTimers: ReadonlySet<string> = new Set(['deploy.timeout']);

/** The upstream each step waiting on one talks to, when no effect of it is queued. */
const upstreamOfStep: Record<string, UpstreamName> = {
  'sqlPending.fetchingSql': 'sql-source',
  'sqlPending.awaitingPolicy': 'policy',
  'sqlPending.resolvingRoutes': 'archery',
  'sqlPending.checkingSql': 'archery',
  'sqlPending.submitting': 'archery',
  'sqlExecuting.watching': 'archery',
  'sqlExecuting.confirming': 'archery',
  'configExecuting.applyingApollo': 'apollo',
  'codeExecuting.deploying': 'cmdb',
  'codeExecuting.checkingWindow': 'prod',
};

const iso = (ms: number) => new Date(ms).toISOString();

function upstreamOfEffect(type: string): string {
  const prefix = type.split('.')[0] ?? type;
  return prefix === 'sql' ? 'sql-source' : prefix;
}

function orderLabel(order: SqlOrder): string {
  const where = order.workflowId === null ? 'not submitted yet' : `work order ${order.workflowId}`;
  return `#${order.seq} ${order.sqlId} (${where}, ${order.status})`;
}

/** `sqlExecuting` (a snapshot stored before the stage had steps) is its watching step. */
function stepOf(state: string): string {
  return state === 'sqlExecuting' ? 'sqlExecuting.watching' : state;
}

/** The orders of the iteration still to run, in sequence order. */
function ordersToRun(context: ReleaseContext): SqlOrder[] {
  return [...context.sqlOrders].sort((a, b) => a.seq - b.seq).filter((o) => !isOrderDone(o));
}

/** What cdflow asks of the upstream with this effect, in words. */
function effectTask(effect: ReleaseEffect, names: JiraWorkflowNames): string {
  switch (effect.type) {
    case 'jira.ensureIssue':
      return 'cdflow creates the Jira issue';
    case 'jira.updateFields':
      return "cdflow writes the Jira issue's fields";
    case 'jira.moveTo':
      return `cdflow moves the Jira issue to ${jiraMoveNames(effect, names).status}`;
    case 'prod.checkWindow':
      return 'cdflow checks the production change windows';
    case 'release.promote':
      return 'cdflow creates the production release';
    case 'jira.comment':
      return 'cdflow comments on the Jira issue';
    case 'sql.fetch':
      return `cdflow reads ${effect.ref} from the SQL source`;
    case 'policy.check':
      return 'cdflow checks the SQL and the version against the versioning policy';
    case 'archery.checkSql':
      return `cdflow has Archery check the SQL of ${effect.items.map((i) => i.sqlId).join(', ')} (sqlcheck) before submitting it`;
    case 'archery.submitOrder':
      return `cdflow submits SQL ${effect.order.sqlId} to Archery as a work order`;
    case 'archery.pollOrders':
      return "cdflow reads the work orders' status in Archery";
    case 'archery.readOrders':
      return "cdflow reads every work order in Archery to check a person's SQL升级成功";
    case 'archery.executeOrder':
      return `cdflow executes work order ${effect.workflowId} (SQL ${effect.sqlId}) in Archery`;
    case 'apollo.apply':
      return 'cdflow applies and publishes the Apollo items';
    case 'cmdb.deploy':
      return effect.deploys.every((d) => d.waitedForSlot)
        ? 'cdflow waits for a free deploy slot (deployParallelism) to ask the CMDB to deploy'
        : 'cdflow asks the CMDB to deploy';
    case 'cmdb.pollTasks':
      return 'cdflow reads the deploy tasks in the CMDB';
    case 'cmdb.findTargets':
      return 'cdflow looks up the deploy targets of the code items in the CMDB';
    case 'archery.resolveRoutes':
      return "cdflow looks up the orders' groups, instances and databases in Archery";
    case 'archery.cancelOrder':
      return `cdflow cancels work order ${effect.workflowId} in Archery (its SQL was replaced)`;
    case 'jira.showOrders':
      return 'cdflow shows the list of work orders on the Jira issue';
    default:
      return `cdflow runs ${effect.type}`;
  }
}

/** What the step waits for at its upstream when that is more than the effect (a poll watches people work). */
function stepTask(state: string, context: ReleaseContext): string | null {
  if (state === 'sqlExecuting.confirming') {
    const by = context.sqlConfirmation?.by ?? 'a person';
    return `cdflow reads every work order in Archery to check SQL升级成功 by ${by}: it stands only when all are workflow_finish`;
  }
  if (state === 'sqlExecuting.watching') {
    const next = ordersToRun(context)[0];
    if (!next) return 'Archery reports every work order finished';
    if (next.auditRefused !== undefined)
      return `a DBA audits and executes ${orderLabel(next)} in Archery (Archery refused cdflow's own audit: ${clause(next.auditRefused)}); cdflow reads Archery's status`;
    if (context.settings.sqlMode === 'auto')
      return `Archery executes ${orderLabel(next)}; cdflow passes its review and asks Archery to run it`;
    return `the DBA reviews and executes ${orderLabel(next)} in Archery; cdflow reads Archery's status`;
  }
  if (state === 'codeExecuting.deploying') {
    const running = context.deployments.filter((d) => d.status === 'started' || d.status === 'running');
    if (running.length > 0) return `the CMDB deploys ${running.map((d) => d.service).join(', ')}`;
  }
  return null;
}

function isPoll(effect: ReleaseEffect): boolean {
  return effect.type === 'archery.pollOrders' || effect.type === 'cmdb.pollTasks';
}

function upstreamWait(
  state: string,
  context: ReleaseContext,
  head: PendingEffectState,
  names: JiraWorkflowNames,
) {
  // A poll that has not failed only watches the upstream: say what is awaited there.
  const task =
    isPoll(head.effect) && head.attempts === 0
      ? (stepTask(state, context) ?? effectTask(head.effect, names))
      : effectTask(head.effect, names);
  return {
    kind: 'upstream' as const,
    upstream: upstreamOfEffect(head.effect.type),
    task,
    since: head.queuedAt,
    attempts: head.attempts,
    // A new effect is due at once (its next attempt at 0): no time to show.
    nextTryAt: head.nextAttemptAt > 0 ? iso(head.nextAttemptAt) : null,
    lastError: head.lastError,
  };
}

interface PendingTimer {
  timer: string;
  purpose: string;
  firesAt: string | null;
  dueAt: number | null;
}

/** The timers the machine has pending, with the host's due times, soonest first. */
function pendingTimers(context: ReleaseContext, input: SituationInput): PendingTimer[] {
  const due = new Map((input.timers ?? []).map((t) => [t.name, t.dueAt]));
  return context.timers
    .map((timer) => {
      const dueAt = due.get(timer) ?? null;
      return {
        timer,
        purpose: timerPurposes[timer] ?? `timer ${timer} fires`,
        firesAt: dueAt === null ? null : iso(dueAt),
        dueAt,
      };
    })
    .sort((a, b) => (a.dueAt ?? Number.POSITIVE_INFINITY) - (b.dueAt ?? Number.POSITIVE_INFINITY));
}

const publishAgain = 'publish the release again (the release system sends a new iteration)';

/** What fixes a failed SQL stage: a new iteration, or (when nothing reached Archery) a new submission. */
function sqlFixTask(context: ReleaseContext): string {
  if (context.failure?.stage === 'policy') return `change what the policy refused, then ${publishAgain}`;
  if ((context.failure?.findings ?? []).some((f) => f.ruleId === 'archery.sqlcheck'))
    return `fix the SQL Archery's check refused, then ${publishAgain}`;
  const failed = context.sqlOrders.filter(isOrderFailed);
  if (failed.length > 0 && failed.every((o) => o.status === 'submit_failed'))
    return `fix why the SQL could not be submitted, then submit it again, or ${publishAgain}`;
  if (failed.length > 0) return `fix the SQL Archery failed, then ${publishAgain}`;
  return `fix what failed, then ${publishAgain}`;
}

/** Who acts while the release waits for a person in `state`, and what they do. */
function personTask(state: string, context: ReleaseContext): { who: string; task: string } {
  switch (state) {
    case 'sqlExecuting.watching': {
      const orders = ordersToRun(context);
      return {
        who: 'the DBA',
        task:
          orders.length > 0
            ? `review and execute ${orders.map(orderLabel).join(', ')} in Archery, in sequence order, then confirm (cdflow checks Archery shows every order finished)`
            : 'confirm the SQL executed (Archery shows every order finished)',
      };
    }
    case 'sqlPending.failed':
      return { who: 'the developers', task: sqlFixTask(context) };
    case 'configExecuting.awaitingConfirmation': {
      const items = [
        ...runItems(context.plan.config).map((c) => c.name),
        ...runItems(context.plan.apollo)
          .filter(() => !context.settings.apolloAutomatic)
          .map((a) => `${a.appId}/${a.namespace} ${a.key}`),
      ];
      return {
        who: 'ops',
        task:
          items.length > 0
            ? `apply ${items.join(', ')}, then confirm`
            : 'apply the configuration, then confirm',
      };
    }
    case 'fixing':
      return {
        who: 'developers or ops',
        task:
          context.failure === null
            ? 'fix the release, then resubmit'
            : `fix the ${context.failure.stage} failure, then resubmit`,
      };
    case 'uatComplete':
      return { who: 'the release manager', task: 'check UAT, then promote to production, iterate or finish' };
    case 'prodApproval': {
      const step = currentApprovalStep(context);
      const differences = prodDifferences(context);
      const also =
        step?.approvesDifferences && differences.length > 0
          ? `; the approval also approves the differences from UAT: ${differencesText(differences)}`
          : '';
      return {
        who: step ? `${step.label} (Jira group ${step.group})` : 'an approver',
        task: step
          ? `approve the production release (${step.transition}, in Jira ${step.status}) or reject it${also}`
          : 'approve the production release',
      };
    }
    case 'prodComplete':
      return { who: 'the release manager', task: 'check production, then finish' };
    default:
      return { who: 'a person', task: 'decide the next step' };
  }
}

function acceptedPersonEvents(
  state: string,
  context: ReleaseContext,
  input: SituationInput,
): PersonEventType[] {
  if (input.acceptedEvents) return input.acceptedEvents.filter(isPersonEventType);
  return personEventTypes.filter((type) => canAccept({ state, context }, sampleEvent(type)));
}

/** A person's event of `type` to ask the machine whether it takes one now (an approval as from Jira). */
function sampleEvent(type: PersonEventType): PersonEvent {
  if (type === 'PROD_APPROVED' || type === 'PROD_REJECTED')
    return { type, by: 'someone', via: 'jira', groups: [] };
  return operatorPersonEvent({ type, by: 'someone', groups: [] });
}

function personMoves(
  events: readonly PersonEventType[],
  input: SituationInput,
  names: JiraWorkflowNames,
  context: ReleaseContext,
) {
  const prod = prodMovesOf(context);
  return events.map(
    (event): PersonMove => ({
      event,
      jiraTransition:
        prod?.transitions[event] ??
        names.transitions[jiraTransitionOfPersonEvent[event] as JiraTransitionKey],
      allowedGroups:
        prod?.groups[event] ??
        (input.allowedGroups?.[event] ? [...(input.allowedGroups[event] ?? [])] : null),
    }),
  );
}

/** A production release's own transition names and approver groups for its person events. */
function prodMovesOf(context: ReleaseContext): {
  transitions: Partial<Record<PersonEventType, string>>;
  groups: Partial<Record<PersonEventType, string[]>>;
} | null {
  const prod = context.settings.prod;
  if (!context.prod || !prod) return null;
  const step = currentApprovalStep(context);
  const shared = prod.jira.shared.transitions;
  return {
    transitions: {
      ...Object.fromEntries(
        Object.entries(jiraTransitionOfPersonEvent).map(([event, key]) => [
          event,
          shared[key as JiraTransitionKey],
        ]),
      ),
      PROD_APPROVED: step?.transition ?? '',
      PROD_REJECTED: prod.jira.rejectTransition,
      RESUBMIT_ITERATION: prod.jira.resubmitIterationTransition,
    },
    groups: {
      ...(step ? { PROD_APPROVED: [step.group] } : {}),
      PROD_REJECTED: [...new Set(prod.approvals.map((s) => s.group))],
    },
  };
}

function failureOf(context: ReleaseContext): FailureExplanation | null {
  const failure = context.failure;
  if (failure === null) return null;
  const orders = [...context.sqlOrders]
    .filter((o) => o.iteration === context.iteration && isOrderFailed(o))
    .sort((a, b) => a.seq - b.seq)
    .map((o) => ({
      sqlId: o.sqlId,
      seq: o.seq,
      workflowId: o.workflowId,
      status: o.status,
      message: o.error,
    }));
  return {
    stage: failure.stage,
    at: failure.at,
    reason: failure.reason,
    findings: failure.findings ?? [],
    orders: failure.stage === 'sql' ? orders : [],
  };
}

/** The release's effects that failed for good, with the route that retries each (when the host named its id). */
function effectsToRetry(context: ReleaseContext, input: SituationInput): EffectToRetry[] {
  const ids = new Map((input.failedEffects ?? []).map((f) => [f.idempotencyKey, f.id]));
  const ref = input.releaseRef ?? context.releaseId;
  return (context.failedEffects ?? []).map((f) => {
    const id = ids.get(f.idempotencyKey) ?? null;
    return {
      effectId: id,
      effectType: f.effectType,
      idempotencyKey: f.idempotencyKey,
      reason: f.reason,
      route: id === null ? null : `POST /api/releases/${encodeURIComponent(ref)}/effects/${id}/retry`,
    };
  });
}

/** What moves the release on now. */
function waitOf(
  state: string,
  context: ReleaseContext,
  input: SituationInput,
  timers: PendingTimer[],
  names: JiraWorkflowNames,
): ReleaseWait | null {
  const head = input.pendingEffect ?? null;
  // An upstream that keeps failing holds up everything after it, whoever the step waits for.
  if (head && head.attempts > 0) return upstreamWait(state, context, head, names);
  // An effect that failed for good is retried by nobody but a person: that comes before the step's wait.
  const retry = effectsToRetry(context, input);
  if (retry.length > 0) {
    return {
      kind: 'person',
      who: 'an operator',
      task: `retry ${retry
        .map((r) => `${r.effectType} (failed: ${clause(r.reason)})${r.route ? ` with ${r.route}` : ''}`)
        .join('; ')}, once what made it fail is fixed`,
      moves: [],
      retry,
    };
  }
  const waits = waitsOnNow(state, context.settings);
  if (waits === 'person') {
    const { who, task } = personTask(state, context);
    return {
      kind: 'person',
      who,
      task,
      moves: personMoves(acceptedPersonEvents(state, context, input), input, names, context),
    };
  }
  if (waits === null) return null;
  const next = timers.find((t) => !deadlineTimers.has(t.timer));
  // A step that waits for a timer waits for it even while an effect of its decision (a Jira move) runs.
  if (waits === 'timer') {
    if (next) return { kind: 'timer', timer: next.timer, purpose: next.purpose, firesAt: next.firesAt };
    if (state === 'codeExecuting.waitingForWindow') {
      const opensAt = context.prod?.window?.opensAt ?? null;
      return {
        kind: 'timer',
        timer: 'prod.window',
        purpose:
          opensAt === null
            ? 'no production change window opens again: fix prod.changeWindows in the configuration'
            : timerPurposes['prod.window']!,
        firesAt: opensAt === null ? null : iso(opensAt),
      };
    }
    return { kind: 'timer', timer: 'unknown', purpose: 'a timer fires', firesAt: null };
  }
  // A passing effect of another upstream (a Jira move or comment) is not what the step waits on.
  const stepUpstream = upstreamOfStep[state];
  if (head && (stepUpstream === undefined || upstreamOfEffect(head.effect.type) === stepUpstream))
    return upstreamWait(state, context, head, names);
  if (next && pollTimers[next.timer] === undefined)
    return { kind: 'timer', timer: next.timer, purpose: next.purpose, firesAt: next.firesAt };
  const upstream = (next && pollTimers[next.timer]) ?? upstreamOfStep[state] ?? 'upstream';
  return {
    kind: 'upstream',
    upstream,
    task: stepTask(state, context) ?? `cdflow waits for ${upstreamLabels[upstream] ?? upstream}`,
    since: null,
    attempts: 0,
    nextTryAt: next?.firesAt ?? null,
    lastError: null,
  };
}

/** A message as part of a sentence: without its closing full stop. */
const clause = (text: string) => text.replace(/[.\s]+$/, '');

function groupsText(groups: string[] | null): string {
  return groups === null ? '' : `, by ${groups.join(' or ')}`;
}

/** What the release waits for, as a phrase a line can carry (`waits for ops: apply …`). */
export function waitInWords(wait: ReleaseWait | null): string {
  if (wait === null) return 'nothing more to do';
  switch (wait.kind) {
    case 'person': {
      const moves = wait.moves.map((m) => `${m.jiraTransition} (${m.event}${groupsText(m.allowedGroups)})`);
      const how = moves.length > 0 ? ` — ${moves.join(' or ')}, as a Jira move or an API event` : '';
      return `waits for ${wait.who}: ${wait.task}${how}`;
    }
    case 'timer':
      return `waits for a timer (${wait.timer}): ${wait.purpose}${wait.firesAt ? ` at ${wait.firesAt}` : ''}`;
    case 'upstream': {
      const label = upstreamLabels[wait.upstream] ?? wait.upstream;
      if (wait.attempts > 0)
        return (
          `waits for ${label}: ${wait.task}; ${wait.attempts} ${wait.attempts === 1 ? 'try' : 'tries'} failed since ${wait.since}, ` +
          `last error: ${clause(wait.lastError ?? 'none recorded')}; next try (attempt ${wait.attempts + 1}) at ${wait.nextTryAt}`
        );
      return `waits for ${label}: ${wait.task}${wait.nextTryAt ? `; next look at ${wait.nextTryAt}` : ''}`;
    }
  }
}

const sentence = (phrase: string) => `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}.`;

/**
 * Where the release in machine state `state` with `context` is and why. `input` carries what only the
 * host knows (see `SituationInput`); without it the answer still names the step, the wait and the failure.
 */
export function explainRelease(
  release: { state: string; context: ReleaseContext },
  input: SituationInput = {},
): ReleaseSituation {
  const { context } = release;
  const state = stepOf(release.state);
  const names = input.names ?? defaultJiraWorkflowNames;
  const failedEffect = (context.failedEffects ?? [])[0];
  // A failed effect stops the release where it is, visibly: the step says so, with what failed.
  const step = failedEffect
    ? `${stepInWords(state, context, names)} — stopped: ${failedEffect.effectType} failed; an operator retries it`
    : stepInWords(state, context, names);
  const timers = pendingTimers(context, input);
  const waitsFor = waitOf(state, context, input, timers, names);
  const lastFailure = failureOf(context);
  const parts = [`${step}.`];
  if (lastFailure) parts.push(`Failed (${lastFailure.stage}): ${clause(lastFailure.reason)}.`);
  parts.push(sentence(waitInWords(waitsFor)));
  return {
    step,
    summary: parts.join(' '),
    waitsFor,
    timers: timers.map(({ timer, purpose, firesAt }) => ({ timer, purpose, firesAt })),
    lastFailure,
  };
}

/** The legacy status's `errormessage`: the failure's full reason, else a failing upstream's last error. */
export function situationErrorMessage(situation: ReleaseSituation): string {
  if (situation.lastFailure) return situation.lastFailure.reason;
  const wait = situation.waitsFor;
  if (wait?.kind === 'upstream' && wait.attempts > 0) {
    return (
      `${upstreamLabels[wait.upstream] ?? wait.upstream} is failing: ${clause(wait.lastError ?? 'no answer')} ` +
      `(${wait.attempts} ${wait.attempts === 1 ? 'try' : 'tries'} since ${wait.since}; next try at ${wait.nextTryAt})`
    );
  }
  return '';
}
