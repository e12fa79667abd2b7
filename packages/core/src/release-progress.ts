/**
 * Pure context transitions of the release machine: how SQL orders and the applied state move when an
 * event arrives (deployments: deploy-progress.ts). The machine (release-machine.ts) decides *when*;
 * these say *what*.
 */
import { isFailedArcheryStatus } from './archery-status.js';
import { planRelease } from './plan-release.js';
import { flagDifferences } from './prod-release.js';
import type { OrderListEntry, ReleaseEffect } from './release-effects.js';
import type { EffectResultEvent, ReadOrder } from './release-events.js';
import type {
  NormalizedRequest,
  PolicyFindingSummary,
  ReleaseContext,
  ReleaseFailure,
  ReleasePlan,
  ReplacedOrder,
  SqlItem,
  SqlOrder,
  SqlText,
} from './release-types.js';
import { withSqlTexts } from './sql-file-texts.js';

type EventOf<T extends EffectResultEvent['type']> = Extract<EffectResultEvent, { type: T }>;

/** Failed: Archery ended it without running it, or it never reached Archery. */
export function isOrderFailed(order: SqlOrder): boolean {
  return order.status === 'submit_failed' || isFailedArcheryStatus(order.status);
}

/** Executed successfully: seen finished in Archery, or confirmed by a person. */
export function isOrderDone(order: SqlOrder): boolean {
  return order.status === 'workflow_finish' || order.confirmedBy !== null;
}

export function runItems<T>(entries: ReadonlyArray<{ item: T; decision: string }>): T[] {
  return entries.filter((e) => e.decision === 'run').map((e) => e.item);
}

export function sqlItemOf(context: ReleaseContext, sqlId: string): SqlItem | undefined {
  return context.request.sql.find((item) => item.sqlId === sqlId);
}

/**
 * A new iteration: re-plan `request` against what was applied. Orders of the previous iteration that are
 * in Archery, not failed, not executed and unchanged are kept (same workflowId), so the sequence
 * continues in order without submitting them twice.
 */
export function beginIteration(
  context: ReleaseContext,
  request: NormalizedRequest,
  uat?: { releaseId: string; applied: ReleaseContext['applied'] } | null,
): ReleaseContext {
  const iteration = context.iteration + 1;
  // Once a version reached the environment, a later iteration must not go below it (DF-V002).
  const previousVersion = context.appliedVersion ?? context.previousVersion;
  // Production runs what its approvers approved: a new iteration is approved again, from the first step,
  // against what its UAT release has applied now (when the host says).
  const prod = context.prod && {
    ...context.prod,
    approvals: [],
    refusedApprovals: [],
    ...(uat === undefined ? {} : { uatReleaseId: uat?.releaseId ?? null, uatApplied: uat?.applied ?? null }),
  };
  const base = prod ? { ...context, prod } : context;
  return { ...firstIterationContext(base, request, iteration), summary: request.summary, previousVersion };
}

/** Archery statuses in which an order has not run and cdflow may still cancel it. */
const unexecutedStatuses: readonly SqlOrder['status'][] = [
  'workflow_manreviewing',
  'workflow_review_pass',
  'workflow_timingtask',
];

export function firstIterationContext(
  context: ReleaseContext,
  request: NormalizedRequest,
  iteration: number,
): ReleaseContext {
  // Files read for an earlier iteration (or an earlier request) are never read again.
  const known = withSqlTexts(request, context.sqlTexts);
  const plan = flagDifferences(planRelease(context.applied, known), { ...context, request: known });
  const earlier = earlierOrders(context);
  const { orders, kept } = sqlOrdersFor(earlier, plan, iteration);
  // Unexecuted orders the new request no longer wants as they are: cancelled in Archery, so a DBA
  // working down the list never runs a replaced version. An order whose item's file is still to be
  // read is decided once its text is known (the same text at a new revision keeps the order).
  const waiting = awaitingSqlIds(known);
  const unkept = earlier.filter(isCancellable).filter((o) => !kept.has(o));
  const replaced = unkept.filter((o) => !waiting.has(o.sqlId)).map((o) => replacedOrder(o, iteration, known));
  const held = unkept.filter((o) => waiting.has(o.sqlId));
  return {
    ...context,
    iteration,
    request: known,
    plan,
    sqlOrders: orders,
    deployments: [],
    warnings: [],
    failure: null,
    ordersAwaitingText: held.length > 0 ? held : undefined,
    ...(replaced.length > 0 ? { replacedOrders: [...(context.replacedOrders ?? []), ...replaced] } : {}),
  };
}

