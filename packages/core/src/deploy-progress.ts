/**
 * Pure context transitions of the code stage: a code item deploys to every CMDB target it selects; each
 * target's deploy is sent, started (a CMDB task) or answered (a synchronous CMDB), retried after a pause
 * while attempts remain, and the item succeeds only when all its targets did. The machine decides *when*
 * (release-machine.ts); these say *what*.
 */

import type { ReleaseEffect } from './release-effects.js';
import type { EffectResultEvent } from './release-events.js';
import type { Deployment, DeployTarget, Env, ReleaseContext } from './release-types.js';

type EventOf<T extends EffectResultEvent['type']> = Extract<EffectResultEvent, { type: T }>;

/** The events that move deployments. */
export type DeployEvent = EventOf<
  'DEPLOY_TARGETS_FOUND' | 'DEPLOY_FAILED' | 'DEPLOYS_REPORTED' | 'DEPLOY_TASKS_POLLED'
>;

export type DeployOutcome = 'succeeded' | 'failed' | 'running';

type CmdbDeploy = Extract<ReleaseEffect, { type: 'cmdb.deploy' }>['deploys'][number];
type CmdbPolledTask = Extract<ReleaseEffect, { type: 'cmdb.pollTasks' }>['tasks'][number];

const finalTarget = (t: DeployTarget) => t.status === 'success' || t.status === 'failed';

/** The tag as a person reads it in messages ("" means the default deployment, V1). */
function shownTag(tag: string): string {
  return tag.trim() === '' ? 'V1' : tag.toUpperCase();
}

/** Why an item has no target: the CMDB selects none for its path and tag. */
export function noTargetMessage(d: Pick<Deployment, 'svnPath' | 'tag'>, env: Env): string {
  return `No CMDB deploy target for ${d.svnPath} with tag ${shownTag(d.tag)} in ${env}: register it in the CMDB or fix the tag of the code item.`;
}

/** The item's status and message from its targets. */
function summarised(d: Deployment): Deployment {
  const targets = d.targets;
  if (targets === null) return { ...d, status: 'pending' };
  if (targets.length === 0) return { ...d, status: 'failed' };
  if (targets.every((t) => t.status === 'success')) return { ...d, status: 'success', message: null };
  if (targets.every(finalTarget)) {
    const failed = targets.filter((t) => t.status === 'failed');
    return {
      ...d,
      status: 'failed',
      message: failed.map((t) => `${t.name}: ${t.message ?? 'failed'}`).join('; '),
    };
  }
  if (targets.every((t) => t.status === 'pending')) return { ...d, status: 'pending' };
  return { ...d, status: 'running' };
}

/** The items of the plan's code section, their targets not looked up yet. */
export function buildDeployments(context: ReleaseContext): Deployment[] {
  return context.plan.code
    .filter((e) => e.decision === 'run')
    .map(({ item }) => ({
      service: item.service,
      svnPath: item.svnPath,
      svnVersion: item.svnVersion,
      tag: item.tag,
      iteration: context.iteration,
      // The decision being taken has the next revision (decide stamps it after the transition).
      round: context.revision + 1,
      targets: null,
      status: 'pending',
      message: null,
    }));
}

/** A failed deploy is retried (after the pause) while attempts remain, then fails for good. */
function failTarget(context: ReleaseContext, t: DeployTarget, message: string): DeployTarget {
  const retry = t.attempt < context.settings.deployRetries + 1;
  return { ...t, status: retry ? 'retrying' : 'failed', taskId: null, message };
}

function mapTargets(
  deployments: Deployment[],
  change: (d: Deployment, t: DeployTarget) => DeployTarget,
): Deployment[] {
  return deployments.map((d) => {
    if (!d.targets) return d;
    let changed = false;
    const targets = d.targets.map((t) => {
      const next = change(d, t);
      if (next !== t) changed = true;
      return next;
    });
    return changed ? summarised({ ...d, targets }) : d;
  });
}

function changedAny(before: Deployment[], after: Deployment[]): boolean {
  return after.some((d, i) => d !== before[i]);
}

