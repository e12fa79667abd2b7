/**
 * Archery's nine work-order statuses, grouped once for every reader (the machine, the effect handlers,
 * the legacy answers): which statuses are final, which of those mean the order failed, and which one
 * means it ran. Only `workflow_finish` means the SQL ran; the other final ones mean it never will.
 */
import type { ArcheryStatus, SqlOrderStatus } from './release-types.js';

export const archeryStatuses = [
  'workflow_finish',
  'workflow_abort',
  'workflow_manreviewing',
  'workflow_review_pass',
  'workflow_timingtask',
  'workflow_queuing',
  'workflow_executing',
  'workflow_autoreviewwrong',
  'workflow_exception',
] as const satisfies readonly ArcheryStatus[];

/** Statuses an order never leaves. */
export const finalArcheryStatuses: readonly ArcheryStatus[] = [
  'workflow_finish',
  'workflow_abort',
  'workflow_autoreviewwrong',
  'workflow_exception',
];

/** Final statuses in which the SQL did not run: the order failed, and the orders after it must not run. */
export const failedArcheryStatuses: readonly ArcheryStatus[] = [
  'workflow_abort',
  'workflow_autoreviewwrong',
  'workflow_exception',
];

/** The status of an order whose SQL ran to its end. */
export const finishedArcheryStatus: ArcheryStatus = 'workflow_finish';

/** Statuses in which an order is still under review (cdflow in mode auto may audit and execute it). */
export const reviewArcheryStatuses: readonly ArcheryStatus[] = [
  'workflow_manreviewing',
  'workflow_review_pass',
];

/** Statuses in which the SQL is running or about to (a person or Archery started it). */
export const runningArcheryStatuses: readonly ArcheryStatus[] = [
  'workflow_timingtask',
  'workflow_queuing',
  'workflow_executing',
];

export function isArcheryStatus(value: unknown): value is ArcheryStatus {
  return typeof value === 'string' && (archeryStatuses as readonly string[]).includes(value);
}

export function isFinalArcheryStatus(status: SqlOrderStatus): boolean {
  return (finalArcheryStatuses as readonly string[]).includes(status);
}

export function isFailedArcheryStatus(status: SqlOrderStatus): boolean {
  return (failedArcheryStatuses as readonly string[]).includes(status);
}
