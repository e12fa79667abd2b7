/**
 * The Archery effects: resolve routes (group, instance, database), have Archery check the SQL
 * (sqlcheck), submit a work order (reusing one already there), read statuses (polls, and the fresh read
 * a person's confirmation is checked on), execute (mode auto), cancel an order an iteration replaced.
 */
import {
  type ArcheryRouteLookup,
  type ArcherySqlCheckRow,
  CdflowError,
  chooseArcheryDatabase,
  isFailedArcheryStatus,
  ordersPollIsNews,
  type ReadOrder,
  type SqlCheckMessage,
  workOrderNameSearchText,
  workOrderPositionOf,
} from '@cdflow/core';
import { describeError } from './effect-errors.js';
import type { EffectHandler } from './effect-handler.js';
import { upstreamsFor } from './environment-upstreams.js';
import type { RuntimePorts } from './runtime-ports.js';

function sameSql(a: string, b: string): boolean {
  return a.replace(/\r\n/g, '\n').trim() === b.replace(/\r\n/g, '\n').trim();
}

/** Longest statement quoted back in a check's message. */
const statementLength = 120;

function checkMessage(row: ArcherySqlCheckRow): SqlCheckMessage {
  const statement = row.sql.replace(/\s+/g, ' ').trim();
  return {
    statement: statement.length > statementLength ? `${statement.slice(0, statementLength)}…` : statement,
    message: row.errorMessage.trim(),
  };
}

/** Archery's own check of each item, in its instance and database: errors (errlevel 2) and warnings (1). */
export const checkSql: EffectHandler<'archery.checkSql'> = async (effect, release, deps) => {
  const { ports } = upstreamsFor(deps, release);
  const items = [];
  for (const item of effect.items) {
    const check = await ports.archery.sqlcheck({
      instanceName: item.instance,
      dbName: item.dbName,
      sql: item.sql,
    });
    const at = (level: number) =>
      check.rows.filter((r) => r.errlevel === level && r.errorMessage.trim() !== '').map(checkMessage);
    items.push({ sqlId: item.sqlId, hash: item.hash, errors: at(2), warnings: at(1) });
  }
  return { kind: 'event', event: { type: 'SQL_CHECKED', items } };
};

/** Archery's id of the instance a route names (cached by the adapter), for comparing an order's target. */
async function instanceIdOf(
  ports: Pick<RuntimePorts, 'archery'>,
  group: string,
  instance: string,
): Promise<number | null> {
  const route = await ports.archery.lookUpRoute({ groupName: group, instanceName: instance });
  return route.instance?.id ?? null;
}

export const resolveRoutes: EffectHandler<'archery.resolveRoutes'> = async (effect, release, deps) => {
  const { ports } = upstreamsFor(deps, release);
  const lookups = new Map<string, Promise<ArcheryRouteLookup>>();
  const routes: Array<{ sqlId: string; dbName: string }> = [];
  const failures: Array<{ sqlId: string; instance: string; group: string; reason: string }> = [];
  for (const route of effect.routes) {
    const key = JSON.stringify([route.group, route.instance]);
    let lookup = lookups.get(key);
    if (!lookup) {
      lookup = ports.archery.lookUpRoute({ groupName: route.group, instanceName: route.instance });
      lookups.set(key, lookup);
    }
    const choice = chooseArcheryDatabase(route, await lookup);
    if ('dbName' in choice) routes.push({ sqlId: route.sqlId, dbName: choice.dbName });
    else
      failures.push({
        sqlId: route.sqlId,
        instance: route.instance,
        group: route.group,
        reason: choice.reason,
      });
  }
  return {
    kind: 'event',
    event:
      failures.length > 0 ? { type: 'SQL_ROUTES_FAILED', failures } : { type: 'SQL_ROUTES_RESOLVED', routes },
  };
};

export const submitOrder: EffectHandler<'archery.submitOrder'> = async (effect, release, deps) => {
  const { config } = deps;
  const { ports, settings } = upstreamsFor(deps, release);
  const { order } = effect;
  // An order submitted before a crash or a lost answer is found by the release's name and its content,
  // never doubled, whatever numbering it was submitted under (an iteration may have renumbered the
  // items since); orders the release already recorded belong to other items and are never taken.
  // An order is this item's only with the same SQL text and target: instance and database both.
  const recorded = new Set(effect.recordedWorkflowIds);
  const existing = await ports.archery.findWorkOrdersContaining(workOrderNameSearchText(effect.summary));
  const candidates = existing.filter(
    (o) =>
      workOrderPositionOf(o.workflowName, effect.summary) !== null &&
      !recorded.has(o.workflowId) &&
      sameSql(o.sqlContent, order.sql) &&
      o.dbName === order.dbName &&
      !isFailedArcheryStatus(o.status),
  );
  const instanceId = candidates.length > 0 ? await instanceIdOf(ports, order.group, order.instance) : null;
  const reusable = candidates.find((o) => instanceId !== null && o.instanceId === instanceId);
  const submitted =
    reusable ??
    (await ports.archery.submitWorkOrder({
      workflowName: order.workflowName,
      groupName: order.group,
      instanceName: order.instance,
      dbName: order.dbName,
      sql: order.sql,
      isBackup: settings.archery.isBackup,
      ...(release.issueKey ? { demandUrl: `${config.jira.baseUrl}/browse/${release.issueKey}` } : {}),
    }));
  return {
    kind: 'event',
    event: {
      type: 'SQL_ORDER_SUBMITTED',
      sqlId: order.sqlId,
      workflowId: submitted.workflowId,
      status: submitted.status,
      workflowName: submitted.workflowName,
      error: submitted.error,
      // What was submitted: the machine binds the order only to an item that still has it.
      hash: order.hash,
      instance: order.instance,
      dbName: order.dbName,
    },
  };
};

