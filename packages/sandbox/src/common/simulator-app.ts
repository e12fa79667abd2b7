/**
 * The Fastify shell every simulator uses: counters and faults on every route, a test-control API under
 * `/__sim/` (faults and counters over HTTP, for tests in another process), and listening on 127.0.0.1:0.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { CallCounters } from './call-counters.js';
import { FaultInjector, type FaultRule } from './fault-injector.js';

export interface SimulatorShell {
  app: FastifyInstance;
  counters: CallCounters;
  faults: FaultInjector;
}

export function createSimulatorApp(options: { bodyLimit?: number } = {}): SimulatorShell {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024 });
  const counters = new CallCounters();
  const faults = new FaultInjector();

  app.addHook('onRequest', async (request, reply) => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined || pattern.startsWith('/__sim/')) return;
    const route = `${request.method} ${pattern}`;
    counters.increment(route);
    const fault = faults.decide(route);
    if (!fault) return;
    if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
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

  return { app, counters, faults };
}

/** Listen on an ephemeral loopback port; returns the base URL (no trailing slash). */
export async function listenEphemeral(app: FastifyInstance, host = '127.0.0.1', port = 0): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator has no TCP address');
  return `http://${host}:${address.port}`;
}
