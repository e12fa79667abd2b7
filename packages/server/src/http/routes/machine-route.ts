/** GET /api/machine — the release machine's definition (JSON for Stately tools) and a Mermaid diagram. */
import { machineDefinitionJson, machineToMermaid, releaseMachineVersion } from '@cdflow/core';
import type { CdflowApp } from '../route-context.js';
import { described, machineAnswer } from '../schemas.js';

export function registerMachineRoute(app: CdflowApp): void {
  // The definition never changes while the process runs: compute it once.
  let cached: { version: number; definition: object; mermaid: string } | null = null;
  app.get(
    '/api/machine',
    {
      schema: {
        summary: 'Release machine definition and diagram',
        tags: ['machine'],
        response: { 200: described(machineAnswer, 'The machine: version, definition, Mermaid diagram') },
      },
    },
    async () => {
      cached ??= {
        version: releaseMachineVersion,
        definition: machineDefinitionJson(),
        mermaid: machineToMermaid(),
      };
      return cached;
    },
  );
}
