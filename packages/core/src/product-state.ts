/**
 * The machine state ids docs/product.md names (and users see): the eight top states, with `sqlPending.failed`
 * as the one substate that means something to a person. The machine's finer steps (`sqlPending.submitting`,
 * `configExecuting.awaitingConfirmation`, ...) are internal.
 */
import { type ProdOnlyStateId, type ReleaseStateId, releaseStates } from './jira-workflow.js';

export type ProductState = ReleaseStateId | ProdOnlyStateId | 'sqlPending.failed';

/** Every product state: the states mirroring Jira in the workflow's order, then `sqlPending.failed`. */
export const productStates: readonly ProductState[] = [
  ...releaseStates,
  'sqlPending.failed',
  // A production release's own states.
  'prodApproval',
  'prodComplete',
  'prodRejected',
];

/** `sqlPending.failed` stays; any other dotted step becomes its top state (`codeExecuting.deploying` → `codeExecuting`). */
export function productStateOf(machineState: string): ProductState {
  if (machineState === 'sqlPending.failed' || machineState.startsWith('sqlPending.failed.'))
    return 'sqlPending.failed';
  return machineState.split('.')[0] as ReleaseStateId | ProdOnlyStateId;
}

/** Whether a machine state falls under a product state filter (`sqlPending` covers `sqlPending.failed`). */
export function matchesProductState(machineState: string, filter: string): boolean {
  return machineState === filter || machineState.startsWith(`${filter}.`);
}
