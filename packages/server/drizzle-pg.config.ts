// drizzle-kit configuration for PostgreSQL: `pnpm --filter @cdflow/server db:generate:pg` writes SQL
// migrations to ./drizzle-pg from the schema; the server applies them at start, under an advisory lock
// (see src/store/pg/open-pg-store.ts). The SQLite one is drizzle.config.ts.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/pg/schema.ts',
  out: './drizzle-pg',
});
