/** The Archery effects: submit a work order (reusing one already there), read statuses, execute (mode auto). */
import { isFailedArcheryStatus, ordersPollIsNews } from '@cdflow/core';
import type { EffectHandler } from './effect-handler.js';

function sameSql(a: string, b: string): boolean {
  return a.replace(/\r\n/g, '\n').trim() === b.replace(/\r\n/g, '\n').trim();
}

export const submitOrder: EffectHandler<'archery.submitOrder'> = async (effect, _release, { ports }) => {
  const { order } = effect;
  // An order submitted before a crash or a lost answer is found by its name and content, never doubled.
  const existing = await ports.archery.findWorkOrders(order.workflowName);
  const reusable = existing.find(
    (o) => sameSql(o.sqlContent, order.sql) && o.dbName === order.dbName && !isFailedArcheryStatus(o.status),
  );
  const submitted =
    reusable ??
    (await ports.archery.submitWorkOrder({
      workflowName: order.workflowName,
      groupName: order.group,
      instanceName: order.instance,
      dbName: order.dbName,
      sql: order.sql,
    }));
  return {
    kind: 'event',
    event: {
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: order.sqlId,
      workflowId: submitted.workflowId,
      status: submitted.status,
      error: submitted.error,
    },
  };
};

export const pollOrders: EffectHandler<'archery.pollOrders'> = async (effect, _release, { ports }) => {
  const orders = [];
  for (const workflowId of effect.workflowIds) {
    const order = await ports.archery.getWorkOrder(workflowId);
    orders.push({ workflowId, status: order.status, error: order.error });
  }
  // Nothing the machine would act on: read again later, deciding (and writing) nothing.
  if (effect.known !== undefined && !ordersPollIsNews(effect.known, orders)) {
    return { kind: 'later', delayMs: effect.everyMs, reason: 'no order changed', quiet: true };
  }
  return { kind: 'event', event: { type: 'SQL_ORDERS_POLLED', orders } };
};

export const executeOrder: EffectHandler<'archery.executeOrder'> = async (effect, release, { ports }) => {
  let order = await ports.archery.getWorkOrder(effect.workflowId);
  if (order.status === 'workflow_manreviewing') {
    await ports.archery.auditPass(effect.workflowId, `cdflow auto mode: ${release.releaseId}`);
    order = await ports.archery.getWorkOrder(effect.workflowId);
  }
  // Only an order that passed review is executed; any other status means someone else acted.
  if (order.status !== 'workflow_review_pass') {
    return { kind: 'done', detail: { workflowId: effect.workflowId, skipped: order.status } };
  }
  await ports.archery.execute(effect.workflowId, 'auto');
  return { kind: 'done', detail: { workflowId: effect.workflowId, executed: true } };
};
