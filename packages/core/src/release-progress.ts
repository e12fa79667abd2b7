/**
 * Pure context transitions of the release machine: how SQL orders, deployments and the applied state
 * move when an event arrives. The machine (release-machine.ts) decides *when*; these say *what*.
 */
import { isFailedArcheryStatus } from './archery-status.js';
import { planRelease } from './plan-release.js';
import type { EffectResultEvent } from './release-events.js';
import type {
  Deployment,
  NormalizedRequest,
  PolicyFindingSummary,
  ReleaseContext,
  ReleaseFailure,
  ReleasePlan,
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
export function beginIteration(context: ReleaseContext, request: NormalizedRequest): ReleaseContext {
  const iteration = context.iteration + 1;
  // Once a version reached the environment, a later iteration must not go below it (DF-V002).
  const previousVersion = context.appliedVersion ?? context.previousVersion;
  return { ...firstIterationContext(context, request, iteration), summary: request.summary, previousVersion };
}

export function firstIterationContext(
  context: ReleaseContext,
  request: NormalizedRequest,
  iteration: number,
): ReleaseContext {
  // Files read for an earlier iteration (or an earlier request) are never read again.
  const known = withSqlTexts(request, context.sqlTexts);
  const plan = planRelease(context.applied, known);
  return {
    ...context,
    iteration,
    request: known,
    plan,
    sqlOrders: sqlOrdersFor(context, plan, iteration),
    deployments: [],
    warnings: [],
    failure: null,
  };
}

/**
 * One order per SQL item the plan runs. An order of `context.sqlOrders` that is in Archery, not failed,
 * for the same item and content is kept (same workflowId), so the sequence continues without
 * submitting it twice.
 */
function sqlOrdersFor(context: ReleaseContext, plan: ReleasePlan, iteration: number): SqlOrder[] {
  return runItems(plan.sql).map((item) => {
    const kept = context.sqlOrders.find(
      (o) => o.sqlId === item.sqlId && o.hash === item.hash && o.workflowId !== null && !isOrderFailed(o),
    );
    if (kept) return { ...kept, seq: item.seq };
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
}

/**
 * A SQL file was read from the SQL source: keep its text with the release, fill it into the items that
 * name it, and plan the SQL of the iteration again (the other sections do not depend on it).
 */
export function withReadSqlText(
  context: ReleaseContext,
  ref: string,
  text: SqlText,
): Pick<ReleaseContext, 'sqlTexts' | 'request' | 'plan' | 'sqlOrders'> {
  const sqlTexts = { ...context.sqlTexts, [ref]: text };
  const request = withSqlTexts(context.request, sqlTexts);
  const plan = { ...context.plan, sql: planRelease(context.applied, request).sql };
  return { sqlTexts, request, plan, sqlOrders: sqlOrdersFor(context, plan, context.iteration) };
}

export function failure(stage: ReleaseFailure['stage'], reason: string, at: string): ReleaseFailure {
  return { stage, reason, at };
}

export function nextPendingOrder(context: ReleaseContext): SqlOrder | undefined {
  return [...context.sqlOrders].sort((a, b) => a.seq - b.seq).find((o) => o.status === 'pending');
}

export function submittingOrder(context: ReleaseContext, sqlId: string): SqlOrder | undefined {
  return context.sqlOrders.find((o) => o.sqlId === sqlId && o.status === 'submitting');
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
  });
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

export function mergePolledOrders(context: ReleaseContext, event: EventOf<'SQL_ORDERS_POLLED'>): SqlOrder[] {
  return context.sqlOrders.map((o) => {
    const seen = event.orders.find((p) => o.workflowId !== null && p.workflowId === o.workflowId);
    return seen ? { ...o, status: seen.status, error: seen.error } : o;
  });
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

/** Mode auto: the next order whose predecessors all finished and that cdflow has not asked to run yet. */
export function nextOrderToExecute(orders: SqlOrder[]): SqlOrder | undefined {
  const sorted = [...orders].sort((a, b) => a.seq - b.seq);
  const next = sorted.find((o) => !isOrderDone(o));
  if (!next || next.workflowId === null || next.executeRequested) return undefined;
  if (next.status !== 'workflow_manreviewing' && next.status !== 'workflow_review_pass') return undefined;
  return next;
}

export function buildDeployments(context: ReleaseContext): Deployment[] {
  return runItems(context.plan.code).map((item) => ({
    service: item.service,
    svnVersion: item.svnVersion,
    tag: item.tag,
    iteration: context.iteration,
    attempt: 1,
    taskId: null,
    status: 'pending',
    message: null,
  }));
}

function retryOrFail(context: ReleaseContext, d: Deployment, message: string | null): Deployment {
  if (d.attempt < context.settings.deployRetries + 1) {
    return { ...d, attempt: d.attempt + 1, taskId: null, status: 'pending', message };
  }
  return { ...d, status: 'failed', message };
}

export function deploymentFor(
  context: ReleaseContext,
  service: string,
  attempt: number,
): Deployment | undefined {
  return context.deployments.find((d) => d.service === service && d.attempt === attempt);
}

export function recordDeployStarted(context: ReleaseContext, event: EventOf<'DEPLOY_STARTED'>): Deployment[] {
  return context.deployments.map((d) =>
    d.service === event.service && d.attempt === event.attempt && d.status === 'pending'
      ? { ...d, taskId: event.taskId, status: 'started' }
      : d,
  );
}

export function recordDeployFailed(context: ReleaseContext, event: EventOf<'DEPLOY_FAILED'>): Deployment[] {
  return context.deployments.map((d) =>
    d.service === event.service &&
    d.attempt === event.attempt &&
    d.status !== 'success' &&
    d.status !== 'failed'
      ? retryOrFail(context, d, event.reason)
      : d,
  );
}

export function recordDeployPolled(
  context: ReleaseContext,
  event: EventOf<'DEPLOY_TASKS_POLLED'>,
): Deployment[] {
  return context.deployments.map((d) => {
    const task = event.tasks.find((t) => t.service === d.service && t.attempt === d.attempt);
    if (!task || d.status === 'success' || d.status === 'failed' || d.status === 'pending') return d;
    if (task.status === 'success') return { ...d, status: 'success', message: task.message };
    if (task.status === 'failed') return retryOrFail(context, d, task.message ?? 'deploy failed');
    if (task.status === 'running') return { ...d, status: 'running', message: task.message };
    return d;
  });
}

export function timeOutDeployments(context: ReleaseContext): Deployment[] {
  return context.deployments.map((d) =>
    d.status === 'success' || d.status === 'failed'
      ? d
      : { ...d, status: 'failed', message: `not finished within ${context.settings.deployTimeoutMs} ms` },
  );
}

export type DeployOutcome = 'succeeded' | 'failed' | 'running';

export function deployOutcome(deployments: Deployment[]): DeployOutcome {
  if (deployments.every((d) => d.status === 'success')) return 'succeeded';
  if (deployments.every((d) => d.status === 'success' || d.status === 'failed')) return 'failed';
  return 'running';
}

export function deployFailureLines(deployments: Deployment[]): string[] {
  return deployments
    .filter((d) => d.status === 'failed')
    .map(
      (d) => `- ${d.service}@${d.svnVersion} (tag ${d.tag}, attempt ${d.attempt}): ${d.message ?? 'failed'}`,
    );
}

export function withAppliedCode(context: ReleaseContext): ReleaseContext['applied'] {
  const code = { ...context.applied.code };
  for (const d of context.deployments) {
    if (d.status === 'success')
      code[d.service] = { svnVersion: d.svnVersion, tag: d.tag, iteration: d.iteration };
  }
  return { ...context.applied, code };
}
