/**
 * The CMDB effects: look up a code item's targets, deploy to targets (side by side, within the deploy
 * slots), read the deploy tasks. Both dialects: the tasks dialect starts a task per target (idempotent by
 * its `request_id`), the jiracdflow dialect answers each deploy's outcome itself (no idempotency key).
 */
import { type DeployReport, type EffectResultEvent, tasksPollIsNews } from '@cdflow/core';
import { cmdbTaskSlot } from './cmdb-deploy-slots.js';
import { describeError } from './effect-errors.js';
import { cdflowOperator, type EffectHandler, type EffectOf } from './effect-handler.js';
import { upstreamsFor } from './environment-upstreams.js';

export const findTargets: EffectHandler<'cmdb.findTargets'> = async (effect, release, deps) => {
  const { ports } = upstreamsFor(deps, release);
  const targets = await ports.cmdb.findTargets(effect.env, { svnPath: effect.svnPath, tag: effect.tag });
  return {
    kind: 'event',
    event: {
      type: 'DEPLOY_TARGETS_FOUND',
      service: effect.service,
      targets: targets.map((t) => ({ id: t.id, name: t.name })),
    },
  };
};

type Deploy = EffectOf<'cmdb.deploy'>['deploys'][number];

/** An error after which nobody knows whether the CMDB deployed (the call may have run). */
function outcomeUnknown(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'TIMEOUT' || code === 'NETWORK' || code === 'UPSTREAM_UNAVAILABLE';
}

/** A failure the runner tries again (network, 5xx, garbage in a 2xx). */
function retryable(error: unknown): boolean {
  return (error as { retryable?: unknown }).retryable === true;
}

/** One deploy's report, and the error it failed with (for the batch to decide, see `deploy`). */
interface Attempt {
  report: DeployReport;
  error?: unknown;
}

export const deploy: EffectHandler<'cmdb.deploy'> = async (effect, release, deps) => {
  const { deploySlots } = deps;
  const { ports, settings } = upstreamsFor(deps, release);
  const synchronous = settings.cmdb.dialect === 'jiracdflow';
  // A synchronous CMDB has no idempotency key: an effect run again after a stop (or after a failed
  // attempt) may deploy what the earlier run already deployed. Harmless (the same version), but said.
  const resent = synchronous && (release.rerun || release.attempts > 0);
  const note = resent
    ? 'sent again after a restart or a lost answer (the earlier send may have deployed it: the same version twice is harmless): '
    : '';
  /** Slot keys this run holds, to give back if the whole effect is run again. */
  const held = new Set<string>();
  // Every deploy was answered `queued` before and still finds no slot: wait for one without deciding
  // anything (each answer would be a decision, a timer and a new effect per CMDB poll), unless the
  // release has other work queued behind this effect.
  if (
    !release.queuedBehind &&
    effect.deploys.every((d) => d.waitedForSlot === true) &&
    !effect.deploys.some((d) => deploySlots.canTake(d.requestId))
  ) {
    const reason = `waiting for a deploy slot: ${deploySlots.size} deploy(s) in flight (deployParallelism)`;
    return { kind: 'later', delayMs: effect.everyMs, reason, quiet: true };
  }
  // The slots are taken as soon as they are found free, before the start is recorded (which waits for
  // the store's commit): of the releases that find a slot at once, the first ones take it.
  const slotted = new Set(
    effect.deploys.filter((d) => deploySlots.take(d.requestId)).map((d) => d.requestId),
  );
  try {
    await release.recordStart();
  } catch (error) {
    for (const key of slotted) deploySlots.free(key);
    throw error;
  }

  const one = async (d: Deploy): Promise<Attempt> => {
    const at = {
      service: d.service,
      targetId: d.target.id,
      attempt: d.attempt,
      ...(resent ? { resent } : {}),
    };
    if (!slotted.has(d.requestId)) {
      const message = `${deploySlots.size} deploy(s) already in flight (deployParallelism): sent again at the next CMDB poll`;
      return { report: { ...at, outcome: 'queued', message } };
    }
    held.add(d.requestId);
    let keepSlot = false;
    try {
      const target = {
        id: d.target.id,
        name: d.target.name,
        env: effect.env,
        tag: d.tag,
        svnPath: d.svnPath,
      };
      const result = await ports.cmdb.deploy(target, {
        version: d.svnVersion,
        operator: cdflowOperator,
        requestId: d.requestId,
      });
      if (result.kind === 'task') {
        if (result.status === 'success') return { report: { ...at, outcome: 'success', message: null } };
        if (result.status === 'failed') {
          return { report: { ...at, outcome: 'failed', message: `CMDB task ${result.taskId} failed` } };
        }
        const slot = cmdbTaskSlot(result.taskId);
        deploySlots.move(d.requestId, slot);
        held.add(slot);
        keepSlot = true;
        return { report: { ...at, outcome: 'started', taskId: result.taskId } };
      }
      return {
        report:
          result.status === 'success'
            ? { ...at, outcome: 'success', message: `${note}${result.message ?? ''}` || null }
            : { ...at, outcome: 'failed', message: `${note}${result.message ?? 'deploy failed'}` },
      };
    } catch (error) {
      const unknown =
        synchronous && outcomeUnknown(error)
          ? ' (no answer: the CMDB may have deployed it; a retry deploys the same version again)'
          : '';
      return {
        report: { ...at, outcome: 'failed', message: `${note}${describeError(error)}${unknown}` },
        error,
      };
    } finally {
      if (!keepSlot) deploySlots.free(d.requestId);
    }
  };

  const attempts = await Promise.all(effect.deploys.map(one));
  // The tasks dialect is idempotent by request_id: a retryable failure runs the whole effect again (the
  // deploys that started get their tasks back, none twice). A synchronous CMDB is not: each failure is
  // reported as that deploy's, for the machine to retry it alone after its pause, and the deploys that
  // did succeed are never sent again.
  const again = synchronous ? undefined : attempts.find((a) => a.error !== undefined && retryable(a.error));
  if (again) {
    for (const key of held) deploySlots.free(key);
    throw again.error;
  }
  return { kind: 'event', event: { type: 'DEPLOYS_REPORTED', deploys: attempts.map((a) => a.report) } };
};

export const pollTasks: EffectHandler<'cmdb.pollTasks'> = async (effect, release, deps) => {
  const { deploySlots } = deps;
  const { ports } = upstreamsFor(deps, release);
  const tasks: Extract<EffectResultEvent, { type: 'DEPLOY_TASKS_POLLED' }>['tasks'] = [];
  for (const t of effect.tasks) {
    const task = await ports.cmdb.getTask(t.taskId);
    const slot = cmdbTaskSlot(t.taskId);
    if (task.status === 'success' || task.status === 'failed') deploySlots.free(slot);
    else deploySlots.hold(slot);
    tasks.push({
      service: t.service,
      targetId: t.targetId,
      attempt: t.attempt,
      status: task.status,
      message: task.message,
    });
  }
  // No target's task moved and every item still runs: read again later, deciding (and writing) nothing.
  if (!tasksPollIsNews(effect.tasks, tasks)) {
    return { kind: 'later', delayMs: effect.everyMs, reason: 'no task changed', quiet: true };
  }
  return { kind: 'event', event: { type: 'DEPLOY_TASKS_POLLED', tasks } };
};
