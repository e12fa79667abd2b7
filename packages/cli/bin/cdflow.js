#!/usr/bin/env node
// Thin launcher so the bin link exists before the first build; the command itself is in dist/, which
// `pnpm install` builds (this package's `prepare` script) and `pnpm build` rebuilds.
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && /dist[\\/]main\.js/.test(String(err.message))) {
    console.error(
      'cdflow: the CLI is not built yet; run `npx --yes pnpm@10 build` at the repository root (or reinstall).',
    );
    process.exit(2);
  }
  throw err;
});
