/**
 * The CMDB effects: look up a code item's targets, deploy to targets (side by side, within the deploy
 * slots), read the deploy tasks. Both dialects: the tasks dialect starts a task per target (idempotent by
 * its `request_id`), the jiracdflow dialect answers each deploy's outcome itself (no idempotency key).
 */
import type { DeployReport, EffectResultEvent } from '@cdflow/core';
import { cmdbTaskSlot } from './cmdb-deploy-slots.js';
import { describeError } from './effect-errors.js';
import { cdflowOperator, type EffectHandler, type EffectOf } from './effect-handler.js';

export const findTargets: EffectHandler<'cmdb.findTargets'> = async (effect, _release, { ports }) => {
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

export const deploy: EffectHandler<'cmdb.deploy'> = async (effect, release, deps) => {
  const { ports, deploySlots, config } = deps;
  // A synchronous CMDB has no idempotency key: an effect run again after a stop (or after a failed
  // attempt) may deploy what the earlier run already deployed. Harmless (the same version), but said.
  const resent = config.cmdb.dialect === 'jiracdflow' && (release.resumed === true || release.attempts > 0);
  const note = resent
    ? 'sent again after a restart or a lost answer (the earlier send may have deployed it: the same version twice is harmless): '
    : '';

  const one = async (d: Deploy): Promise<DeployReport> => {
    const at = {
      service: d.service,
      targetId: d.target.id,
      attempt: d.attempt,
      ...(resent ? { resent } : {}),
    };
    if (!deploySlots.take(d.requestId)) {
      return {
        ...at,
        outcome: 'queued',
        message: `${deploySlots.size} deploy(s) already in flight (deployParallelism): sent again at the next CMDB poll`,
      };
    }
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
        if (result.status === 'success') return { ...at, outcome: 'success', message: null };
        if (result.status === 'failed') {
          return { ...at, outcome: 'failed', message: `CMDB task ${result.taskId} failed` };
        }
        deploySlots.move(d.requestId, cmdbTaskSlot(result.taskId));
        keepSlot = true;
        return { ...at, outcome: 'started', taskId: result.taskId };
      }
      return result.status === 'success'
        ? { ...at, outcome: 'success', message: `${note}${result.message ?? ''}` || null }
        : { ...at, outcome: 'failed', message: `${note}${result.message ?? 'deploy failed'}` };
    } catch (error) {
      // Reported per deploy (the machine retries it after its pause), never thrown: throwing would run
      // the whole effect again and send the deploys that did succeed a second time.
      const reason = describeError(error);
      const unknown =
        config.cmdb.dialect === 'jiracdflow' && outcomeUnknown(error)
          ? ' (no answer: the CMDB may have deployed it; a retry deploys the same version again)'
          : '';
      return { ...at, outcome: 'failed', message: `${note}${reason}${unknown}` };
    } finally {
      if (!keepSlot) deploySlots.free(d.requestId);
    }
  };

  const deploys = await Promise.all(effect.deploys.map(one));
  return { kind: 'event', event: { type: 'DEPLOYS_REPORTED', deploys } };
};

export const pollTasks: EffectHandler<'cmdb.pollTasks'> = async (
  effect,
  _release,
  { ports, deploySlots },
) => {
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
  return { kind: 'event', event: { type: 'DEPLOY_TASKS_POLLED', tasks } };
};
