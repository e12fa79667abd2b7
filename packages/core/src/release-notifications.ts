/**
 * Which committed decisions are worth telling people about, and what they are told: a release completed
 * (with what was upgraded), failed (with the reason), now waits on a person (who), or has waited on a
 * person for too long (stuck). Pure: the host calls `notificationsFor` after every committed decision and
 * `stuckNotification` from a periodic sweep, and delivers the result through its own outbox, so a slow
 * mail server never holds up a release.
 */
import { productStateOf } from './product-state.js';
import { runItems } from './release-progress.js';
import type { ReleaseContext, ReleaseFailure, ReleaseSettings } from './release-types.js';
import { waitsOn } from './release-waits.js';

export const notificationKinds = ['completed', 'failed', 'waiting', 'stuck'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** Who the next move belongs to while a release waits on a person. */
export type WaitingOn = 'dba' | 'ops' | 'developers' | 'approvers';

/** What the environment received in the iteration that completed. */
export interface UpgradedContent {
  /** Services deployed, with the version (the original's "name  升级版本: version" lines). */
  code: Array<{ service: string; version: string }>;
  /** SQL files executed, in sequence order, with their Archery workflow id when cdflow submitted one. */
  sql: Array<{ sqlId: string; file: string; workflowId: number | null }>;
  /** Configuration items applied (config_info names, Apollo `appId/cluster/namespace key`). */
  config: string[];
}

export interface ReleaseNotification extends NotifiedRelease {
  kind: NotificationKind;
  /** The decision this notification comes from (its revision); a stuck notification has none. */
  revision: number | null;
  /** Product state after the decision (`uatComplete`, `sqlPending.failed`, `fixing`, ...). */
  state: string;
  /** Completed: what was upgraded. */
  upgraded?: UpgradedContent;
  /** Failed: the stage and the reason a person reads. */
  failure?: ReleaseFailure;
  /** Waiting and stuck: whose move it is. */
  waitingOn?: WaitingOn;
  /** Stuck: since when the release waits (ISO time), as the console shows it. */
  waitingSince?: string;
}

/** A committed decision as the notification rules read it. */
export interface DecidedTransition {
  /** Machine state before the decision; null when the decision created the release. */
  from: string | null;
  /** The event decided; null for the release's first decision. */
  event: { type: string } | null;
  /** Machine state after the decision (dotted). */
  to: string;
  /** The release's context after the decision. */
  context: ReleaseContext;
}

/** States a failure leaves a release in: the stage failed and a person must act. */
const failedStates: ReadonlySet<string> = new Set(['sqlPending.failed', 'fixing']);

/** Events that start a stage over: a release can fail again without leaving its failed state. */
const restartingEvents: ReadonlySet<string> = new Set([
  'NEW_ITERATION',
  'UAT_AUTO_ITERATION',
  'RESUBMIT_ITERATION',
  'RETRY_SQL_SUBMIT',
]);

/**
 * Whose move it is in machine state `state`, or null when cdflow (or nobody) moves the release on. Read
 * from the chart's `meta.waitsOn`; uatComplete is a resting state, not a wait, and in `auto` SQL mode
 * cdflow executes the SQL itself, so sqlExecuting waits on Archery rather than on the DBA.
 */
export function waitingOn(state: string, settings: Pick<ReleaseSettings, 'sqlMode'>): WaitingOn | null {
  if (waitsOn(state) !== 'person') return null;
  const product = productStateOf(state);
  if (product === 'uatComplete' || product === 'prodComplete') return null;
  if (product === 'prodApproval') return 'approvers';
  if (product === 'sqlExecuting') return settings.sqlMode === 'auto' ? null : 'dba';
  if (product === 'sqlPending.failed') return 'dba';
  if (product === 'configExecuting') return 'ops';
  if (product === 'fixing') return 'developers';
  return null;
}

/** What the iteration brought to the environment, from the release's context at completion. */
export function upgradedContent(context: ReleaseContext): UpgradedContent {
  const code = context.deployments
    .filter((d) => d.iteration === context.iteration && d.status === 'success')
    .map((d) => ({ service: d.service, version: d.svnVersion }));
  const files = new Map(context.request.sql.map((item) => [item.sqlId, item.svnFile]));
  const sql = [...context.sqlOrders]
    .filter(
      (o) => o.iteration === context.iteration && (o.status === 'workflow_finish' || o.confirmedBy !== null),
    )
    .sort((a, b) => a.seq - b.seq)
    .map((o) => ({ sqlId: o.sqlId, file: files.get(o.sqlId) ?? o.sqlId, workflowId: o.workflowId }));
  const config = [
    ...runItems(context.plan.config).map((item) => item.name),
    ...runItems(context.plan.apollo).map(
      (item) => `${item.appId}/${item.cluster}/${item.namespace} ${item.key}`,
    ),
  ];
  return { code, sql, config };
}

/** Which release a notification is about (from its context, or from the host's view of it). */
export interface NotifiedRelease {
  releaseId: string;
  summary: string;
  issueKey: string | null;
  project: string;
  env: 'UAT' | 'PRO';
  iteration: number;
}

function identityOf(context: ReleaseContext): NotifiedRelease {
  return {
    releaseId: context.releaseId,
    summary: context.summary,
    issueKey: context.issueKey,
    project: context.request.project,
    env: context.request.env,
    iteration: context.iteration,
  };
}

function base(
  kind: NotificationKind,
  release: NotifiedRelease,
  state: string,
  revision: number | null,
): ReleaseNotification {
  return {
    kind,
    releaseId: release.releaseId,
    summary: release.summary,
    issueKey: release.issueKey,
    project: release.project,
    env: release.env,
    iteration: release.iteration,
    revision,
    state: productStateOf(state),
  };
}

/**
 * The notifications a committed decision causes:
 * - completed: the release arrived in uatComplete (production: prodComplete) from anywhere else;
 * - failed: the release entered a failed state (sqlPending.failed, fixing) with a failure recorded (also
 *   when a restarted stage failed again without leaving it), or an effect failed for good (EFFECT_FAILED: the stage stays put, a person must retry or fail it);
 * - waiting: the release entered a wait on a person that is not a failure (the DBA executes the SQL, ops
 *   confirm the configuration, the developers fix after a manual iteration).
 * A refused event changes nothing and is never passed here.
 */
export function notificationsFor(transition: DecidedTransition): ReleaseNotification[] {
  const { from, to, context, event } = transition;
  const revision = context.revision;
  const release = identityOf(context);
  const out: ReleaseNotification[] = [];
  const before = from === null ? null : productStateOf(from);
  const after = productStateOf(to);
  if ((after === 'uatComplete' || after === 'prodComplete') && before !== after) {
    out.push({ ...base('completed', release, to, revision), upgraded: upgradedContent(context) });
    return out;
  }
  const failure = context.failure;
  const restarted = event !== null && restartingEvents.has(event.type);
  const enteredFailure = failedStates.has(after) && (before !== after || restarted);
  if (failure !== null && (enteredFailure || event?.type === 'EFFECT_FAILED')) {
    out.push({ ...base('failed', release, to, revision), failure });
    return out;
  }
  const waits = waitingOn(to, context.settings);
  const waitedBefore = from === null ? null : waitingOn(from, context.settings);
  if (waits !== null && (waits !== waitedBefore || before !== after)) {
    out.push({ ...base('waiting', release, to, revision), waitingOn: waits });
  }
  return out;
}

/** A release as the stuck sweep sees it: its current state and when its wait on a person began. */
export interface WaitingRelease extends NotifiedRelease {
  /** Machine state (dotted). */
  state: string;
  /** The failure recorded, when the wait follows one. */
  failure: ReleaseFailure | null;
  /** When the current wait on a person began (ISO time). */
  waitingSince: string;
}

/**
 * The stuck notification of a release that has waited on a person for longer than `thresholdMs` at
 * `nowMs`, or null. One per wait: the host keys it by `waitingSince`.
 */
export function stuckNotification(
  release: WaitingRelease,
  nowMs: number,
  thresholdMs: number,
): ReleaseNotification | null {
  const since = Date.parse(release.waitingSince);
  if (!Number.isFinite(since) || nowMs - since <= thresholdMs) return null;
  // Stuck in sqlExecuting is the DBA's to look at, whoever was to execute (Archery may hang in auto mode).
  const waits = waitingOn(release.state, { sqlMode: 'manual' });
  if (waits === null) return null;
  return {
    ...base('stuck', release, release.state, null),
    waitingOn: waits,
    waitingSince: release.waitingSince,
    ...(release.failure ? { failure: release.failure } : {}),
  };
}

/** One audit entry as `upgradeStartedAt` reads it (the history API's fields). */
export interface HistoryMoment {
  at: string;
  fromState: string | null;
  toState: string | null;
  accepted: boolean;
}

/**
 * When the iteration that just completed began: the last accepted entry that created the release or
 * brought it (back) into sqlPending from another stage. Null when the history has none.
 */
export function upgradeStartedAt(history: readonly HistoryMoment[]): string | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const entry = history[i]!;
    if (!entry.accepted || entry.toState === null) continue;
    const enteredSqlPending =
      entry.toState.split('.')[0] === 'sqlPending' &&
      (entry.fromState === null || entry.fromState.split('.')[0] !== 'sqlPending');
    if (enteredSqlPending) return entry.at;
  }
  return null;
}
