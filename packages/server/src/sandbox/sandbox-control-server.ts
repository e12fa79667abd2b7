/**
 * The sandbox control API: a small HTTP server beside cdflow, only in sandbox mode, that lets a person
 * (or a test in another process) act as the people and systems around cdflow — the DBA in Archery, ops
 * and anyone in the simulated Jira, the CMDB's deploy outcome, upstream faults — and follow releases in
 * short text. It is its own server, not routes on cdflow's port, so it listens on loopback even when
 * cdflow listens on every interface, and cdflow's API and OpenAPI document stay the product's.
 * Every route needs the operator token.
 */
import type { AddressInfo } from 'node:net';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { installErrorHandling } from '../http/error-handler.js';
import { requireToken } from '../http/require-token.js';
import type { CdflowApp } from '../http/route-context.js';
import { registerArcheryControlRoutes } from './control-archery-routes.js';
import { registerCmdbControlRoutes } from './control-cmdb-routes.js';
import type { ControlContext } from './control-context.js';
import { registerFaultControlRoutes } from './control-fault-routes.js';
import { registerJiraControlRoutes } from './control-jira-routes.js';
import { registerReleaseControlRoutes } from './control-release-routes.js';

/** Every route, for `GET /` and the README: what it does and its body. */
export const controlRoutes = [
  { route: 'GET /', does: 'this list' },
  { route: 'GET /releases', does: 'every release in one line (text): step, Jira status, what it waits for' },
  {
    route: 'GET /releases/:key',
    does: "one release's story (text): now, failure, history one line per step",
  },
  { route: 'GET /jira/people', does: 'the people of the simulated Jira with their sandbox passwords' },
  { route: 'GET /jira/issues/:key', does: 'an issue: status, the transitions open now, comments' },
  {
    route: 'POST /jira/issues/:key/transitions',
    body: '{ as, transition }',
    does: 'move the issue as that person',
  },
  { route: 'POST /jira/issues/:key/comments', body: '{ as, body }', does: 'comment as that person' },
  {
    route: 'POST /ops/releases/:key/confirm',
    body: '{ as? = ops1 }',
    does: 'ops confirms the config change in Jira',
  },
  {
    route: 'POST /ops/releases/:key/fail',
    body: '{ as? = ops1, reason? }',
    does: 'ops reports the config change failed',
  },
  { route: 'GET /archery/orders?release=', does: 'the SQL orders (of one release)' },
  { route: 'POST /archery/orders/:id/audit', does: 'the DBA passes the remaining audit levels' },
  { route: 'POST /archery/orders/:id/execute', body: '{ mode? = auto }', does: 'the DBA executes the order' },
  { route: 'POST /archery/orders/:id/fail', body: '{ message? }', does: "the order's execution fails" },
  {
    route: 'POST /archery/releases/:key/execute',
    does: "the DBA passes and executes the release's open orders",
  },
  {
    route: 'POST /archery/fail-next',
    body: '{ message?, times? = 1 }',
    does: 'the next orders cdflow submits fail at execution',
  },
  { route: 'DELETE /archery/fail-next', does: 'disarm it' },
  { route: 'GET /cmdb/targets', does: 'the deploy targets' },
  {
    route: 'POST /cmdb/outcome',
    body: '{ service, outcome: failed|success, message? }',
    does: 'how its deploys end from now on',
  },
  { route: 'GET /faults', does: 'the faults injected, per upstream' },
  {
    route: 'POST /faults',
    body: '{ upstream, route? = *, status?, body?, retryAfterSeconds?, latencyMs?, malformed?, rate?, times? }',
    does: 'inject an upstream fault',
  },
  { route: 'DELETE /faults?upstream=', does: 'remove the faults (of one upstream)' },
] as const;

export interface SandboxControlServer {
  url: string;
  close(): Promise<void>;
}

export async function startSandboxControl(
  context: ControlContext,
  options: { logger: FastifyBaseLogger; cdflowPort: number },
): Promise<SandboxControlServer> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'sandbox-control' }),
    requestIdHeader: false,
    forceCloseConnections: 'idle',
  })
    .setValidatorCompiler(TypeBoxValidatorCompiler)
    .withTypeProvider<TypeBoxTypeProvider>() as CdflowApp;
  installErrorHandling(app);
  app.addHook('onRequest', requireToken(context.config, ['operator']));
  // A POST without a body is the same as `{}`: every field of the control bodies is optional or named.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
  });

  app.get('/', async () => ({ routes: controlRoutes, auth: 'Authorization: Bearer <operator token>' }));
  registerReleaseControlRoutes(app, context);
  registerJiraControlRoutes(app, context);
  registerArcheryControlRoutes(app, context);
  registerCmdbControlRoutes(app, context);
  registerFaultControlRoutes(app, context);

  const { host, port: given } = context.config.sandboxControl;
  const preferred =
    given ?? (options.cdflowPort === 0 || options.cdflowPort >= 65_535 ? 0 : options.cdflowPort + 1);
  try {
    await app.listen({ host, port: preferred });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || given !== null) {
      await app.close();
      throw new Error(
        `the sandbox control API cannot listen on ${host}:${preferred} (${(error as Error).message}): ` +
          'set CDFLOW_SANDBOX_CONTROL_PORT to a free port (0: any)',
      );
    }
    options.logger.warn(
      { port: preferred },
      'sandbox control API: that port is taken, listening on a free one',
    );
    await app.listen({ host, port: 0 });
  }
  const address = app.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}`, close: () => app.close() };
}
