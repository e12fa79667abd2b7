/** What every route module receives: the typed Fastify instance, the runtime and the configuration. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ServerConfig } from '../config/server-config.js';
import type { ReleaseRuntimeApi } from '../runtime/runtime-api.js';

export type CdflowApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface RouteContext {
  runtime: ReleaseRuntimeApi;
  config: ServerConfig;
}
