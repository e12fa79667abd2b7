/**
 * A real headless Chromium for the console's browser tests: the one shipped inside @sparticuz/chromium
 * (no download at run time), driven by playwright-core. Also makes sure the console is built: `pnpm test`
 * builds first; a lone `vitest run` builds it here when dist is missing or older than the sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sparticuz from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

const consoleDir = fileURLToPath(new URL('../../', import.meta.url));
export const outputDir = join(consoleDir, 'test-output');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestSource(path) : stat.mtimeMs);
  }
  return newest;
}

export function ensureConsoleBuilt(): void {
  const index = join(consoleDir, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource(join(consoleDir, 'src'))) return;
  // vitest sets NODE_ENV=test, which would keep Preact's development checks in the bundle.
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: consoleDir,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(outputDir, { recursive: true });
  // sparticuz.args include --no-sandbox and --no-zygote, which Chromium needs when run as root here.
  // --single-process (meant for one page in a serverless function) crashes once a second context opens.
  const args = sparticuz.args.filter((arg) => arg !== '--single-process');
  return chromium.launch({ executablePath: await sparticuz.executablePath(), args, headless: true });
}