/** The orders an iteration may keep: the release's current ones and those held until their text is read. */
function earlierOrders(context: ReleaseContext): SqlOrder[] {
  const current = context.sqlOrders;
  const ids = new Set(current.flatMap((o) => (o.workflowId === null ? [] : [o.workflowId])));
  return [...current, ...(context.ordersAwaitingText ?? []).filter((o) => !ids.has(o.workflowId ?? -1))];
}

function awaitingSqlIds(request: NormalizedRequest): Set<string> {
  return new Set((request.sqlAwaitingText ?? []).map((item) => item.sqlId));
}

/** In Archery, not run and not confirmed by a person: cdflow may still cancel it. */
function isCancellable(o: SqlOrder): o is SqlOrder & { workflowId: number } {
  return o.workflowId !== null && o.confirmedBy === null && unexecutedStatuses.includes(o.status);
}

function replacedOrder(
  o: SqlOrder & { workflowId: number },
  iteration: number,
  request: NormalizedRequest,
): ReplacedOrder {
  const named = [...request.sql, ...(request.sqlAwaitingText ?? [])].some((item) => item.sqlId === o.sqlId);
  return {
    sqlId: o.sqlId,
    seq: o.seq,
    workflowId: o.workflowId,
    workflowName: o.workflowName ?? null,
    iteration,
    reason: named ? 'content changed' : 'removed from the request',
  };
}

/**
 * One order per SQL item the plan runs. An order of `earlier` that is in Archery, not failed, for the
 * same item and content is kept (same workflowId), so the sequence continues without submitting it twice.
 */
function sqlOrdersFor(
  earlier: readonly SqlOrder[],
  plan: ReleasePlan,
  iteration: number,
): { orders: SqlOrder[]; kept: Set<SqlOrder> } {
  const kept = new Set<SqlOrder>();
  const orders = runItems(plan.sql).map((item): SqlOrder => {
    const previous = earlier.find(
      (o) => o.sqlId === item.sqlId && o.hash === item.hash && o.workflowId !== null && !isOrderFailed(o),
    );
    if (previous) {
      kept.add(previous);
      return { ...previous, seq: item.seq };
    }
    return {
      sqlId: item.sqlId,
      seq: item.seq,
      hash: item.hash,
      iteration,
      workflowId: null,
      status: 'pending',
      confirmedBy: null,
      error: null,
    };
  });
  return { orders, kept };
}

/**
 * A SQL file was read from the SQL source: keep its text with the release, fill it into the items that
 * name it, and plan the SQL of the iteration again (the other sections do not depend on it). An earlier
 * order held for one of those items is kept when the text is the one it runs, otherwise it is replaced.
 */
export function withReadSqlText(
  context: ReleaseContext,
  ref: string,
  text: SqlText,
): Pick<
  ReleaseContext,
  'sqlTexts' | 'request' | 'plan' | 'sqlOrders' | 'ordersAwaitingText' | 'replacedOrders'
> {
  const sqlTexts = { ...context.sqlTexts, [ref]: text };
  const request = withSqlTexts(context.request, sqlTexts);
  const sqlPlan = flagDifferences(planRelease(context.applied, request), { ...context, request }).sql;
  const plan = { ...context.plan, sql: sqlPlan };
  const { orders, kept } = sqlOrdersFor(earlierOrders(context), plan, context.iteration);
  const waiting = awaitingSqlIds(request);
  const held = context.ordersAwaitingText ?? [];
  const replaced = held
    .filter(isCancellable)
    .filter((o) => !kept.has(o) && !waiting.has(o.sqlId))
    .map((o) => replacedOrder(o, context.iteration, request));
  const stillHeld = held.filter((o) => !kept.has(o) && waiting.has(o.sqlId));
  return {
    sqlTexts,
    request,
    plan,
    sqlOrders: orders,
    ordersAwaitingText: stillHeld.length > 0 ? stillHeld : undefined,
    replacedOrders:
      replaced.length > 0 ? [...(context.replacedOrders ?? []), ...replaced] : context.replacedOrders,
  };
}

/** The orders the current iteration replaced (and cdflow cancels). */
export function ordersReplacedNow(context: ReleaseContext): ReplacedOrder[] {
  return (context.replacedOrders ?? []).filter((o) => o.iteration === context.iteration);
}

/** Pending orders whose Archery route (group, instance, database) is not resolved yet. */
export function routesToResolve(
  context: ReleaseContext,
): Array<{ sqlId: string; instance: string; group: string; dbName: string | null }> {
  return context.sqlOrders.flatMap((o) => {
    if (o.status !== 'pending' || o.dbName !== undefined) return [];
    const item = sqlItemOf(context, o.sqlId);
    return item
      ? [{ sqlId: o.sqlId, instance: item.instance, group: item.group, dbName: item.dbName || null }]
      : [];
  });
}

