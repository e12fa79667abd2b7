/**
 * A Fastify `onRequest` hook that lets a request through only with one of the named tokens, sent as
 * `Authorization: Bearer <token>` or as the bare token (`presentedToken`).
 */
import type { FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config/server-config.js';
import { unauthorized } from './api-error.js';
import { presentedToken, tokenMatches } from './token-auth.js';

export type TokenKind = 'intake' | 'operator';

const tokenOf = (config: ServerConfig, kind: TokenKind) =>
  kind === 'intake' ? config.intakeToken : config.operatorToken;

/** Which kind of token a request presented (null: none valid). */
export function presentedTokenKind(
  request: FastifyRequest,
  config: ServerConfig,
  kinds: readonly TokenKind[],
): TokenKind | null {
  const token = presentedToken(request.headers.authorization);
  if (token === null) return null;
  // Every candidate is compared (no early exit) so timing does not tell which token was close.
  let found: TokenKind | null = null;
  for (const kind of kinds) if (tokenMatches(token, tokenOf(config, kind)) && found === null) found = kind;
  return found;
}

export function requireToken(config: ServerConfig, kinds: readonly TokenKind[]) {
  const names = kinds.map((k) => `the ${k} token`).join(' or ');
  return async (request: FastifyRequest): Promise<void> => {
    if (request.headers.authorization === undefined) {
      throw unauthorized(`missing Authorization header: send "Authorization: Bearer <token>" with ${names}`);
    }
    if (presentedTokenKind(request, config, kinds) === null) {
      throw unauthorized(`invalid bearer token: this endpoint needs ${names}`);
    }
  };
}
