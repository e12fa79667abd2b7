/**
 * Figure 5 — what one upstream call costs cdflow's own CPU, by HTTP client: got configured as the
 * HttpClient used it until now, Node's http with a keep-alive Agent (the baseline), undici's Pool, and
 * the HttpClient of @cdflow/adapters. Each makes the same sequential JSON POSTs to a bare Fastify route
 * in a child process, so this process's CPU time (process.cpuUsage) is the client's alone.
 */
import http from 'node:http';
import { HttpClient } from '@cdflow/adapters';
import got from 'got';
import { Pool } from 'undici';
import { startChild } from '../lib/child.js';
import { ratio, round } from '../lib/stats.js';

const body = {
  version: '1061',
  operator: 'cdflow',
  request_id: 'release-42:code:a18/cc_merchant_console:1061',
};

class ClientBenchError extends Error {
  code = 'BENCH_CLIENT';
  constructor(subject, detail) {
    super(`the ${subject} client failed: ${detail}`);
    this.name = 'ClientBenchError';
  }
}

function checked(subject, status, parsed) {
  if (status !== 201 || parsed?.ok !== true) {
    throw new ClientBenchError(subject, `answered ${status} ${JSON.stringify(parsed)}`);
  }
}

/** got 14 with the options the HttpClient gave it (prefixUrl, timeout, retries, hooks, text body). */
function gotAsConfigured(url) {
  const headers = { 'access-token': 'bench-token' };
  const client = got.extend({
    prefixUrl: `${url}/`,
    timeout: { request: 10_000 },
    throwHttpErrors: false,
    retry: {
      limit: 2,
      methods: ['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS'],
      statusCodes: [408, 429, 500, 502, 503, 504],
      errorCodes: [
        'ETIMEDOUT',
        'ECONNRESET',
        'EADDRINUSE',
        'ECONNREFUSED',
        'EPIPE',
        'ENOTFOUND',
        'ENETUNREACH',
      ],
      maxRetryAfter: 60_000,
      backoffLimit: 10_000,
    },
    hooks: {
      beforeRequest: [
        (options) => {
          for (const [k, v] of Object.entries(headers)) options.headers[k] = v;
        },
      ],
    },
  });
  return {
    call: async () => {
      const res = await client('bench', { method: 'POST', json: body, responseType: 'text' });
      checked('got', res.statusCode, JSON.parse(res.body));
    },
    close: async () => undefined,
  };
}

function nodeHttp(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const target = new URL('/bench', url);
  return {
    call: () =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = http.request(
          target,
          {
            method: 'POST',
            agent,
            timeout: 10_000,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(payload),
              'access-token': 'bench-token',
            },
          },
          (res) => {
            const chunks = [];
            res.on('data', (chunk) => chunks.push(chunk));
            res.on('end', () => {
              try {
                checked('node:http', res.statusCode, JSON.parse(Buffer.concat(chunks).toString('utf8')));
                resolve();
              } catch (error) {
                reject(error);
              }
            });
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new ClientBenchError('node:http', 'timed out')));
        req.on('error', reject);
        req.end(payload);
      }),
    close: async () => agent.destroy(),
  };
}

function undiciPool(url) {
  const pool = new Pool(url, { connections: 10 });
  return {
    call: async () => {
      const res = await pool.request({
        path: '/bench',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'access-token': 'bench-token' },
        body: JSON.stringify(body),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      checked('undici', res.statusCode, await res.body.json());
    },
    close: () => pool.close(),
  };
}

function cdflowHttpClient(url) {
  const client = new HttpClient({
    upstream: 'cmdb',
    baseUrl: url,
    headers: () => ({ 'access-token': 'bench-token' }),
  });
  return {
    call: async () => {
      const res = await client.request({ method: 'POST', path: 'bench', json: body });
      checked('HttpClient', res.status, res.body);
    },
    close: () => client.close?.() ?? Promise.resolve(),
  };
}

/** `calls` sequential calls: client CPU µs per call (user + system) and wall µs per call. */
async function measure(client, calls) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await client.call();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / calls, wallUs: (wallMs * 1000) / calls };
}

export async function runClient({ quick }) {
  const calls = quick ? 500 : 4000;
  const warmup = quick ? 200 : 1000;
  const rounds = 3;
  const child = await startChild('bare');
  const subjects = {
    nodeHttp: { label: 'node:http + keep-alive Agent (baseline)', make: nodeHttp },
    got: { label: 'got 14 as the HttpClient configured it', make: gotAsConfigured },
    undici: { label: 'undici Pool.request', make: undiciPool },
    httpClient: { label: 'cdflow HttpClient (@cdflow/adapters)', make: cdflowHttpClient },
  };
  const clients = {};
  const best = {};
  try {
    for (const [name, subject] of Object.entries(subjects)) {
      clients[name] = subject.make(child.info.url);
      await measure(clients[name], warmup);
    }
    // Interleaved rounds, the least CPU of each subject: one round alone is skewed by JIT and GC timing.
    for (let r = 0; r < rounds; r++) {
      for (const name of Object.keys(subjects)) {
        const figures = await measure(clients[name], calls);
        if (best[name] === undefined || figures.cpuUs < best[name].cpuUs) best[name] = figures;
      }
    }
  } finally {
    for (const client of Object.values(clients)) await client.close();
    await child.stop();
  }
  const base = best.nodeHttp;
  const rows = Object.entries(subjects).map(([name, { label }]) => [
    label,
    round(best[name].cpuUs),
    ratio(best[name].cpuUs, base.cpuUs),
    round(best[name].wallUs),
    ratio(best[name].wallUs, base.wallUs),
  ]);
  return {
    id: 'client',
    title: 'HTTP client CPU per upstream call (sequential JSON POSTs to a bare Fastify route)',
    columns: ['client', 'client CPU µs/call', '÷ node:http', 'wall µs/call', '÷ node:http'],
    rows,
    notes: [
      `${calls} sequential calls per round after ${warmup} warm-up calls, best of ${rounds} interleaved rounds; the server runs in a child process, so the CPU is the client's alone (user + system).`,
      'Every client sends the same JSON body with an auth header and parses the JSON answer; got and HttpClient also apply their timeout and retry settings.',
    ],
    data: { calls, warmup, rounds, ...best },
  };
}
