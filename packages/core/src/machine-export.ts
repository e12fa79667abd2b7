/** The release machine as data: JSON for Stately tools, and a Mermaid `stateDiagram-v2`. */
import type { AnyStateNode } from 'xstate';
import { releaseMachine, releaseMachineVersion } from './release-machine.js';

/** The machine definition (XState's `toJSON`), plain JSON, with the machine's version. */
export function machineDefinitionJson(): Record<string, unknown> {
  return {
    ...(JSON.parse(JSON.stringify(releaseMachine.definition)) as Record<string, unknown>),
    version: releaseMachineVersion,
  };
}

function mermaidId(node: AnyStateNode): string {
  return node.path.join('_');
}

/** A guard as the chart names it: `name`, or `not(name)`, `and(a, b)` for XState's combinators. */
function guardLabel(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const combined = (guard as { guards?: unknown[] }).guards;
    if (Array.isArray(combined)) return `${guard.name}(${combined.map(guardLabel).join(', ')})`;
    return guard.name || 'guard';
  }
  if (guard && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  return 'guard';
}

function targetsOf(node: AnyStateNode): Array<{ label: string; target: AnyStateNode }> {
  const edges: Array<{ label: string; target: AnyStateNode }> = [];
  for (const [eventType, transitions] of node.transitions) {
    for (const t of transitions) {
      for (const target of t.target ?? []) {
        const guard = t.guard ? ` [${guardLabel(t.guard)}]` : '';
        edges.push({ label: `${eventType}${guard}`, target });
      }
    }
  }
  for (const t of node.always ?? []) {
    for (const target of t.target ?? []) {
      const guard = t.guard ? ` [${guardLabel(t.guard)}]` : '';
      edges.push({ label: `always${guard}`, target });
    }
  }
  return edges;
}

function renderNode(node: AnyStateNode, indent: string, lines: string[], edges: string[]): void {
  const id = mermaidId(node);
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length > 0) {
    lines.push(`${indent}state ${id} {`);
    const initial = node.initial?.target?.[0];
    if (initial) lines.push(`${indent}  [*] --> ${mermaidId(initial)}`);
    for (const child of children) renderNode(child, `${indent}  `, lines, edges);
    lines.push(`${indent}}`);
  } else {
    lines.push(`${indent}${id}`);
  }
  if (node.type === 'final') edges.push(`  ${id} --> [*]`);
  for (const edge of targetsOf(node)) edges.push(`  ${id} --> ${mermaidId(edge.target)}: ${edge.label}`);
}

/** A Mermaid `stateDiagram-v2` of the machine (states, substates, events and guards). */
export function machineToMermaid(): string {
  const lines = ['stateDiagram-v2'];
  const edges: string[] = [];
  const root = releaseMachine.root;
  const initial = root.initial?.target?.[0];
  if (initial) lines.push(`  [*] --> ${mermaidId(initial)}`);
  for (const node of Object.values(root.states) as AnyStateNode[]) renderNode(node, '  ', lines, edges);
  return [...lines, ...edges].join('\n');
}
