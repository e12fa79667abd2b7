/** `pnpm demo` is a promise of the README: it must take a release to uatComplete and exit 0. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

beforeAll(() => {
  // `pnpm test` builds first; a lone vitest run builds the demo if it has never been built.
  if (!existsSync(main))
    spawnSync('npx', ['tsc', '-b', 'examples/sandbox-demo'], { cwd: root, stdio: 'inherit' });
}, 120_000);

describe('pnpm demo', () => {
  it('runs one release from intake to uatComplete against the sandbox and exits 0', () => {
    const run = spawnSync('node', [main], { cwd: root, encoding: 'utf8', timeout: 90_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/sandbox/i);
    expect(output).toContain('reached uatComplete');
  }, 100_000);
});
