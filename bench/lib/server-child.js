/**
 * Child-process entry of the HTTP benchmarks: starts one server kind and answers the parent's commands
 * over IPC ({ id, cmd } → { id, value | error }).
 *   bare    Fastify, one JSON route: the floor of any HTTP answer on this machine.
 *   sqlite  Fastify + one INSERT in a SQLite file with the store's pragmas (WAL, synchronous=FULL):
 *           the floor of any durable answer.
 *   cdflow  the cdflow server (startServer) in sandbox mode: simulators in this same process.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLogger, loadConfig, startServer } from '@cdflow/server';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const [kind, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions ?? '{}');
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

let running = null;

async function startBare() {
  const app = Fastify({ logger: false });
  let n = 0;
  app.post('/bench', async (request, reply) =>
    reply.code(201).send({ ok: true, n: ++n, size: size(request.body) }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { info: { url: `http://127.0.0.1:${app.server.address().port}` }, close: () => app.close() };
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
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    info: { url: `http://127.0.0.1:${app.server.address().port}` },
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
  });
  const config = { ...base, port: 0, timings: { ...base.timings, ...options.timings } };
  const server = await startServer(config, { logger: createLogger({ level: config.logLevel }) });
  return {
    info: {
      url: server.url,
      intakeToken: server.config.intakeToken,
      operatorToken: server.config.operatorToken,
      webhookSecret: server.config.webhookSecret,
    },
    idle: () => server.runtime.idle(),
    close: () => server.close(),
  };
}

const size = (body) => (body && typeof body === 'object' ? Object.keys(body).length : 0);

const starters = { bare: startBare, sqlite: startSqlite, cdflow: startCdflow };

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
    case 'idle':
      await running?.idle?.();
      return true;
    case 'stop':
      await running?.close();
      setImmediate(() => process.exit(0));
      return true;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

process.on('message', ({ id, cmd }) => {
  handle(cmd).then(
    (value) => process.send({ id, value }),
    (error) => process.send({ id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
