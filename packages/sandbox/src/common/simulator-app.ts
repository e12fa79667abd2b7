/**
 * The Fastify shell every simulator uses: counters, faults, a request log and late answers on every API
 * route, a test-control API under `/__sim/` (faults and counters over HTTP, for tests in another
 * process), and listening on 127.0.0.1:0.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { CallCounters } from './call-counters.js';
import { FaultInjector, type FaultRule } from './fault-injector.js';
import { LateAnswers } from './late-answers.js';
import { RequestLog } from './request-log.js';

export interface SimulatorShell {
  app: FastifyInstance;
  counters: CallCounters;
  faults: FaultInjector;
  /** Every API request answered, with its arrival time. */
  requests: RequestLog;
  /** Rules that apply a call, then answer it late or drop the connection. */
  lateAnswers: LateAnswers;
}

/** `METHOD /pattern` of an API route; undefined for unknown routes and the `/__sim/` control API. */
function apiRoute(request: FastifyRequest): string | undefined {
  const pattern = request.routeOptions.url;
  if (pattern === undefined || pattern.startsWith('/__sim/')) return undefined;
  return `${request.method} ${pattern}`;
}

export function createSimulatorApp(options: { bodyLimit?: number } = {}): SimulatorShell {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024 });
  const counters = new CallCounters();
  const faults = new FaultInjector();
  const requests = new RequestLog();
  const lateAnswers = new LateAnswers();
  // Answers sent by an injected fault, so a late-answer rule bound to a status never counts them.
  const answeredByFault = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    const route = apiRoute(request);
    if (route === undefined) return;
    counters.increment(route);
    const fault = faults.decide(route);
    if (!fault) return;
    if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault.status !== undefined || fault.malformed) answeredByFault.add(request);
    if (fault.status !== undefined) {
      if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
      const body = fault.body ?? { error: `injected fault ${fault.status}` };
      if (fault.status >= 500 && fault.body === undefined) {
        // Real upstreams (Django, Jira's Tomcat) answer 5xx with an HTML page, not JSON.
        return reply
          .code(fault.status)
          .type('text/html')
          .send(`<html><body><h1>Server Error (${fault.status})</h1></body></html>`);
      }
      return reply.code(fault.status).send(body);
    }
    if (fault.malformed) return reply.code(200).type('application/json').send('{"truncated": ');
  });

  // onSend runs once the handler has answered (its change is made) and before anything is written.
  app.addHook('onSend', async (request, reply, payload) => {
    const route = apiRoute(request);
    if (route === undefined) return payload;
    const late = lateAnswers.take(route, {
      status: reply.statusCode,
      injectedFault: answeredByFault.has(request),
    });
    if (late === undefined) return payload;
    if (late.delayMs > 0) await new Promise((r) => setTimeout(r, late.delayMs));
    if (late.dropConnection) request.raw.socket.destroy();
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = apiRoute(request);
    if (route === undefined) return;
    requests.record({
      method: request.method,
      route,
      url: request.url,
      status: reply.statusCode,
      // elapsedTime counts from arrival, so this is when the request arrived, not when it was answered.
      receivedAt: Date.now() - reply.elapsedTime,
    });
  });

  app.get('/__sim/counters', async () => counters.snapshot());
  app.delete('/__sim/counters', async () => {
    counters.reset();
    return { ok: true };
  });
  app.post<{ Body: FaultRule }>('/__sim/faults', async (request) => ({ id: faults.inject(request.body) }));
  app.delete('/__sim/faults', async () => {
    faults.clear();
    return { ok: true };
  });

  return { app, counters, faults, requests, lateAnswers };
}

/** Listen on an ephemeral loopback port; returns the base URL (no trailing slash). */
export async function listenEphemeral(app: FastifyInstance, host = '127.0.0.1', port = 0): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator has no TCP address');
  return `http://${host}:${address.port}`;
}

/**
 * Start a simulator: its shell, its routes, the listening socket, then the simulator object. Routes reach
 * the object through `sim()`, which exists once the server listens (the object needs the URL).
 */
export async function startSimulator<T>(
  host: string | undefined,
  registerRoutes: (app: FastifyInstance, sim: () => T) => void,
  create: (shell: SimulatorShell, url: string) => T,
): Promise<T> {
  const shell = createSimulatorApp();
  let sim: T | undefined;
  registerRoutes(shell.app, () => sim!);
  const url = await listenEphemeral(shell.app, host);
  sim = create(shell, url);
  return sim;
}

/**
 * Start a simulator whose API takes one token: `options.token`, else a new random one (`newToken.prefix` then
 * `newToken.bytes` random bytes in hex). Its routes and the simulator object both get the token.
 */
export function startTokenSimulator<T>(
  options: { host?: string; token?: string },
  newToken: { prefix: string; bytes: number },
  registerRoutes: (app: FastifyInstance, token: string, sim: () => T) => void,
  create: (shell: SimulatorShell, url: string, token: string) => T,
): Promise<T> {
  const token = options.token ?? `${newToken.prefix}${randomBytes(newToken.bytes).toString('hex')}`;
  return startSimulator(
    options.host,
    (app, sim: () => T) => registerRoutes(app, token, sim),
    (shell, url) => create(shell, url, token),
  );
}
