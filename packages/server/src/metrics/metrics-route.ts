/**
 * GET /metrics in the Prometheus text format. Protected like the other reads (a bearer token: the
 * operator, intake or a person token; a console session too) unless CDFLOW_CONFIG `metrics.public` is
 * true. Also counts the Jira webhook's deliveries by result, from the webhook route's answers.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PeopleAuth } from '../http/auth/people-auth.js';
import type { CdflowApp, RouteContext } from '../http/route-context.js';
import { bearerOrSession, textResponse, unauthenticated } from '../http/schemas.js';
import type { CdflowMetrics } from './cdflow-metrics.js';

const jiraWebhookUrl = '/cicdflow/jira/';

export function registerMetricsRoute(
  app: CdflowApp,
  context: RouteContext & { people: PeopleAuth; metrics: CdflowMetrics },
): void {
  const { metrics, people, config } = context;
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (request.routeOptions.url !== jiraWebhookUrl || request.method !== 'POST') return payload;
    if (reply.statusCode === 202) {
      const duplicate = typeof payload === 'string' && payload.includes('"duplicate":true');
      metrics.observeWebhook(duplicate ? 'duplicate' : 'accepted');
    } else {
      metrics.observeWebhook('refused');
    }
    return payload;
  });

  const readAuth = people.authenticate(['operator-token', 'intake-token', 'person-token', 'session']);
  app.get(
    '/metrics',
    {
      ...(config.metrics.public ? {} : { onRequest: readAuth }),
      schema: {
        summary: 'Prometheus metrics',
        description:
          'The Prometheus text format (releases by state, stage durations, effects, retries, upstream latency and ' +
          'errors, webhook deliveries, queue depths, stuck releases). Needs a read credential unless ' +
          'metrics.public is true in CDFLOW_CONFIG.',
        tags: ['observability'],
        ...(config.metrics.public ? {} : { security: bearerOrSession }),
        response: {
          200: textResponse('text/plain', 'The metrics, in the Prometheus text format (version 0.0.4)'),
          ...(config.metrics.public ? {} : { 401: unauthenticated }),
        },
      },
    },
    async (_request, reply) => {
      const text = await metrics.scrape();
      return reply.header('content-type', metrics.contentType).send(text);
    },
  );
}
