/**
 * The release machine as people see it: one node per product state (the machine's top states plus
 * `sqlPending.failed`), one edge per pair of states a transition links, labelled by the events that take
 * it. Built from GET /api/machine: the definition gives the states (and which are final), the Mermaid
 * text the transitions — it also lists the eventless (`always`) ones, which the JSON definition omits.
 */
import type { MachineNode } from '../api/api-types.js';

export interface GraphNode {
  /** Product state id: `sqlPending`, `sqlPending.failed`, `uatComplete`, ... */
  id: string;
  final: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Event types that take this edge (`always` for an automatic step). */
  events: string[];
}

export interface MachineGraph {
  initial: string | null;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The product state of a machine step: the same rule as core's productStateOf. */
export function productStateOf(step: string): string {
  if (step === 'sqlPending.failed' || step.startsWith('sqlPending.failed.')) return 'sqlPending.failed';
  return step.split('.')[0] ?? step;
}

interface StepInfo {
  step: string;
  compound: boolean;
  final: boolean;
}

function collectSteps(node: MachineNode, out: Map<string, StepInfo>): void {
  for (const child of Object.values(node.states ?? {})) {
    if (typeof child.id !== 'string') continue;
    const step = child.id.replace(/^[^.]+\./, '');
    const children = Object.keys(child.states ?? {}).length;
    out.set(step.replaceAll('.', '_'), { step, compound: children > 0, final: child.type === 'final' });
    collectSteps(child, out);
  }
}

const edgeLine = /^\s*(\S+)\s+-->\s+(\S+)(?::\s*(.*))?$/;

export function machineGraph(definition: MachineNode, mermaid: string): MachineGraph {
  const steps = new Map<string, StepInfo>();
  collectSteps(definition, steps);

  const nodes = new Map<string, GraphNode>();
  for (const info of steps.values()) {
    const id = productStateOf(info.step);
    const known = nodes.get(id);
    nodes.set(id, { id, final: (known?.final ?? false) || (info.final && id === info.step) });
  }
  /** The product nodes a transition leaves from: a compound state's transitions leave from its children too. */
  const sourcesOf = (info: StepInfo): string[] => {
    if (!info.compound) return [productStateOf(info.step)];
    const prefix = `${info.step}.`;
    const inside = [...steps.values()]
      .filter((s) => s.step.startsWith(prefix))
      .map((s) => productStateOf(s.step));
    return [...new Set([productStateOf(info.step), ...inside])];
  };

  let initial: string | null = null;
  const edges = new Map<string, GraphEdge>();
  for (const line of mermaid.split('\n')) {
    const match = edgeLine.exec(line);
    if (!match) continue;
    const [, fromId = '', toId = '', label = ''] = match;
    if (fromId === '[*]') {
      // Only the machine's own initial state; a compound state's initial child is an internal detail.
      if (initial === null && line.startsWith('  [*]') && steps.has(toId))
        initial = productStateOf(steps.get(toId)!.step);
      continue;
    }
    if (toId === '[*]') continue;
    const from = steps.get(fromId);
    const to = steps.get(toId);
    if (!from || !to) continue;
    const event = label.split(' ')[0] || 'always';
    const target = productStateOf(to.step);
    for (const source of sourcesOf(from)) {
      if (source === target) continue;
      const key = `${source}→${target}`;
      const edge = edges.get(key) ?? { from: source, to: target, events: [] };
      if (!edge.events.includes(event)) edge.events.push(event);
      edges.set(key, edge);
    }
  }
  return { initial, nodes: [...nodes.values()], edges: [...edges.values()] };
}
