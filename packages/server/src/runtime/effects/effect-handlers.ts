/**
 * Every effect type and the handler that performs it, checked to be complete by the compiler. Every
 * upstream side effect is guarded by its idempotency key or a look-up first, so running an effect again
 * after a crash or a retry never repeats it upstream.
 */
import type { ReleaseEffect } from '@cdflow/core';
import { applyApollo } from './apollo-effects.js';
import {
  cancelOrder,
  checkSql,
  executeOrder,
  pollOrders,
  readOrdersForConfirmation,
  resolveRoutes,
  submitOrder,
} from './archery-effects.js';
import { deploy, findTargets, pollTasks } from './cmdb-effects.js';
import type {
  EffectDeps,
  EffectHandler,
  EffectHandlers,
  EffectOutcome,
  EffectRelease,
} from './effect-handler.js';
import { comment, ensureIssue, moveTo, showOrders, updateFields } from './jira-effects.js';
import { checkPolicy } from './policy-effects.js';
import { checkWindow, promote } from './prod-effects.js';
import { fetchSqlFile } from './sql-source-effects.js';

/** Timers are rows written with the decision, never outbox entries: nothing to perform. */
const timerRow = async (): Promise<EffectOutcome> => ({ kind: 'done' });

export const effectHandlers = {
  'jira.ensureIssue': ensureIssue,
  'jira.updateFields': updateFields,
  'jira.moveTo': moveTo,
  'jira.comment': comment,
  'jira.showOrders': showOrders,
  'sql.fetch': fetchSqlFile,
  'policy.check': checkPolicy,
  'archery.resolveRoutes': resolveRoutes,
  'archery.checkSql': checkSql,
  'archery.submitOrder': submitOrder,
  'archery.pollOrders': pollOrders,
  'archery.readOrders': readOrdersForConfirmation,
  'archery.executeOrder': executeOrder,
  'archery.cancelOrder': cancelOrder,
  'apollo.apply': applyApollo,
  'cmdb.findTargets': findTargets,
  'cmdb.deploy': deploy,
  'cmdb.pollTasks': pollTasks,
  'prod.checkWindow': checkWindow,
  'release.promote': promote,
  'timer.schedule': timerRow,
  'timer.cancel': timerRow,
} satisfies EffectHandlers;

/** Perform one effect through its handler. */
export function performEffect(
  effect: ReleaseEffect,
  release: EffectRelease,
  deps: EffectDeps,
): Promise<EffectOutcome> {
  const handler = effectHandlers[effect.type] as EffectHandler<typeof effect.type>;
  return handler(effect as never, release, deps);
}

/**
 * Effects whose handler reads the upstream before it acts (a Jira move reads the issue's status, an
 * Archery execution the order's): run again after a stop, they find their work done and do nothing. The
 * outcome of such an effect that brings no event may wait in memory for the release's next write instead
 * of a write of its own (one process only; the runner writes it before it leaves the release).
 */
export function outcomeMayWait(effect: ReleaseEffect): boolean {
  return effect.type === 'jira.moveTo' || effect.type === 'archery.executeOrder';
}

/**
 * Effects whose start is recorded, so that after a stop mid-call the history can say the call is made
 * again with its earlier outcome unknown: a CMDB deploy (the original's CMDB takes no idempotency key).
 */
export function outcomeUnknownAfterStop(effect: ReleaseEffect): boolean {
  return effect.type === 'cmdb.deploy';
}
