/**
 * Child-process entry of the benchmark servers: starts one server kind and answers the parent's commands
 * over IPC ({ id, cmd, arg } → { id, value | error }).
 *   bare    Fastify, one JSON route: the floor of any HTTP answer on this machine.
 *   echo    Fastify answering every method and path with a small JSON body: the upstream a baseline
 *           client talks to (the same calls cdflow makes, to a route that does nothing).
 *   sqlite  Fastify + one INSERT in a SQLite file with the store's pragmas (WAL, synchronous=FULL):
 *           the floor of any durable answer.
 *   cdflow  the cdflow server (startServer). With `upstreams` ({ urls, credentials } of simulators
 *           running in another process) it talks to those; without, sandbox mode starts them in here.
 * Every kind answers `cpu` (this process's CPU time), `memory`, `io` (/proc/self/io) and `stop`; cdflow
 * also `idle` and `stats` (its store's counters).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLogger, loadConfig, startServer, withSandboxUpstreams } from '@cdflow/server';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
// The store is not part of @cdflow/server's public API; the benchmark reads its counters on purpose.
import * as storeModule from '../../packages/server/dist/store/index.js';
import { answerParentCommands } from './parent-commands.js';

const [kind, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions ?? '{}');
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

let running = null;

async function listen(app) {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${app.server.address().port}`;
}

async function startBare() {
  const app = Fastify({ logger: false });
  let n = 0;
  app.post('/bench', async (request, reply) =>
    reply.code(201).send({ ok: true, n: ++n, size: size(request.body) }),
  );
  return { info: { url: await listen(app) }, close: () => app.close() };
}

async function startEcho() {
  const app = Fastify({ logger: false });
  let n = 0;
  app.all('/*', async (request) => ({ ok: true, n: ++n, size: size(request.body) }));
  return { info: { url: await listen(app) }, close: () => app.close() };
}

async function startSqlite() {
  mkdirSync(dirname(options.dbPath), { recursive: true });
  const db = new Database(options.dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table if not exists bench (id integer primary key, body text not null, at text not null)');
  const insert = db.prepare('insert into bench (body, at) values (?, ?)');
  const app = Fastify({ logger: false });
  app.post('/bench', async (request, reply) => {
    const { lastInsertRowid } = insert.run(JSON.stringify(request.body), new Date().toISOString());
    return reply.code(201).send({ ok: true, id: Number(lastInsertRowid) });
  });
  return {
    info: { url: await listen(app) },
    close: async () => {
      await app.close();
      db.close();
    },
  };
}

async function startCdflow() {
  const base = loadConfig({
    CDFLOW_SANDBOX: '1',
    CDFLOW_DB: options.dbPath,
    CDFLOW_SQL_MODE: options.sqlMode ?? 'manual',
    CDFLOW_LOG_LEVEL: options.logLevel ?? 'warn',
    // PostgreSQL replicas: CDFLOW_DB is a postgres:// URL, and every replica shares the same secrets.
    ...options.env,
  });
  let config = { ...base, port: 0, timings: { ...base.timings, ...options.timings } };
  // Simulators in another process: the server must not start its own (its secrets stay generated).
  // Replicas on PostgreSQL are not in sandbox mode (CDFLOW_SANDBOX=0): their env names the upstreams.
  if (options.upstreams && config.sandbox)
    config = withSandboxUpstreams({ ...config, sandbox: false }, options.upstreams);
  const server = await startServer(config, { logger: createLogger({ level: config.logLevel }) });
  // findOpenStore is missing in builds older than the store's counters: their stats read null.
  const store = storeModule.findOpenStore?.(config.dbPath);
  // Executions per statement text, for the e2e table's note (a map update per statement).
  store?.profileStatements?.();
  return {
    info: {
      url: server.url,
      intakeToken: server.config.intakeToken,
      operatorToken: server.config.operatorToken,
      webhookSecret: server.config.webhookSecret,
      dbPath: config.dbPath,
    },
    idle: () => server.runtime.idle(),
    stats: () => store?.stats() ?? null,
    profile: () => store?.statementProfile?.() ?? null,
    close: () => server.close(),
  };
}

const size = (body) => (body && typeof body === 'object' ? Object.keys(body).length : 0);

/** Bytes this process made the storage layer write (Linux), or null elsewhere. */
function writeBytes() {
  try {
    const line = readFileSync('/proc/self/io', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('write_bytes:'));
    return line ? Number(line.split(':')[1]) : null;
  } catch {
    return null;
  }
}

const starters = { bare: startBare, echo: startEcho, sqlite: startSqlite, cdflow: startCdflow };

async function handle(cmd) {
  switch (cmd) {
    case 'start': {
      const start = starters[kind];
      if (!start) throw new Error(`unknown server kind ${kind}`);
      running = await start();
      return running.info;
    }
    case 'memory': {
      const m = process.memoryUsage();
      return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) };
    }
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      return { userMs: user / 1000, systemMs: system / 1000, ms: (user + system) / 1000 };
    }
    case 'io':
      return { writeBytes: writeBytes() };
    case 'stats':
      return running?.stats?.() ?? null;
    case 'profile':
      return running?.profile?.() ?? null;
    case 'idle':
      await running?.idle?.();
      return true;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

answerParentCommands(handle, () => running?.close());