export function recordRoutes(context: ReleaseContext, event: EventOf<'SQL_ROUTES_RESOLVED'>): SqlOrder[] {
  return context.sqlOrders.map((o) => {
    const route = event.routes.find((r) => r.sqlId === o.sqlId);
    return route && o.status === 'pending' ? { ...o, dbName: route.dbName } : o;
  });
}

export function failure(stage: ReleaseFailure['stage'], reason: string, at: string): ReleaseFailure {
  return { stage, reason, at };
}

export function nextPendingOrder(context: ReleaseContext): SqlOrder | undefined {
  return [...context.sqlOrders].sort((a, b) => a.seq - b.seq).find((o) => o.status === 'pending');
}

/** Where an order runs: its content hash and its target (instance, database) as the item has them now. */
export function orderTarget(
  context: ReleaseContext,
  order: SqlOrder,
): { hash: string; instance: string; dbName: string } | undefined {
  const item = sqlItemOf(context, order.sqlId);
  if (!item) return undefined;
  return { hash: order.hash, instance: item.instance, dbName: order.dbName ?? item.dbName };
}

/** What a submission's answer says was submitted (the hash and target are absent in older answers). */
export interface SubmittedOrderRef {
  sqlId: string;
  hash?: string | undefined;
  instance?: string | undefined;
  dbName?: string | undefined;
}

/**
 * The order being submitted that a submission's answer belongs to: the same item, with the same content
 * and target. An answer for content or a target the item no longer has (an iteration re-planned it while
 * the submission was on its way) belongs to no order.
 */
export function submittingOrder(context: ReleaseContext, answer: SubmittedOrderRef): SqlOrder | undefined {
  const order = context.sqlOrders.find((o) => o.sqlId === answer.sqlId && o.status === 'submitting');
  if (!order) return undefined;
  if (answer.hash !== undefined && answer.hash !== order.hash) return undefined;
  if (answer.instance === undefined && answer.dbName === undefined) return order;
  const target = orderTarget(context, order);
  if (!target) return undefined;
  if (answer.instance !== undefined && answer.instance !== target.instance) return undefined;
  if (answer.dbName !== undefined && answer.dbName !== target.dbName) return undefined;
  return order;
}

/**
 * An order Archery created for a submission that no order of the release waits for any more (its item
 * was re-planned meanwhile): it must never be kept as the item's order.
 */
export function isSupersededSubmission(
  context: ReleaseContext,
  answer: SubmittedOrderRef & { workflowId: number },
): boolean {
  if (submittingOrder(context, answer)) return false;
  const bound = context.sqlOrders.some((o) => o.workflowId === answer.workflowId);
  const replaced = (context.replacedOrders ?? []).some((o) => o.workflowId === answer.workflowId);
  return !bound && !replaced;
}

/** The superseded order as one the iteration replaced (cdflow cancels it in Archery). */
export function supersededOrder(
  context: ReleaseContext,
  answer: { sqlId: string; workflowId: number; workflowName?: string | undefined },
): ReplacedOrder {
  const item = sqlItemOf(context, answer.sqlId);
  const seq = item?.seq ?? context.sqlOrders.find((o) => o.sqlId === answer.sqlId)?.seq ?? 0;
  return {
    sqlId: answer.sqlId,
    seq,
    workflowId: answer.workflowId,
    workflowName: answer.workflowName ?? null,
    iteration: context.iteration,
    reason: 'submitted for content the item no longer has',
  };
}

/** Whether an order in `status` has not run and cdflow may still cancel it. */
export function isUnexecutedStatus(status: SqlOrder['status']): boolean {
  return unexecutedStatuses.includes(status);
}

/** The pending orders' items as Archery's check reads them: content, instance and database. */
export function sqlToCheck(
  context: ReleaseContext,
): Extract<ReleaseEffect, { type: 'archery.checkSql' }>['items'] {
  return [...context.sqlOrders]
    .filter((o) => o.status === 'pending')
    .sort((a, b) => a.seq - b.seq)
    .flatMap((o) => {
      const item = sqlItemOf(context, o.sqlId);
      if (!item) return [];
      return [
        {
          sqlId: o.sqlId,
          seq: o.seq,
          hash: o.hash,
          file: item.svnFile || item.sqlId,
          instance: item.instance,
          dbName: o.dbName ?? item.dbName,
          sql: item.sql,
        },
      ];
    });
}

