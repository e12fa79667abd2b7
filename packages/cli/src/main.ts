import { readFileSync } from 'node:fs';
import { runCli } from './program.js';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

// The exit code is set, not forced, so buffered stdout (large SARIF) is flushed before the process ends.
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  toolVersion: packageJson.version,
});