/**
 * The deployments once `event` is applied, or null when it concerns nothing the release waits for (a
 * stale or repeated answer). A poll answer is always taken (polls are the release's own).
 */
export function applyDeployEvent(context: ReleaseContext, event: DeployEvent): Deployment[] | null {
  const before = context.deployments;
  let after: Deployment[];
  switch (event.type) {
    case 'DEPLOY_TARGETS_FOUND': {
      after = before.map((d) => {
        if (d.service !== event.service || d.targets !== null) return d;
        const seen = new Set<number>();
        const targets: DeployTarget[] = [];
        for (const t of event.targets) {
          if (seen.has(t.id)) continue;
          seen.add(t.id);
          targets.push({
            id: t.id,
            name: t.name,
            status: 'pending',
            attempt: 1,
            taskId: null,
            message: null,
          });
        }
        const message = targets.length === 0 ? noTargetMessage(d, context.request.env) : null;
        return summarised({ ...d, targets, message });
      });
      break;
    }
    case 'DEPLOY_FAILED':
      after = before.map((d) =>
        d.service === event.service && d.targets === null
          ? summarised({ ...d, targets: [], message: event.reason })
          : d,
      );
      break;
    case 'DEPLOYS_REPORTED':
      after = mapTargets(before, (d, t) => {
        const report = event.deploys.find(
          (r) => r.service === d.service && r.targetId === t.id && r.attempt === t.attempt,
        );
        if (!report || t.status !== 'sending') return t;
        const { waitedForSlot: _waited, ...sent } = t;
        const resent = report.resent ? { resent: true } : {};
        switch (report.outcome) {
          case 'started':
            return { ...sent, ...resent, status: 'started', taskId: report.taskId, message: null };
          case 'success':
            return { ...sent, ...resent, status: 'success', message: report.message };
          case 'failed':
            return { ...failTarget(context, sent, report.message), ...resent };
          case 'queued':
            return { ...t, status: 'queued', message: report.message };
        }
        return t;
      });
      break;
    case 'DEPLOY_TASKS_POLLED':
      return mapTargets(before, (d, t) => {
        const task = event.tasks.find(
          (k) => k.service === d.service && k.targetId === t.id && k.attempt === t.attempt,
        );
        if (!task || (t.status !== 'started' && t.status !== 'running')) return t;
        if (task.status === 'success') return { ...t, status: 'success', message: task.message };
        if (task.status === 'failed') return failTarget(context, t, task.message ?? 'deploy failed');
        if (task.status === 'running') return { ...t, status: 'running', message: task.message };
        return t;
      });
  }
  return changedAny(before, after) ? after : null;
}

/** Failed deploys whose pause is over are sent again, as their next attempt. */
export function startRetries(context: ReleaseContext): Deployment[] {
  return mapTargets(context.deployments, (_d, t) =>
    t.status === 'retrying' ? { ...t, status: 'pending', attempt: t.attempt + 1 } : t,
  );
}

/** Deploys that found no free slot are sent again. */
export function requeueWaitingForSlot(context: ReleaseContext): Deployment[] {
  return mapTargets(context.deployments, (_d, t) =>
    t.status === 'queued' ? { ...t, status: 'pending', waitedForSlot: true } : t,
  );
}

/**
 * The tasks dialect's `request_id` of one deploy: one per deploy round, target and attempt, stable across
 * restarts. A round is the decision that built the deployments (`round`): 重新提交代码 after a failed
 * deploy starts a new round in the same iteration, so its first attempt is never answered with the
 * failed task of the round before.
 */
export function deployRequestId(releaseId: string, d: Deployment, t: DeployTarget): string {
  const round = d.round === undefined ? '' : `:r${d.round}`;
  return `${releaseId}:deploy:${d.service}:${d.svnVersion}:i${d.iteration}${round}:t${t.id}:a${t.attempt}`;
}

/**
 * The deploys to send now: every pending target, once every item's targets are known (so a synchronous
 * CMDB gets them all at once and deploys them side by side). Empty while a look-up is outstanding.
 */
