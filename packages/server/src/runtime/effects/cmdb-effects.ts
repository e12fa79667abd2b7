/** The CMDB effects: start a deploy of one code item, read the deploy tasks. */
import { NonRetryableError } from '@cdflow/core';
import { cdflowOperator, type EffectHandler } from './effect-handler.js';

export const deploy: EffectHandler<'cmdb.deploy'> = async (effect, _release, { ports, deploySlots }) => {
  const targets = await ports.cmdb.findTargets(effect.env, { svnPath: effect.svnPath, tag: effect.tag });
  const tag = effect.tag.trim() === '' ? 'V1' : effect.tag.toUpperCase();
  const target = targets.length === 1 ? targets[0] : undefined;
  if (!target) {
    return {
      kind: 'event',
      event: {
        type: 'DEPLOY_FAILED',
        service: effect.service,
        attempt: effect.attempt,
        reason:
          targets.length === 0
            ? `No CMDB deploy target for ${effect.svnPath} with tag ${tag} in ${effect.env}: register it in the CMDB or fix the tag of the code item.`
            : `Several CMDB deploy targets for ${effect.svnPath} with tag ${tag} in ${effect.env} (${targets.map((t) => t.name).join(', ')}): cdflow will not guess which one to deploy.`,
      },
    };
  }
  const started = await deploySlots.use(() =>
    ports.cmdb.deploy(target, {
      version: effect.svnVersion,
      operator: cdflowOperator,
      requestId: effect.idempotencyKey,
    }),
  );
  if (started.kind === 'finished') {
    throw new NonRetryableError('a synchronous CMDB is not supported by this runtime yet');
  }
  return {
    kind: 'event',
    event: {
      type: 'DEPLOY_STARTED',
      service: effect.service,
      attempt: effect.attempt,
      taskId: started.taskId,
    },
  };
};

export const pollTasks: EffectHandler<'cmdb.pollTasks'> = async (effect, _release, { ports }) => {
  const tasks: Array<{
    service: string;
    attempt: number;
    status: 'pending' | 'running' | 'success' | 'failed';
    message: string | null;
  }> = [];
  for (const t of effect.tasks) {
    const task = await ports.cmdb.getTask(t.taskId);
    tasks.push({ service: t.service, attempt: t.attempt, status: task.status, message: task.message });
  }
  // No task moved since the machine last looked: read again later, deciding (and writing) nothing.
  const unchanged = effect.tasks.every((t, i) => t.known !== undefined && tasks[i]?.status === t.known);
  if (unchanged) return { kind: 'later', delayMs: effect.everyMs, reason: 'no task changed', quiet: true };
  return { kind: 'event', event: { type: 'DEPLOY_TASKS_POLLED', tasks } };
};
