/**
 * Every route the app registers, as Fastify saw it (method, URL, hidden from the OpenAPI document or
 * not), so a test can hold the document against the routes; and, in each route's documented responses,
 * what the error handler does for every route: the answers any route may give (`commonErrors`: 500, 503)
 * and the `WWW-Authenticate` challenge of every 401 (`sendError`).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { commonErrors } from './schemas.js';

export interface RegisteredRoute {
  method: string;
  /** Fastify's URL pattern: `/api/releases/:key`, `/ui/*`. */
  url: string;
  /** `schema.hide`: left out of the OpenAPI document on purpose. */
  hidden: boolean;
}

const books = new WeakMap<object, RegisteredRoute[]>();

const challenge = {
  'www-authenticate': { type: 'string', description: 'Bearer: every 401 carries the challenge' },
} as const;

/** Installs the book on the root instance, before any route is registered. */
export function installRouteBook(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  books.set(app, routes);
  app.addHook('onRoute', (route: RouteOptions) => {
    const hidden = route.schema?.hide === true;
    for (const method of ([] as string[]).concat(route.method))
      routes.push({ method, url: route.url, hidden });
    if (hidden) return;
    route.schema ??= {};
    const response = (route.schema.response ?? {}) as Record<string, unknown>;
    for (const [status, answer] of Object.entries(commonErrors))
      if (!(status in response)) response[status] = answer;
    const unauthorized = response['401'] as { headers?: object } | undefined;
    if (unauthorized !== undefined)
      response['401'] = { ...unauthorized, headers: { ...challenge, ...unauthorized.headers } };
    route.schema.response = response;
  });
}

/** The routes registered on `app` so far (its automatic HEAD twins included). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  const routes = books.get(app);
  if (routes === undefined) throw new Error('internal: installRouteBook was not called on this app');
  return routes;
}
