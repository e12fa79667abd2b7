import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources of every workspace package, so a test never sees a stale build.
export default defineConfig({
  resolve: {
    alias: {
      '@cdflow/core': src('core'),
      '@cdflow/adapters': src('adapters'),
      '@cdflow/sandbox': src('sandbox'),
      '@cdflow/policy': src('policy'),
      '@cdflow/server': src('server'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
