// drizzle-kit configuration: `pnpm --filter @cdflow/server db:generate` writes SQL migrations to ./drizzle
// from the schema; the server applies them at start (see src/store/open-store.ts).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema.ts',
  out: './drizzle',
});
