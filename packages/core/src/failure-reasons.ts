/**
 * The reason a release's failure records, in full: what a person needs to act without opening the
 * history or the Jira issue (the policy's findings, Archery's review and execution messages).
 */
import { policyFindingLine } from './release-comments.js';
import type { PolicyFindingSummary, SqlOrder } from './release-types.js';

/** `the versioning policy refused the SQL: [DF-D001] 01.sql:1: … (fix: …); [DF-V002] …`. */
export function policyRefusalReason(errors: readonly PolicyFindingSummary[]): string {
  return `the versioning policy refused the SQL: ${errors.map(policyFindingLine).join('; ')}`;
}

/** One failed order with Archery's message: `a18-0001 (order 12, workflow_exception: Unknown column 'city')`. */
export function failedOrderText(order: SqlOrder): string {
  const where = order.workflowId === null ? 'not submitted' : `order ${order.workflowId}`;
  return `${order.sqlId} (${where}, ${order.status}${order.error ? `: ${order.error}` : ''})`;
}
