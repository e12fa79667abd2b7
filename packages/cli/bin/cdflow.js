#!/usr/bin/env node
// Thin launcher so the bin link exists before the first build; the command itself is in dist/.
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('cdflow: the CLI is not built yet; run `pnpm build` first.');
    process.exit(2);
  }
  throw err;
});
