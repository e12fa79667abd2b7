/**
 * Who moves a release on from where it is, read from the chart's `meta.waitsOn` (release-machine.ts):
 * a person, an upstream call cdflow makes, or a timer. The host uses it to find the releases a lost
 * webhook could leave waiting forever (those waiting on a person) without keeping its own list; the
 * release's situation (release-situation.ts) uses `waitsOnNow`, which also reads the chart's
 * `meta.waitsOnBySqlMode` (in watch and auto SQL modes `sqlExecuting` waits on Archery, not on a person).
 */
import type { AnyStateNode } from 'xstate';
import { releaseMachine, type WaitsOn } from './release-machine.js';
import type { ReleaseSettings, SqlMode } from './release-types.js';

interface WaitsMeta {
  waitsOn?: WaitsOn;
  waitsOnBySqlMode?: Partial<Record<SqlMode, WaitsOn>>;
}

interface LeafWaits {
  waitsOn: WaitsOn | null;
  bySqlMode: Partial<Record<SqlMode, WaitsOn>>;
}

function leafWaits(node: AnyStateNode, inherited: LeafWaits, out: Map<string, LeafWaits>): void {
  const meta = (node.meta as WaitsMeta | undefined) ?? {};
  const own: LeafWaits = {
    waitsOn: meta.waitsOn ?? inherited.waitsOn,
    bySqlMode: meta.waitsOnBySqlMode ?? (meta.waitsOn ? {} : inherited.bySqlMode),
  };
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) {
    out.set(node.path.join('.'), own);
    return;
  }
  for (const child of children) leafWaits(child, own, out);
}

const waits = new Map<string, LeafWaits>();
for (const node of Object.values(releaseMachine.root.states) as AnyStateNode[])
  leafWaits(node, { waitsOn: null, bySqlMode: {} }, waits);

/**
 * Who may move the release on from machine state `stateId` (a leaf, dotted), in any SQL mode; null for
 * transient or final states.
 */
export function waitsOn(stateId: string): WaitsOn | null {
  return waits.get(stateId)?.waitsOn ?? null;
}

/** Who moves the release on from `stateId` now, in the release's SQL mode. */
export function waitsOnNow(stateId: string, settings: Pick<ReleaseSettings, 'sqlMode'>): WaitsOn | null {
  const leaf = waits.get(stateId);
  if (!leaf) return null;
  return leaf.bySqlMode[settings.sqlMode] ?? leaf.waitsOn;
}

/** Every machine state (dotted leaf id) in which the next step is a person's decision. */
export const personWaitStates: readonly string[] = [...waits.entries()]
  .filter(([, w]) => w.waitsOn === 'person')
  .map(([id]) => id);
