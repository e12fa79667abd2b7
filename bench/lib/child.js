/**
 * Servers under load run in a child process: on a 2-core machine the load generator (this process) and
 * the server each get a core, and the child's memory is the server's alone (RSS figures).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./server-child.js', import.meta.url));

export class ChildServerError extends Error {
  code = 'BENCH_CHILD';
  constructor(kind, detail) {
    super(`the ${kind} benchmark server failed: ${detail}`);
    this.name = 'ChildServerError';
  }
}

/** Start `kind` ('bare' | 'sqlite' | 'cdflow') with `options`; resolves once it listens. */
export function startChild(kind, options = {}) {
  const child = fork(entry, [kind, JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
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
    if (message.error) waiter.reject(new ChildServerError(kind, message.error));
    else waiter.resolve(message.value);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    failAll(new ChildServerError(kind, `exited (code ${code}, signal ${signal})`));
  });
  const request = (cmd, arg) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new ChildServerError(kind, 'already exited'));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd, arg });
    });
  const handle = {
    pid: child.pid,
    request,
    /** Resident set size and heap of the server process, in MiB. */
    memory: () => request('memory'),
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
