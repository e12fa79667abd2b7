/**
 * Rules about effects that the host applies without knowing the machine: what the machine hears when an
 * effect fails for good, and when a queued Jira move is out of date.
 */
import { finishedArcheryStatus, isFailedArcheryStatus } from './archery-status.js';
import type { ReleaseEffect } from './release-effects.js';
import type { DeployReport, EffectResultEvent } from './release-events.js';
import type { ArcheryStatus } from './release-types.js';

type CmdbDeploy = Extract<ReleaseEffect, { type: 'cmdb.deploy' }>['deploys'][number];

/** Which deploy of a `cmdb.deploy` effect a report (`DEPLOYS_REPORTED`) is about: service, target, attempt. */
export function reportedDeploy(deploy: CmdbDeploy): Pick<DeployReport, 'service' | 'targetId' | 'attempt'> {
  return { service: deploy.service, targetId: deploy.target.id, attempt: deploy.attempt };
}

/** What the machine hears when an effect fails for good (not retryable, or retries exhausted). */
export function effectFailedEvent(effect: ReleaseEffect, reason: string): EffectResultEvent {
  switch (effect.type) {
    case 'archery.submitOrder':
      return { type: 'SQL_SUBMIT_FAILED', sqlId: effect.order.sqlId, reason, hash: effect.order.hash };
    case 'archery.readOrders':
      // The confirmation cannot be checked: it is refused (the person confirms again once Archery answers).
      return { type: 'SQL_CONFIRMATION_CHECKED', orders: [], readError: reason };
    case 'sql.fetch':
      return { type: 'SQL_FETCH_FAILED', ref: effect.ref, sqlIds: effect.sqlIds, reason };
    case 'apollo.apply':
      return { type: 'CONFIG_APPLY_FAILED', reason };
    case 'archery.resolveRoutes':
      return {
        type: 'SQL_ROUTES_FAILED',
        failures: effect.routes.map((r) => ({
          sqlId: r.sqlId,
          instance: r.instance,
          group: r.group,
          reason,
        })),
      };
    case 'cmdb.findTargets':
      return { type: 'DEPLOY_FAILED', service: effect.service, reason };
    case 'cmdb.deploy':
      return {
        type: 'DEPLOYS_REPORTED',
        deploys: effect.deploys.map((d) => ({
          ...reportedDeploy(d),
          outcome: 'failed' as const,
          message: reason,
        })),
      };
    default:
      return {
        type: 'EFFECT_FAILED',
        effectType: effect.type,
        idempotencyKey: effect.idempotencyKey,
        reason,
      };
  }
}

/**
 * A Jira move is out of date when a later decision has queued a move of its own: a person (or an
 * operator) acted while cdflow's earlier move still waited, e.g. ops chose 重新提交代码 right after
 * 配置升级失败, before cdflow had mirrored the failure. Running the stale move would drag the issue back
 * and show people a failure that is over; the later move alone takes the issue where the release is.
 * The moves of one decision (a skipped stage walks several statuses) share a revision and are never
 * out of date with each other.
 */
export function isSupersededMove(effect: ReleaseEffect, queued: readonly ReleaseEffect[]): boolean {
  if (effect.type !== 'jira.moveTo') return false;
  return queued.some((other) => other.type === 'jira.moveTo' && other.revision > effect.revision);
}

/**
 * An effect the machine no longer waits for, because a later decision was taken: a Jira move a later
 * decision overtook (it moved the issue itself, or took a person's move as where Jira is), or a poll that waits for a change — a later decision (one that
 * queued effects of its own) already moved the release on, and polls again itself if it still needs to.
 */
export function isSupersededEffect(
  effect: ReleaseEffect,
  queued: readonly ReleaseEffect[],
  release?: { jiraMirrorSince?: number },
): boolean {
  if (effect.type === 'jira.moveTo') {
    // A later decision set where Jira should be (its own move, or a person's move it took as its own).
    return isSupersededMove(effect, queued) || effect.revision < (release?.jiraMirrorSince ?? 0);
  }
  if (effect.type === 'archery.pollOrders' || effect.type === 'cmdb.pollTasks') {
    return queued.some((other) => other.revision > effect.revision);
  }
  return false;
}

/**
 * Whether an effect waiting for its next attempt (a poll for a change, a deploy for a slot) runs at once
 * because of the effects a later decision queued behind it: a superseded one ends without running, and a
 * deploy waiting for a slot answers `queued` rather than hold up the release's other work (its own task
 * polls, a person's move, a deadline).
 */
export function waitGivesWay(
  effect: ReleaseEffect,
  queued: readonly ReleaseEffect[],
  release?: { jiraMirrorSince?: number },
): boolean {
  if (effect.type === 'cmdb.deploy') return queued.length > 0;
  return isSupersededEffect(effect, queued, release);
}

/**
 * Whether what an Archery poll read is news for the machine: a status differs from what it knew, or
 * the orders are all finished or one failed (the machine moves on then, even if it knew the statuses,
 * e.g. a release imported mid-stage). Otherwise the host reads again later, deciding nothing.
 */
export function ordersPollIsNews(
  known: ReadonlyArray<{ workflowId: number; status: string }>,
  polled: ReadonlyArray<{ workflowId: number; status: ArcheryStatus }>,
): boolean {
  const before = new Map(known.map((k) => [k.workflowId, k.status]));
  if (polled.some((o) => before.get(o.workflowId) !== o.status)) return true;
  if (polled.some((o) => isFailedArcheryStatus(o.status))) return true;
  return polled.length > 0 && polled.every((o) => o.status === finishedArcheryStatus);
}

/**
 * Whether what a CMDB poll read is news for the machine: a target's task differs from what it knew
 * (`known`, absent in polls queued before it existed: always news), or every polled task of a code item
 * ended (the item's outcome is settled, so the machine moves on even if it knew the statuses). Quiet
 * otherwise: no task changed and every item is still running, so the host reads again later.
 */
export function tasksPollIsNews(
  known: ReadonlyArray<{ service: string; targetId: number; attempt: number; known?: string }>,
  polled: ReadonlyArray<{ service: string; targetId: number; attempt: number; status: string }>,
): boolean {
  const id = (t: { service: string; targetId: number; attempt: number }) =>
    JSON.stringify([t.service, t.targetId, t.attempt]);
  const before = new Map(known.map((k) => [id(k), k.known]));
  if (polled.some((t) => before.get(id(t)) === undefined || before.get(id(t)) !== t.status)) return true;
  const ended = (status: string) => status === 'success' || status === 'failed';
  const services = new Set(polled.map((t) => t.service));
  return [...services].some((service) =>
    polled.filter((t) => t.service === service).every((t) => ended(t.status)),
  );
}