export function deploysToSend(context: ReleaseContext): CmdbDeploy[] {
  if (context.deployments.some((d) => d.targets === null)) return [];
  return context.deployments.flatMap((d) =>
    (d.targets ?? [])
      .filter((t) => t.status === 'pending')
      .map((t) => ({
        service: d.service,
        svnPath: d.svnPath,
        svnVersion: d.svnVersion,
        tag: d.tag,
        target: { id: t.id, name: t.name },
        attempt: t.attempt,
        requestId: deployRequestId(context.releaseId, d, t),
        ...(t.waitedForSlot ? { waitedForSlot: true } : {}),
      })),
  );
}

/** The pending targets `deploysToSend` returned are now being sent. */
export function markSending(context: ReleaseContext): Deployment[] {
  return mapTargets(context.deployments, (_d, t) =>
    t.status === 'pending' ? { ...t, status: 'sending' } : t,
  );
}

/** CMDB tasks to poll, each with its status as the machine knows it (`known`: a poll reporting it is no news). */
export function tasksToPoll(deployments: Deployment[]): CmdbPolledTask[] {
  return deployments.flatMap((d) =>
    (d.targets ?? []).flatMap((t) =>
      t.taskId !== null && (t.status === 'started' || t.status === 'running')
        ? [
            {
              service: d.service,
              targetId: t.id,
              attempt: t.attempt,
              taskId: t.taskId,
              known: t.status === 'running' ? ('running' as const) : ('pending' as const),
            },
          ]
        : [],
    ),
  );
}

/** Whether the CMDB poll timer is needed: a task runs, or a deploy waits for a slot. */
export function cmdbPollNeeded(deployments: Deployment[]): boolean {
  return deployments.some((d) =>
    (d.targets ?? []).some((t) => t.status === 'started' || t.status === 'running' || t.status === 'queued'),
  );
}

export function retryPending(deployments: Deployment[]): boolean {
  return deployments.some((d) => (d.targets ?? []).some((t) => t.status === 'retrying'));
}

export function timeOutDeployments(context: ReleaseContext): Deployment[] {
  const message = `not finished within ${context.settings.deployTimeoutMs} ms`;
  return context.deployments.map((d) => {
    if (d.targets === null) return summarised({ ...d, targets: [], message: `CMDB targets ${message}` });
    return summarised({
      ...d,
      targets: d.targets.map((t) => (finalTarget(t) ? t : { ...t, status: 'failed', message })),
    });
  });
}

/** Succeeded: every item did; failed: every item ended and one failed; otherwise running. */
export function deployOutcome(deployments: Deployment[]): DeployOutcome {
  if (deployments.every((d) => d.status === 'success')) return 'succeeded';
  if (deployments.every((d) => d.status === 'success' || d.status === 'failed')) return 'failed';
  return 'running';
}

/** Lines of the Jira comment for failed items: each failed target, or why the item had none. */
export function deployFailureLines(deployments: Deployment[]): string[] {
  return deployments
    .filter((d) => d.status === 'failed')
    .flatMap((d) => {
      const head = `- ${d.service}@${d.svnVersion} (tag ${shownTag(d.tag)})`;
      const failed = (d.targets ?? []).filter((t) => t.status === 'failed');
      if (failed.length === 0) return [`${head}: ${d.message ?? 'failed'}`];
      return failed.map(
        (t) =>
          `${head} on ${t.name} (attempt ${t.attempt}): ${t.message ?? 'failed'}${t.resent ? ' (sent again after an unknown outcome)' : ''}`,
      );
    });
}

/** Items whose every target succeeded are applied, even when others failed: they never deploy again unchanged. */
export function withAppliedCode(context: ReleaseContext): ReleaseContext['applied'] {
  const code = { ...context.applied.code };
  for (const d of context.deployments) {
    if (d.status === 'success')
      code[d.service] = { svnVersion: d.svnVersion, tag: d.tag, iteration: d.iteration };
  }
  return { ...context.applied, code };
}
