/**
 * The cdflow server as a real child process (`node packages/server/dist/main.js`), for crash tests:
 * started from an environment, killed with SIGKILL at a chosen instant, started again on the same
 * SQLite file and port (so the Jira webhook registered in the simulator keeps pointing at it).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const serverMain = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** `pnpm test` builds before vitest runs; a lone `vitest run` of this file builds here if needed. */
export function ensureServerBuilt(): void {
  if (existsSync(serverMain)) return;
  execFileSync('npx', ['tsc', '-b', 'packages/server'], { cwd: repoRoot, stdio: 'inherit' });
}

/** A free loopback port (bound then released), kept for every start of one test's server. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** What `child` printed so far, stdout and stderr together, as it arrives. */
export function printedBy(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

const running = new Set<ChildProcess>();

/** SIGKILL every child still alive (afterEach/afterAll: a failed test leaves no process behind). */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => killHard(child)));
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
  running.delete(child);
}

export interface ChildServer {
  url: string;
  pid: number;
  /** Everything the process printed (for failure messages). */
  output(): string;
  /** kill -9: no shutdown hook runs, nothing is flushed but what SQLite already committed. */
  kill9(): Promise<void>;
}

export async function startChildServer(
  env: Record<string, string>,
  port: number,
  readyTimeoutMs = 20_000,
): Promise<ChildServer> {
  const child = spawn(process.execPath, [serverMain], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env, CDFLOW_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output = printedBy(child);
  child.once('exit', () => running.delete(child));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`cdflow exited with ${child.exitCode} before it was ready:\n${output()}`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await killHard(child);
      throw new Error(`cdflow was not ready within ${readyTimeoutMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    pid: child.pid ?? -1,
    output,
    kill9: () => killHard(child),
  };
}
