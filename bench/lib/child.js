/**
 * Everything under measurement runs in its own process: on a 2-core machine the load generator (this
 * process) and the server each get a core, the server's RSS and CPU time are its own, and the
 * simulators' work is never counted as cdflow's. Each child answers commands over IPC.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entries = {
  server: fileURLToPath(new URL('./server-child.js', import.meta.url)),
  sandbox: fileURLToPath(new URL('./sandbox-child.js', import.meta.url)),
  client: fileURLToPath(new URL('./upstream-client-child.js', import.meta.url)),
};

export class ChildProcessError extends Error {
  code = 'BENCH_CHILD';
  constructor(name, detail) {
    super(`the ${name} benchmark process failed: ${detail}`);
    this.name = 'ChildProcessError';
  }
}

/** Fork `entry` with `args`; resolves once it answered `start` (with what it answered as `info`). */
function startProcess(name, entry, args) {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of every child there (to see where the time goes).
  const profile = process.env.BENCH_CPU_PROF;
  const child = fork(entry, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
  });
  let nextId = 1;
  const pending = new Map();
  let exited = false;
  const failAll = (error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  child.on('message', (message) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new ChildProcessError(name, message.error));
    else waiter.resolve(message.value);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    failAll(new ChildProcessError(name, `exited (code ${code}, signal ${signal})`));
  });
  const request = (cmd, arg) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new ChildProcessError(name, 'already exited'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd, arg });
    });
  const handle = {
    pid: child.pid,
    request,
    /** Resident set size and heap of the process, in MiB (servers). */
    memory: () => request('memory'),
    /** CPU time (user + system) the process has used so far, in ms. */
    cpuMs: () => request('cpu').then((c) => c.ms),
    async stop() {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      await request('stop').catch(() => undefined);
      await done;
    },
  };
  return request('start').then(
    (info) => ({ ...handle, info }),
    async (error) => {
      if (!exited) child.kill();
      throw error;
    },
  );
}

/** Start server `kind` ('bare' | 'echo' | 'sqlite' | 'cdflow') with `options`; resolves once it listens. */
export function startChild(kind, options = {}) {
  return startProcess(`${kind} server`, entries.server, [kind, JSON.stringify(options)]);
}

/** Start the four simulators in their own process; `info` is { urls, credentials }. */
export function startSimulators(options = {}) {
  return startProcess('simulators', entries.sandbox, [JSON.stringify(options)]);
}

/** Start the end-to-end baseline client (see upstream-client-child.js). */
export function startUpstreamClient() {
  return startProcess('baseline client', entries.client, []);
}