/** The check answers the items pending now, with their content (a late answer for older content does not). */
export function isCurrentSqlCheck(context: ReleaseContext, event: EventOf<'SQL_CHECKED'>): boolean {
  return sqlToCheck(context).every((item) =>
    event.items.some((checked) => checked.sqlId === item.sqlId && checked.hash === item.hash),
  );
}

/** Archery's check as findings a person reads where the release stopped (same shape as the policy's). */
export function sqlCheckFindings(
  context: ReleaseContext,
  event: EventOf<'SQL_CHECKED'>,
): { errors: PolicyFindingSummary[]; warnings: PolicyFindingSummary[] } {
  const files = new Map(sqlToCheck(context).map((item) => [item.sqlId, item.file]));
  const of = (severity: 'error' | 'warning') =>
    event.items.flatMap((item) =>
      (severity === 'error' ? item.errors : item.warnings).map(
        (m): PolicyFindingSummary => ({
          ruleId: 'archery.sqlcheck',
          severity,
          location: `sql_info[${item.sqlId}] ${files.get(item.sqlId) ?? item.sqlId}`,
          message: m.statement ? `${m.message} (${m.statement})` : m.message,
          suggestion: '',
        }),
      ),
    );
  return { errors: of('error'), warnings: of('warning') };
}

function updateOrder(context: ReleaseContext, sqlId: string, change: Partial<SqlOrder>): SqlOrder[] {
  return context.sqlOrders.map((o) => (o.sqlId === sqlId ? { ...o, ...change } : o));
}

export function markOrderSubmitting(context: ReleaseContext, sqlId: string): SqlOrder[] {
  return updateOrder(context, sqlId, { status: 'submitting' });
}

export function recordSubmitted(context: ReleaseContext, event: EventOf<'SQL_ORDER_SUBMITTED'>): SqlOrder[] {
  // An order Archery's auto review rejected comes back with the review's message: keep it.
  return updateOrder(context, event.sqlId, {
    workflowId: event.workflowId,
    status: event.status,
    error: event.error ?? null,
    ...(event.workflowName === undefined ? {} : { workflowName: event.workflowName }),
  });
}

/** Every order id the release recorded, with the one just submitted. */
export function withRecordedOrderId(context: ReleaseContext, workflowId: number): number[] {
  const known = context.archeryOrderIds ?? [];
  return known.includes(workflowId) ? known : [...known, workflowId];
}

/** Order ids a new submission must never take as its own: every order the release ever recorded. */
export function recordedWorkflowIds(context: ReleaseContext): number[] {
  const ids = new Set<number>(context.archeryOrderIds ?? []);
  for (const o of context.sqlOrders) if (o.workflowId !== null) ids.add(o.workflowId);
  for (const o of context.replacedOrders ?? []) ids.add(o.workflowId);
  for (const a of Object.values(context.applied.sql)) if (a.workflowId !== null) ids.add(a.workflowId);
  return [...ids].sort((a, b) => a - b);
}

export function recordSubmitFailed(context: ReleaseContext, event: EventOf<'SQL_SUBMIT_FAILED'>): SqlOrder[] {
  return updateOrder(context, event.sqlId, { status: 'submit_failed', error: event.reason });
}

/** Orders to submit again after RETRY_SQL_SUBMIT: the ones that never reached Archery. */
export function resetUnsubmitted(context: ReleaseContext): SqlOrder[] {
  return context.sqlOrders.map((o) =>
    o.workflowId === null && (o.status === 'submit_failed' || o.status === 'submitting')
      ? { ...o, status: 'pending', error: null }
      : o,
  );
}

export function policyErrors(findings: PolicyFindingSummary[]): PolicyFindingSummary[] {
  return findings.filter((f) => f.severity === 'error');
}

/** Records every SQL order that executed (finished or confirmed) in the applied state. */
export function withAppliedSql(context: ReleaseContext, orders: SqlOrder[]): ReleaseContext['applied'] {
  const sql = { ...context.applied.sql };
  for (const order of orders) {
    if (isOrderDone(order)) {
      sql[order.sqlId] = { hash: order.hash, workflowId: order.workflowId, iteration: context.iteration };
    }
  }
  return { ...context.applied, sql };
}

export function mergePolledOrders(
  context: ReleaseContext,
  event: { orders: readonly ReadOrder[] },
): SqlOrder[] {
  return context.sqlOrders.map((o) => {
    const seen = event.orders.find((p) => o.workflowId !== null && p.workflowId === o.workflowId);
    if (!seen) return o;
    const finishedAt = seen.finishedAt === undefined ? {} : { finishedAt: seen.finishedAt };
    return { ...o, status: seen.status, error: seen.error, ...finishedAt };
  });
}

