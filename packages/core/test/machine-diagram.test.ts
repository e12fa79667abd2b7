/**
 * The machine's diagram in MACHINE.md is generated from the machine itself; this test fails when the
 * chart changed and the diagram was not regenerated. Regenerate with
 * `CDFLOW_WRITE_MACHINE_MD=1 npx vitest run packages/core/test/machine-diagram.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { machineToMermaid, releaseMachineVersion } from '@cdflow/core';
import { describe, expect, it } from 'vitest';

const path = new URL('../MACHINE.md', import.meta.url);

function document(): string {
  return [
    '# The release machine',
    '',
    `Generated from \`releaseMachine\` (machine version ${releaseMachineVersion}) by \`machineToMermaid()\`;`,
    'the test `packages/core/test/machine-diagram.test.ts` fails when this file no longer matches the machine.',
    'Regenerate it with `CDFLOW_WRITE_MACHINE_MD=1 npx vitest run packages/core/test/machine-diagram.test.ts`.',
    'Edges are labelled with the event and, in brackets, the guard; `always` edges are taken at once.',
    '',
    '```mermaid',
    machineToMermaid(),
    '```',
    '',
  ].join('\n');
}

describe('MACHINE.md', () => {
  it('is the diagram of the machine as it is', () => {
    if (process.env.CDFLOW_WRITE_MACHINE_MD === '1') writeFileSync(path, document());
    expect(readFileSync(path, 'utf8')).toBe(document());
  });
});
