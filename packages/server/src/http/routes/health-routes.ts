/** GET /healthz (the process answers) and GET /readyz (store reachable and runner alive). */
import type { CdflowApp, RouteContext } from '../route-context.js';

export function registerHealthRoutes(app: CdflowApp, { runtime }: RouteContext): void {
  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['health'] } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { summary: 'Readiness', tags: ['health'] } }, async (_request, reply) => {
    if (await runtime.ready()) return { status: 'ready' };
    return reply
      .code(503)
      .send({ status: 'not_ready', message: 'the store or the effect runner is not available' });
  });
}
