/**
 * The release's state diagram, laid out by dagre and drawn as SVG in the page (no external renderer):
 * the current state filled, the edges a person may take now drawn bold. Node text: the state in the
 * page's language and the site's own Jira status name.
 */
import { Graph, layout } from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { ConsoleSettings } from '../api/api-types.js';
import { translateOr, useI18n } from '../i18n/language.js';
import type { MachineGraph } from './machine-graph.js';

/** Rough text width at 12–13 px: CJK glyphs are square, Latin ones about 0.6 em. */
function textWidth(text: string, size: number): number {
  let em = 0;
  for (const char of text) em += /[\u2e80-\u9fff\uff00-\uffef]/.test(char) ? 1 : 0.6;
  return Math.ceil(em * size);
}

interface Laid {
  width: number;
  height: number;
  nodes: Array<{ id: string; x: number; y: number; w: number; h: number; lines: string[]; final: boolean }>;
  edges: Array<{
    from: string;
    to: string;
    points: Array<{ x: number; y: number }>;
    label: string[];
    labelAt: { x: number; y: number } | null;
    person: string[];
    auto: boolean;
  }>;
}

const nodeFont = 13;
const labelFont = 11;

/** The arrow head marker `id` that edges end with; `headClass` styles it. */
function ArrowHead({ id, headClass }: { id: string; headClass: string }) {
  return (
    <marker id={id} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
      <path d="M0,0 L10,5 L0,10 z" class={headClass} />
    </marker>
  );
}

export interface StateDiagramProps {
  graph: MachineGraph;
  settings: ConsoleSettings;
  /** The release's product state (highlighted). */
  current: string;
  acceptedEvents: readonly string[];
}

export function StateDiagram({ graph, settings, current, acceptedEvents }: StateDiagramProps) {
  const { t, lang } = useI18n();
  const personEvents = useMemo(() => new Set(settings.personEvents.map((e) => e.type)), [settings]);

  const laid = useMemo<Laid>(() => {
    const g = new Graph();
    g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 46, edgesep: 14, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(() => ({}));
    const lines = new Map<string, string[]>();
    for (const node of graph.nodes) {
      const top = node.id.split('.')[0] ?? node.id;
      const name = translateOr(t, `state.${node.id}`, node.id);
      const jira = settings.jiraStatuses[top];
      const text = jira !== undefined && jira !== name ? [name, `Jira: ${jira}`] : [name];
      lines.set(node.id, text);
      const width = Math.max(...text.map((l) => textWidth(l, nodeFont))) + 28;
      g.setNode(node.id, { width, height: 18 * text.length + 16 });
    }
    const labels = new Map<string, string[]>();
    for (const edge of graph.edges) {
      const label = edge.events
        .filter((e) => personEvents.has(e) || e === 'NEW_ITERATION')
        .map((e) => (e === 'NEW_ITERATION' ? t('diagram.newIteration') : translateOr(t, `event.${e}`, e)));
      labels.set(`${edge.from}→${edge.to}`, label);
      g.setEdge(edge.from, edge.to, {
        width: label.length === 0 ? 0 : Math.max(...label.map((l) => textWidth(l, labelFont))) + 6,
        height: label.length * 14,
        labelpos: 'c',
      });
    }
    layout(g);
    const size = g.graph();
    return {
      width: Math.ceil(size.width ?? 400),
      height: Math.ceil(size.height ?? 300),
      nodes: graph.nodes.map((node) => {
        const n = g.node(node.id);
        return {
          id: node.id,
          x: n.x ?? 0,
          y: n.y ?? 0,
          w: n.width,
          h: n.height,
          lines: lines.get(node.id) ?? [node.id],
          final: node.final,
        };
      }),
      edges: graph.edges.map((edge) => {
        const e = g.edge(edge.from, edge.to);
        const person = edge.events.filter((ev) => personEvents.has(ev));
        return {
          from: edge.from,
          to: edge.to,
          points: e.points ?? [],
          label: labels.get(`${edge.from}→${edge.to}`) ?? [],
          labelAt: e.x !== undefined && e.y !== undefined ? { x: e.x, y: e.y } : null,
          person,
          auto: person.length === 0 && !edge.events.includes('NEW_ITERATION'),
        };
      }),
    };
    // `lang` changes the texts, hence the sizes.
  }, [graph, settings, personEvents, t, lang]);

  const path = (points: Array<{ x: number; y: number }>) =>
    points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');

  return (
    <svg
      class="state-diagram"
      role="img"
      aria-label={t('diagram.title')}
      viewBox={`0 0 ${laid.width} ${laid.height}`}
      width={laid.width}
      height={laid.height}
    >
      <defs>
        <ArrowHead id="arrow" headClass="arrow-head" />
        <ArrowHead id="arrow-now" headClass="arrow-head now" />
      </defs>
      {laid.edges.map((edge) => {
        const now = edge.from === current && edge.person.some((e) => acceptedEvents.includes(e));
        return (
          <g class={`edge${edge.auto ? ' auto' : ''}${now ? ' now' : ''}`} key={`${edge.from}-${edge.to}`}>
            <path d={path(edge.points)} marker-end={now ? 'url(#arrow-now)' : 'url(#arrow)'} />
            {edge.labelAt &&
              edge.label.map((line, i) => (
                <text
                  key={line}
                  x={edge.labelAt!.x}
                  y={edge.labelAt!.y + (i - (edge.label.length - 1) / 2) * 14 + 4}
                  text-anchor="middle"
                >
                  {line}
                </text>
              ))}
          </g>
        );
      })}
      {laid.nodes.map((node) => (
        <g
          class={`node${node.id === current ? ' current' : ''}${node.final ? ' final' : ''}`}
          key={node.id}
          data-state={node.id}
          aria-current={node.id === current ? 'step' : undefined}
        >
          <title>{node.id === current ? `${node.id} (${t('diagram.current')})` : node.id}</title>
          <rect x={node.x - node.w / 2} y={node.y - node.h / 2} width={node.w} height={node.h} rx="8" />
          {node.final && (
            <rect
              class="inner"
              x={node.x - node.w / 2 + 3}
              y={node.y - node.h / 2 + 3}
              width={node.w - 6}
              height={node.h - 6}
              rx="6"
            />
          )}
          {node.lines.map((line, i) => (
            <text
              key={line}
              class={i === 0 ? 'name' : 'jira'}
              x={node.x}
              y={node.y + (i - (node.lines.length - 1) / 2) * 18 + 4}
              text-anchor="middle"
            >
              {line}
            </text>
          ))}
        </g>
      ))}
    </svg>
  );
}
