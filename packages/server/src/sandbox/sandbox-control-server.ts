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

/** Every route, for `GET /` and the README: the route, what it does, and its body when it takes one. */
const routeTable: ReadonlyArray<readonly [route: string, does: string, body?: string]> = [
  ['GET /', 'this list'],
  ['GET /releases', 'every release in one line (text): step, Jira status, what it waits for'],
  ['GET /releases/:key', "one release's story (text): now, failure, history one line per step"],
  ['GET /jira/people', 'the people of the simulated Jira with their sandbox passwords'],
  ['GET /jira/issues/:key', 'an issue: status, the transitions open now, comments'],
  ['POST /jira/issues/:key/transitions', 'move the issue as that person', '{ as, transition }'],
  ['POST /jira/issues/:key/comments', 'comment as that person', '{ as, body }'],
  ['POST /ops/releases/:key/confirm', 'ops confirms the config change in Jira', '{ as? = ops1 }'],
  ['POST /ops/releases/:key/fail', 'ops reports the config change failed', '{ as? = ops1, reason? }'],
  ['GET /archery/orders?release=', 'the SQL orders (of one release)'],
  ['POST /archery/orders/:id/audit', 'the DBA passes the remaining audit levels'],
  ['POST /archery/orders/:id/execute', 'the DBA executes the order', '{ mode? = auto }'],
  ['POST /archery/orders/:id/fail', "the order's execution fails", '{ message? }'],
  ['POST /archery/releases/:key/execute', "the DBA passes and executes the release's open orders"],
  ['POST /archery/fail-next', 'the next orders cdflow submits fail at execution', '{ message?, times? = 1 }'],
  ['DELETE /archery/fail-next', 'disarm it'],
  ['GET /cmdb/targets', 'the deploy targets'],
  ['POST /cmdb/outcome', 'how its deploys end from now on', '{ service, outcome: failed|success, message? }'],
  ['GET /faults', 'the faults injected, per upstream'],
  [
    'POST /faults',
    'inject an upstream fault',
    '{ upstream, route? = *, status?, body?, retryAfterSeconds?, latencyMs?, malformed?, rate?, times? }',
  ],
  ['DELETE /faults?upstream=', 'remove the faults (of one upstream)'],
];

export const controlRoutes = routeTable.map(([route, does, body]) =>
  body === undefined ? { route, does } : { route, body, does },
);

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
