/**
 * The CLI as users run it: the built bin spawned as a process. `buildCli()` builds it first (test files
 * run in parallel, so builds take turns on a lock and the later ones find the build up to date).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const binScript = join(repoRoot, 'packages/cli/bin/cdflow.js');
/** The link `pnpm install` makes (root devDependency on @cdflow/cli): what `npx cdflow` runs. */
export const linkedBin = join(repoRoot, 'node_modules/.bin/cdflow');

const lockDir = join(
  tmpdir(),
  `cdflow-cli-build-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 12)}.lock`,
);
const staleLockMs = 120_000;

async function takeLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      // A build that crashed leaves its lock behind; one older than any build is released.
      const lock = statSync(lockDir, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > staleLockMs) rmSync(lockDir, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function buildCli(): Promise<void> {
  await takeLock();
  try {
    execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: repoRoot, stdio: 'inherit' });
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment a person's shell would have: this process's, without the `npm_*` variables the
 * test runner (pnpm) adds — an `npx` started with pnpm's `npm_config_*` warns about every one npm
 * does not know, which is noise a person at a terminal never sees.
 */
function shellEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

/** Runs `file args…` in `cwd` and resolves with its exit code and output (never rejects on exit ≠ 0). */
export function run(
  file: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: { ...shellEnvironment(), ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `node packages/cli/bin/cdflow.js args…` in `cwd`. */
export function cdflow(
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  return run(process.execPath, [binScript, ...args], { cwd, env });
}

/** Single-quotes a word for `sh -c`. */
export const shellWord = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
