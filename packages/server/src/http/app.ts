/**
 * The Fastify application: intake, legacy status, Jira webhook, query/operator API, machine, health,
 * sessions and live events, the web console (/ and /ui/), OpenAPI document (/openapi.json), docs page (/docs)
 * and Prometheus metrics (/metrics). No business rule lives here: routes validate,
 * authenticate and hand over to the runtime.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { ServerConfig } from '../config/server-config.js';
import type { CdflowMetrics } from '../metrics/cdflow-metrics.js';
import { registerMetricsRoute } from '../metrics/metrics-route.js';
import type { ReleaseRuntimeApi } from '../runtime/runtime-api.js';
import { installPeopleAuth } from './auth/install-people-auth.js';
import { installConsole } from './console/install-console.js';
import { installErrorHandling } from './error-handler.js';
import type { CdflowApp } from './route-context.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerIntakeRoute } from './routes/intake-route.js';
import { jiraWebhookRoutes } from './routes/jira-webhook-route.js';
import { registerLegacyStatusRoute } from './routes/legacy-status-route.js';
import { registerMachineRoute } from './routes/machine-route.js';
import { registerReleaseRoutes } from './routes/release-routes.js';

export interface BuildAppOptions {
  runtime: ReleaseRuntimeApi;
  config: ServerConfig;
  /** A pino logger (see createLogger); its redaction keeps secrets out of request logs. */
  logger: FastifyBaseLogger;
  /** GET /metrics serves this registry (no /metrics route without it). */
  metrics?: CdflowMetrics;
}

export async function buildApp({ runtime, config, logger, metrics }: BuildAppOptions): Promise<CdflowApp> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // Request ids are not secrets and help match an answer to a log line.
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>() as CdflowApp;

  installErrorHandling(app);
  closeKeptAliveConnectionsOnClose(app);
  // Every endpoint speaks JSON: a text body is answered 415 instead of reaching validation as a string.
  app.removeContentTypeParser('text/plain');

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'cdflow',
        version: '0.1.0',
        description:
          'Release orchestrator: intake from the release system, Jira webhook target, query and operator API.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'intake token, operator token or a person token (people.tokens)',
          },
          token: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'the token alone, without a scheme (as the original release system sends it)',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'cdflow_session',
            description: 'console session (POST /api/session); writes also need the X-CSRF-Token header',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const context = { runtime, config };
  registerHealthRoutes(app, context);
  registerIntakeRoute(app, context);
  registerLegacyStatusRoute(app, context);
  // People (sessions, person tokens, group permissions) and the web console with its live events.
  const people = await installPeopleAuth(app, context);
  const live = await installConsole(app, { ...context, people });
  registerReleaseRoutes(app, { ...context, people, live });
  if (metrics) registerMetricsRoute(app, { ...context, people, metrics });
  registerMachineRoute(app);
  await app.register(async (scope) => jiraWebhookRoutes(scope as CdflowApp, context));

  return app;
}

/**
 * `close()` closes the connections idle at that instant and waits for the others; a keep-alive
 * connection whose request is answered a moment later (a Jira webhook the simulator or Jira sent as the
 * server stopped) would then stay open, idle, and hold `close()` forever. Answers given while closing say
 * `connection: close`, and each one closes whatever became idle.
 */
function closeKeptAliveConnectionsOnClose(app: CdflowApp): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  app.addHook('onResponse', async () => {
    if (closing) setImmediate(() => app.server.closeIdleConnections());
  });
}