/**
 * The orders a fresh read of Archery does not show finished (`workflow_finish`): a person's SQL升级成功
 * stands only when there are none. An order not in the read keeps what cdflow last saw of it.
 */
export function unfinishedOrders(orders: readonly SqlOrder[]): SqlOrder[] {
  return orders.filter((o) => o.status !== 'workflow_finish');
}

export type SqlOutcome = 'failed' | 'finished' | 'waiting';

export function sqlOutcome(orders: SqlOrder[]): SqlOutcome {
  if (orders.some(isOrderFailed)) return 'failed';
  if (orders.every(isOrderDone)) return 'finished';
  return 'waiting';
}

/** Lines of the Jira comment for failed orders, and for later orders someone ran after the failure. */
export function sqlFailureLines(orders: SqlOrder[]): string[] {
  const sorted = [...orders].sort((a, b) => a.seq - b.seq);
  const firstFailed = sorted.find(isOrderFailed);
  const lines: string[] = [];
  for (const o of sorted) {
    if (isOrderFailed(o)) {
      lines.push(
        `- #${o.seq} ${o.sqlId} (order ${o.workflowId ?? 'not submitted'}): ${o.status}${o.error ? `: ${o.error}` : ''}`,
      );
    } else if (
      firstFailed &&
      o.seq > firstFailed.seq &&
      (o.status === 'workflow_finish' || o.status === 'workflow_executing' || o.status === 'workflow_queuing')
    ) {
      lines.push(
        `- #${o.seq} ${o.sqlId} (order ${o.workflowId}) was run after an earlier order failed (${o.status}); cdflow did not run it`,
      );
    }
  }
  return lines;
}

/**
 * Orders seen finished before an earlier one (by seq) finished: an earlier order not done yet, or done
 * later by Archery's finish times. Each is marked once (`finishedBefore`); returns the orders and the
 * newly marked ones.
 */
export function markFinishedOutOfOrder(orders: SqlOrder[]): { orders: SqlOrder[]; newly: SqlOrder[] } {
  const newly: SqlOrder[] = [];
  const marked = orders.map((o) => {
    if (o.status !== 'workflow_finish' || o.finishedBefore !== undefined) return o;
    const before = orders
      .filter((e) => e.seq < o.seq)
      .filter((e) => {
        // An earlier order that failed is the failure's comment (sqlFailureLines), not this one.
        if (isOrderFailed(e)) return false;
        if (!isOrderDone(e)) return true;
        return (
          e.status === 'workflow_finish' &&
          typeof e.finishedAt === 'string' &&
          typeof o.finishedAt === 'string' &&
          e.finishedAt > o.finishedAt
        );
      })
      .map((e) => e.seq)
      .sort((a, b) => a - b);
    if (before.length === 0) return o;
    const next = { ...o, finishedBefore: before };
    newly.push(next);
    return next;
  });
  return { orders: marked, newly };
}

/** The order list as the Jira issue shows it: the iteration's orders by seq, then those it replaced. */
export function orderListEntries(context: ReleaseContext): OrderListEntry[] {
  const current = [...context.sqlOrders]
    .sort((a, b) => a.seq - b.seq)
    .map(
      (o): OrderListEntry => ({
        seq: o.seq,
        sqlId: o.sqlId,
        workflowId: o.workflowId,
        workflowName: o.workflowName ?? null,
        status: o.status,
        confirmedBy: o.confirmedBy,
        finishedBefore: o.finishedBefore ?? [],
        replaced: null,
      }),
    );
  const replaced = ordersReplacedNow(context).map(
    (o): OrderListEntry => ({
      seq: o.seq,
      sqlId: o.sqlId,
      workflowId: o.workflowId,
      workflowName: o.workflowName,
      status: 'cancelled',
      confirmedBy: null,
      finishedBefore: [],
      replaced: `replaced by iteration ${o.iteration}: ${o.reason}`,
    }),
  );
  return [...current, ...replaced];
}

/** Mode auto: the next order whose predecessors all finished and that cdflow has not asked to run yet. */
export function nextOrderToExecute(orders: SqlOrder[]): SqlOrder | undefined {
  const sorted = [...orders].sort((a, b) => a.seq - b.seq);
  const next = sorted.find((o) => !isOrderDone(o));
  if (!next || next.workflowId === null || next.executeRequested) return undefined;
  if (next.status !== 'workflow_manreviewing' && next.status !== 'workflow_review_pass') return undefined;
  return next;
}
