/** The Archery simulator's saved state (`snapshotState()`), and reading one back before continuing. */
import { SimulatorStateError, StateReader } from '../common/simulator-state-error.js';
import type { ArcheryBookState, SimWorkOrder } from './archery-work-order-book.js';

export interface ArcherySimState extends ArcheryBookState {
  version: 1;
}

const statuses = new Set([
  'workflow_finish',
  'workflow_abort',
  'workflow_manreviewing',
  'workflow_review_pass',
  'workflow_timingtask',
  'workflow_queuing',
  'workflow_executing',
  'workflow_autoreviewwrong',
  'workflow_exception',
]);

export function parseArcherySimState(raw: unknown): ArcherySimState {
  const read = new StateReader('Archery');
  const state = read.state(raw, 1);
  const orders = read.array(state.orders, 'orders').map((o, i): SimWorkOrder => {
    const order = read.record(o, `orders[${i}]`);
    read.integer(order.workflowId, `orders[${i}].workflowId`);
    read.integer(order.contentId, `orders[${i}].contentId`);
    read.string(order.engineer, `orders[${i}].engineer`);
    read.string(order.sqlContent, `orders[${i}].sqlContent`);
    read.string(order.reviewContent, `orders[${i}].reviewContent`);
    const status = read.string(order.status, `orders[${i}].status`);
    if (!statuses.has(status)) {
      throw new SimulatorStateError('Archery', `orders[${i}].status`, "one of Archery's nine statuses");
    }
    const audit = read.record(order.audit, `orders[${i}].audit`);
    read.array(audit.levels, `orders[${i}].audit.levels`);
    read.integer(audit.index, `orders[${i}].audit.index`);
    read.integer(audit.status, `orders[${i}].audit.status`);
    return order as unknown as SimWorkOrder;
  });
  return {
    version: 1,
    nextWorkflowId: read.integer(state.nextWorkflowId, 'nextWorkflowId'),
    nextContentId: read.integer(state.nextContentId, 'nextContentId'),
    orders,
  };
}
