import {
  machineDefinitionJson,
  machineToMermaid,
  personEventTypes,
  prodOnlyStates,
  releaseStates,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';
import type { MachineNode } from '../src/api/api-types.js';
import { machineGraph, productStateOf } from '../src/diagram/machine-graph.js';
import { en, zh } from '../src/i18n/messages.js';

// The graph the console draws, from exactly what GET /api/machine sends.
const graph = machineGraph(machineDefinitionJson() as MachineNode, machineToMermaid());
const edge = (from: string, to: string) => graph.edges.find((e) => e.from === from && e.to === to);

describe("the console's state diagram of core's machine", () => {
  it('has one node per state people see, the final ones marked, starting at sqlPending', () => {
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(
      [...releaseStates, ...prodOnlyStates, 'sqlPending.failed'].sort(),
    );
    expect(
      graph.nodes
        .filter((n) => n.final)
        .map((n) => n.id)
        .sort(),
    ).toEqual(['closed', 'prodRejected', 'prodUpgrade']);
    expect(graph.initial).toBe('sqlPending');
  });

  it("draws people's decisions as labelled edges", () => {
    // A person's SQL升级成功 is checked on Archery first: the stage ends on that fresh read.
    expect(edge('sqlExecuting', 'configExecuting')?.events).toContain('SQL_CONFIRMATION_CHECKED');
    expect(edge('sqlExecuting', 'sqlPending.failed')?.events).toContain('SQL_REPORTED_FAILED');
    expect(edge('configExecuting', 'codeExecuting')?.events).toContain('CONFIG_CONFIRMED');
    expect(edge('uatComplete', 'closed')?.events).toEqual(['FINISH']);
    expect(edge('fixing', 'configExecuting')?.events).toEqual(['RESUBMIT_CONFIG']);
  });

  it("includes cdflow's eventless steps, which only the Mermaid text lists", () => {
    expect(edge('sqlPending', 'sqlExecuting')?.events).toEqual(['always']);
    expect(edge('codeExecuting', 'uatComplete')?.events).toContain('always');
  });

  it("a compound state's transitions leave from its children too: a failed SQL can be submitted again", () => {
    expect(edge('sqlPending.failed', 'sqlPending')?.events).toContain('RETRY_SQL_SUBMIT');
    expect(graph.edges.some((e) => e.from === e.to)).toBe(false);
  });

  it('maps machine steps to the states people see', () => {
    expect(productStateOf('configExecuting.awaitingConfirmation')).toBe('configExecuting');
    expect(productStateOf('sqlPending.failed')).toBe('sqlPending.failed');
    expect(productStateOf('sqlPending.submitting')).toBe('sqlPending');
  });
});

describe("the console's texts", () => {
  it('name every person event and every state, in both languages', () => {
    for (const type of personEventTypes) expect(en).toHaveProperty([`event.${type}`]);
    for (const state of [...releaseStates, ...prodOnlyStates, 'sqlPending.failed'])
      expect(en).toHaveProperty([`state.${state}`]);
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(placeholders(zh[key as keyof typeof en]), key).toEqual(placeholders(text));
    }
  });
});
