/**
 * Child-process entry of the end-to-end baseline: a client that makes the upstream calls cdflow made
 * (same count and kinds: method and route, as the simulators counted them) to the `echo` server, with
 * the same shape of concurrency (one worker per release, each making its release's calls one after the
 * other, all releases at once), through Node's own fetch (keep-alive). It reports its own CPU time, so
 * the suite can compare cdflow's CPU per release with the CPU of just making those calls.
 * IPC: start → true; run arg { url, plan: [{ method, path, count }], releases } → { cpuMs, wallMs, calls }.
 */
import { answerParentCommands } from './parent-commands.js';

let body = 0;

function call(url, method, path) {
  const withBody = method !== 'GET' && method !== 'HEAD' && method !== 'DELETE';
  return fetch(`${url}${path}`, {
    method,
    headers: withBody ? { 'content-type': 'application/json' } : {},
    body: withBody ? JSON.stringify({ n: ++body, note: 'baseline call' }) : undefined,
  }).then((res) => res.arrayBuffer());
}

/** The plan's calls for release `i` of `releases` (totals divided as evenly as the counts allow). */
function callsOf(plan, i, releases) {
  const calls = [];
  for (const { method, path, count } of plan) {
    const n = Math.floor(count / releases) + (i < count % releases ? 1 : 0);
    for (let k = 0; k < n; k++) calls.push([method, path]);
  }
  return calls;
}

async function run({ url, plan, releases }) {
  // Warm-up: the JIT and the connection pool, as cdflow's warm-up releases do.
  for (const { method, path } of plan) await call(url, method, path);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let calls = 0;
  await Promise.all(
    Array.from({ length: releases }, async (_, i) => {
      for (const [method, path] of callsOf(plan, i, releases)) {
        await call(url, method, path);
        calls += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0, calls };
}

async function handle(cmd, arg) {
  switch (cmd) {
    case 'start':
      return true;
    case 'run':
      return run(arg);
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

answerParentCommands(handle);
