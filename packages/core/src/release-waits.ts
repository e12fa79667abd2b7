/**
 * Who moves a release on from where it is, read from the chart's `meta.waitsOn` (release-machine.ts):
 * a person, an upstream call cdflow makes, or a timer. The host uses it to find the releases a lost
 * webhook could leave waiting forever (those waiting on a person) without keeping its own list.
 */
import type { AnyStateNode } from 'xstate';
import { productStateOf } from './product-state.js';
import { releaseMachine, type WaitsOn } from './release-machine.js';
import type { ReleaseSettings, SqlMode } from './release-types.js';

function leafWaits(node: AnyStateNode, inherited: WaitsOn | null, out: Map<string, WaitsOn | null>): void {
  const own = (node.meta as { waitsOn?: WaitsOn } | undefined)?.waitsOn ?? inherited;
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) {
    out.set(node.path.join('.'), own);
    return;
  }
  for (const child of children) leafWaits(child, own, out);
}

const waits = new Map<string, WaitsOn | null>();
for (const node of Object.values(releaseMachine.root.states) as AnyStateNode[]) leafWaits(node, null, waits);

/** A stage's id as a snapshot stored before the stage had steps names it → the step it starts in. */
function leafOf(stateId: string): string {
  let node: AnyStateNode | undefined = releaseMachine.root;
  for (const key of stateId.split('.')) node = node?.states[key];
  while (node?.initial?.target[0]) node = node.initial.target[0];
  return node ? node.path.join('.') : stateId;
}

/** Who moves the release on from machine state `stateId` (dotted); null for transient or final states. */
export function waitsOn(stateId: string): WaitsOn | null {
  return waits.get(stateId) ?? waits.get(leafOf(stateId)) ?? null;
}

/** The chart's `meta.waitsOnBySqlMode` of each leaf (a leaf inherits its stage's). */
function leafWaitsBySqlMode(
  node: AnyStateNode,
  inherited: Partial<Record<SqlMode, WaitsOn>>,
  out: Map<string, Partial<Record<SqlMode, WaitsOn>>>,
): void {
  const own = (node.meta as { waitsOnBySqlMode?: Partial<Record<SqlMode, WaitsOn>> } | undefined)
    ?.waitsOnBySqlMode;
  const bySqlMode = own ?? inherited;
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) out.set(node.path.join('.'), bySqlMode);
  for (const child of children) leafWaitsBySqlMode(child, bySqlMode, out);
}

const waitsBySqlMode = new Map<string, Partial<Record<SqlMode, WaitsOn>>>();
for (const node of Object.values(releaseMachine.root.states) as AnyStateNode[])
  leafWaitsBySqlMode(node, {}, waitsBySqlMode);

/**
 * Who moves the release on from `stateId` now, in the release's SQL mode: `waitsOn` refined by the
 * chart's `meta.waitsOnBySqlMode` (in watch and auto mode `sqlExecuting` waits on Archery, which cdflow
 * reads, though a person's Jira move is still accepted there — `waitsOn` keeps saying `person` for that).
 */
export function waitsOnNow(stateId: string, settings: Pick<ReleaseSettings, 'sqlMode'>): WaitsOn | null {
  const step = waitsBySqlMode.has(stateId) ? stateId : leafOf(stateId);
  return waitsBySqlMode.get(step)?.[settings.sqlMode] ?? waitsOn(step);
}

/** Every machine state (dotted leaf id) in which the next step is a person's decision. */
export const personWaitStates: readonly string[] = [...waits.entries()]
  .filter(([, w]) => w === 'person')
  .map(([id]) => id);

/** States a release rests in between stages (nothing is overdue there): the chart's `meta.resting`. */
const resting = new Set<string>(
  (Object.values(releaseMachine.root.states) as AnyStateNode[])
    .filter((node) => (node.meta as { resting?: boolean } | undefined)?.resting === true)
    .map((node) => node.key),
);

/**
 * The person wait a machine step belongs to — its product state (`sqlExecuting`, `sqlPending.failed`,
 * `fixing`) or, inside a stage that also waits on cdflow, the step itself
 * (`configExecuting.awaitingConfirmation`) — or null when cdflow (or nobody) has the next move or the
 * release rests (`uatComplete`). What "stuck" and "waiting since" are measured on.
 */
export function personWaitOf(step: string | null): string | null {
  if (step === null || waitsOn(step) !== 'person') return null;
  const state = productStateOf(step);
  if (resting.has(state)) return null;
  // A step the product state hides (`configExecuting.awaitingConfirmation`) is the wait itself.
  return state === step.split('.')[0] && step.includes('.') ? step : state;
}

/**
 * The product states where a release can be stuck on a person: every person wait but the resting ones
 * (`uatComplete`, …: nothing is overdue there). Where the stuck sweep looks, and nowhere else.
 */
export const stuckCandidateStates: readonly string[] = [
  ...new Set(personWaitStates.filter((s) => personWaitOf(s) !== null).map((s) => productStateOf(s))),
];
