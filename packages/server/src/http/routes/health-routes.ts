/** GET /healthz (the process answers) and GET /readyz (store reachable and runner alive). */
import Type from 'typebox';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { described, errorBody, healthAnswer, notReadyAnswer, readyAnswer } from '../schemas.js';

export function registerHealthRoutes(app: CdflowApp, { runtime }: RouteContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        tags: ['health'],
        response: { 200: described(healthAnswer, 'The process answers') },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness',
        tags: ['health'],
        response: {
          200: described(readyAnswer, 'The store is reachable and the effect runner alive'),
          // A shutting-down server answers with the error body instead.
          503: Type.Union([notReadyAnswer, errorBody], {
            description:
              'Not ready: the store or the effect runner is not available, or the server is stopping',
          }),
        },
      },
    },
    async (_request, reply) => {
      if (await runtime.ready()) return { status: 'ready' as const };
      return reply
        .code(503)
        .send({ status: 'not_ready' as const, message: 'the store or the effect runner is not available' });
    },
  );
}
