/** Registers cookie parsing and /api/session, and returns the `PeopleAuth` the other routes authenticate with. */
import cookie from '@fastify/cookie';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { PeopleAuth, type PeopleAuthOptions } from './people-auth.js';
import { registerSessionRoutes } from './session-routes.js';

export async function installPeopleAuth(
  app: CdflowApp,
  context: RouteContext,
  options: PeopleAuthOptions = {},
): Promise<PeopleAuth> {
  // Unsigned cookies: the session id is a random 256-bit value looked up server-side, nothing to sign.
  await app.register(cookie);
  const people = new PeopleAuth(context.config, options);
  registerSessionRoutes(app, { ...context, people });
  return people;
}
