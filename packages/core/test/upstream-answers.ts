/** Test helpers: what the upstreams (Archery, the CMDB) answer, as the events that carry it. */
import type { ArcheryStatus, ReadOrder, ReleaseEvent } from '@cdflow/core';

/** One order as a read of Archery shows it (`SQL_ORDERS_POLLED`, `SQL_CONFIRMATION_CHECKED`). */
export function readOrder(workflowId: number, status: ArcheryStatus, error: string | null = null): ReadOrder {
  return { workflowId, status, error };
}

/** Archery's answer to a submission (`SQL_ORDER_SUBMITTED`): the order it made, under review by default. */
export function orderSubmitted(
  sqlId: string,
  workflowId: number,
  status: ArcheryStatus = 'workflow_manreviewing',
): Extract<ReleaseEvent, { type: 'SQL_ORDER_SUBMITTED' }> {
  return { type: 'SQL_ORDER_SUBMITTED', sqlId, workflowId, status };
}

export type PolledTask = Extract<ReleaseEvent, { type: 'DEPLOY_TASKS_POLLED' }>['tasks'][number];

/** One CMDB task as a poll of the CMDB shows it (`DEPLOY_TASKS_POLLED`). */
export function polledTask(
  service: string,
  targetId: number,
  attempt: number,
  status: PolledTask['status'],
  message: string | null = null,
): PolledTask {
  return { service, targetId, attempt, status, message };
}
