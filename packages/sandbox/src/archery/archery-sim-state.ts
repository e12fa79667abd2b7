/** The Archery simulator's saved state (`snapshotState()`), and reading one back before continuing. */
import { isArcheryStatus } from '@cdflow/core';
import { SimulatorStateError, StateReader } from '../common/simulator-state-error.js';
import type { ArcheryBookState, SimWorkOrder } from './archery-work-order-book.js';

export interface ArcherySimState extends ArcheryBookState {
  version: 1;
}

export function parseArcherySimState(raw: unknown): ArcherySimState {
  const read = new StateReader('Archery');
  const state = read.state(raw, 1);
  const orders = read.array(state.orders, 'orders').map((o, i): SimWorkOrder => {
    const order = read.fields(o, `orders[${i}]`, {
      workflowId: 'integer',
      contentId: 'integer',
      engineer: 'string',
      sqlContent: 'string',
      reviewContent: 'string',
      status: 'string',
    });
    if (!isArcheryStatus(order.status)) {
      throw new SimulatorStateError('Archery', `orders[${i}].status`, "one of Archery's nine statuses");
    }
    read.fields(order.audit, `orders[${i}].audit`, { levels: 'array', index: 'integer', status: 'integer' });
    return order as unknown as SimWorkOrder;
  });
  return {
    version: 1,
    nextWorkflowId: read.integer(state.nextWorkflowId, 'nextWorkflowId'),
    nextContentId: read.integer(state.nextContentId, 'nextContentId'),
    orders,
  };
}
