/**
 * cdflow in sandbox mode as a real child process (`node packages/server/dist/main.js`, what `pnpm start`
 * runs): its simulators in the same process, its data directory kept between starts, stopped with SIGTERM
 * as a service manager stops it (or killed), and started again on the same directory.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { printedBy, serverMain } from './child-server.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Build the server (incremental: quick when nothing changed) so the child never runs a stale dist. */
export function buildServer(): void {
  execFileSync('npx', ['tsc', '-b', 'packages/server'], { cwd: repoRoot, stdio: 'inherit' });
}

export interface SandboxProcess {
  url: string;
  controlUrl: string;
  /** Everything it printed on the terminal (stdout and stderr). */
  output(): string;
  /** Wait (with a deadline) until the terminal shows a line matching `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then its exit code once it has shut down. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

const running = new Set<ChildProcess>();

export async function killSandboxProcesses(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
      running.delete(child);
    }),
  );
}

export async function startSandboxProcess(
  env: Record<string, string>,
  ports: { cdflow: number; control: number },
  readyTimeoutMs = 30_000,
): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [serverMain], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      CDFLOW_SANDBOX: '1',
      CDFLOW_PORT: String(ports.cdflow),
      CDFLOW_SANDBOX_CONTROL_PORT: String(ports.control),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output = printedBy(child);
  // 'close', not 'exit': by then everything it printed has been read.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${ports.cdflow}`;
  const deadline = Date.now() + readyTimeoutMs;
  // Ready once it answers and has printed its banner (the sample release is posted before it).
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`cdflow exited with ${child.exitCode} before it was ready:\n${output()}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready && output().includes('cdflow started')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`cdflow was not ready within ${readyTimeoutMs} ms:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    controlUrl: `http://127.0.0.1:${ports.control}`,
    output,
    waitForOutput: async (pattern, timeoutMs = 20_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const line = output()
          .split('\n')
          .find((l) => pattern.test(l));
        if (line !== undefined) return line;
        if (Date.now() > until) throw new Error(`the terminal never showed ${pattern}:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