/** Every order's status as Archery answers it now. */
async function readOrders(
  ports: Pick<RuntimePorts, 'archery'>,
  workflowIds: readonly number[],
): Promise<ReadOrder[]> {
  const orders: ReadOrder[] = [];
  for (const workflowId of workflowIds) {
    const order = await ports.archery.getWorkOrder(workflowId);
    orders.push({
      workflowId,
      status: order.status,
      error: order.error,
      finishedAt: order.finishedAt ?? null,
    });
  }
  return orders;
}

/** The fresh read a person's SQL升级成功 is checked on (never a poll's earlier answer). */
export const readOrdersForConfirmation: EffectHandler<'archery.readOrders'> = async (
  effect,
  release,
  deps,
) => ({
  kind: 'event',
  event: {
    type: 'SQL_CONFIRMATION_CHECKED',
    orders: await readOrders(upstreamsFor(deps, release).ports, effect.workflowIds),
  },
});

export const pollOrders: EffectHandler<'archery.pollOrders'> = async (effect, release, deps) => {
  const { ports } = upstreamsFor(deps, release);
  const orders = await readOrders(ports, effect.workflowIds);
  // Nothing the machine would act on: read again later, deciding (and writing) nothing.
  if (effect.known !== undefined && !ordersPollIsNews(effect.known, orders)) {
    return { kind: 'later', delayMs: effect.everyMs, reason: 'no order changed', quiet: true };
  }
  return { kind: 'event', event: { type: 'SQL_ORDERS_POLLED', orders } };
};

/** Archery's own words for a refusal (its `{"errors": …}` body), else the error's description. */
function archeryWords(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  const errors =
    body !== null && typeof body === 'object' ? (body as { errors?: unknown }).errors : undefined;
  if (typeof errors === 'string' && errors.trim() !== '') return errors.trim();
  return describeError(error);
}

export const executeOrder: EffectHandler<'archery.executeOrder'> = async (effect, release, deps) => {
  // cdflow never executes SQL in production (core never asks; this holds even if it did).
  if (release.env === 'PRO') {
    return {
      kind: 'done',
      detail: { workflowId: effect.workflowId, skipped: 'production: cdflow never executes SQL' },
    };
  }
  const { ports } = upstreamsFor(deps, release);
  let order = await ports.archery.getWorkOrder(effect.workflowId);
  if (order.status === 'workflow_manreviewing') {
    try {
      await ports.archery.auditPass(effect.workflowId, `cdflow auto mode: ${release.releaseId}`);
    } catch (error) {
      // Archery refused the audit for good (e.g. ban_self_audit: nobody audits their own order). Judged
      // by the order still being under review, never by the refusal's text: a DBA must audit it.
      if (!(error instanceof CdflowError) || error.retryable) throw error;
      const now = await ports.archery.getWorkOrder(effect.workflowId);
      if (now.status !== 'workflow_manreviewing') throw error;
      return {
        kind: 'event',
        event: {
          type: 'SQL_AUDIT_REFUSED',
          workflowId: effect.workflowId,
          sqlId: effect.sqlId,
          reason: archeryWords(error),
        },
      };
    }
    order = await ports.archery.getWorkOrder(effect.workflowId);
  }
  // Only an order that passed review is executed; any other status means someone else acted.
  if (order.status !== 'workflow_review_pass') {
    return { kind: 'done', detail: { workflowId: effect.workflowId, skipped: order.status } };
  }
  await ports.archery.execute(effect.workflowId, 'auto');
  return { kind: 'done', detail: { workflowId: effect.workflowId, executed: true } };
};

/** Statuses in which an order has not run: cancelling it is safe. */
const cancellable: readonly string[] = [
  'workflow_manreviewing',
  'workflow_review_pass',
  'workflow_timingtask',
];

export const cancelOrder: EffectHandler<'archery.cancelOrder'> = async (effect, release, deps) => {
  const { ports } = upstreamsFor(deps, release);
  const order = await ports.archery.getWorkOrder(effect.workflowId);
  // Someone ran it or ended it meanwhile: it is not cdflow's to cancel any more (the history says so).
  if (!cancellable.includes(order.status)) {
    return { kind: 'done', detail: { workflowId: effect.workflowId, notCancelled: `it is ${order.status}` } };
  }
  try {
    await ports.archery.cancel(effect.workflowId, `cdflow: ${effect.reason}`);
  } catch (error) {
    // Archery refused (e.g. an order cdflow did not submit): recorded, the release goes on.
    if (error instanceof CdflowError && !error.retryable) {
      return { kind: 'done', detail: { workflowId: effect.workflowId, notCancelled: describeError(error) } };
    }
    throw error;
  }
  return { kind: 'done', detail: { workflowId: effect.workflowId, cancelled: true, reason: effect.reason } };
};
