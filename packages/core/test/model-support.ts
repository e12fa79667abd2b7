/** Re-exports for the model test, plus the order predicates the invariants use. */
import type { SqlOrder } from '@cdflow/core';

export * from '@cdflow/core';

export const isOrderDoneForTest = (o: SqlOrder): boolean =>
  o.status === 'workflow_finish' || o.confirmedBy !== null;
export const isOrderFailedForTest = (o: SqlOrder): boolean =>
  ['workflow_exception', 'workflow_abort', 'workflow_autoreviewwrong', 'submit_failed'].includes(o.status);
