/** docs/product.md shows the release machine's chart; it must be the machine's, not an old copy. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineToMermaid } from '@cdflow/core';
import { expect, it } from 'vitest';

it("docs/product.md's Mermaid chart is core's machineToMermaid() (paste it again after changing the machine)", () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/product.md', import.meta.url)), 'utf8');
  const block =
    /<!-- machine-diagram:start -->\n```mermaid\n([\s\S]*?)\n```\n<!-- machine-diagram:end -->/.exec(doc);
  expect(block, 'the machine-diagram markers around a mermaid block').not.toBeNull();
  expect(block![1]).toBe(machineToMermaid().trimEnd());
});
