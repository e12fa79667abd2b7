/**
 * The console's two cookies. `cdflow_session` carries the session id (HttpOnly: scripts never see it);
 * `cdflow_csrf` carries the session's CSRF token for the page to echo in `X-CSRF-Token` on writes
 * (double submit). Both are SameSite=Strict, Path=/, and Secure when the request came over https.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PeopleSettings } from '../../config/people-settings.js';

export const sessionCookie = 'cdflow_session';
export const csrfCookie = 'cdflow_csrf';
export const csrfHeader = 'x-csrf-token';

/** https directly, or per the first X-Forwarded-Proto of a TLS-terminating proxy in front. */
function overHttps(request: FastifyRequest): boolean {
  if (request.protocol === 'https') return true;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first?.toLowerCase() === 'https';
}

export function setSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: PeopleSettings,
  session: { id: string; csrfToken: string; expiresAt: number },
): void {
  const secure = settings.secureCookies === 'always' || overHttps(request);
  const maxAge = Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000));
  const common = { path: '/', sameSite: 'strict', secure, maxAge } as const;
  reply.setCookie(sessionCookie, session.id, { ...common, httpOnly: true });
  reply.setCookie(csrfCookie, session.csrfToken, { ...common, httpOnly: false });
}

export function clearSessionCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: PeopleSettings,
): void {
  const secure = settings.secureCookies === 'always' || overHttps(request);
  const common = { path: '/', sameSite: 'strict', secure } as const;
  reply.clearCookie(sessionCookie, { ...common, httpOnly: true });
  reply.clearCookie(csrfCookie, common);
}
