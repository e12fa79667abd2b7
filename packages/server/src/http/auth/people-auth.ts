/**
 * Who is asking: the one place that turns a request's credentials into a `Person`. A bearer token is
 * the shared operator token (identity `operator`), the intake token (identity `release-system`, reads
 * only) or a person token (`people.tokens`); without one, a console session cookie, whose writes must
 * echo the session's CSRF token. Routes choose which credentials they accept.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../../config/server-config.js';
import { ApiError, forbidden, unauthorized } from '../api-error.js';
import { bearerToken, tokenMatches } from '../token-auth.js';
import { type Credential, operatorPerson, type Person, releaseSystemPerson, setIdentity } from './person.js';
import { PersonTokenBook } from './person-token-book.js';
import { clearSessionCookies, csrfHeader, sessionCookie } from './session-cookies.js';
import { SessionStore } from './session-store.js';

const credentialNames: Record<Credential, string> = {
  'operator-token': 'the operator token',
  'person-token': 'a person token',
  'intake-token': 'the intake token',
  session: 'a console session',
};

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface PeopleAuthOptions {
  /** The clock of session expiry (tests); default Date.now. */
  now?: () => number;
}

export class PeopleAuth {
  readonly sessions: SessionStore;
  private readonly tokens: PersonTokenBook;

  constructor(
    readonly config: ServerConfig,
    options: PeopleAuthOptions = {},
  ) {
    this.sessions = new SessionStore(config.people.sessionTtlMinutes * 60_000, options.now);
    this.tokens = new PersonTokenBook(config.people.tokens);
  }

  /** The person a bearer token stands for, or null. Every kind is compared, whichever matches. */
  personOfToken(token: string): Person | null {
    const operator = tokenMatches(token, this.config.operatorToken);
    const intake = tokenMatches(token, this.config.intakeToken);
    const person = this.tokens.find(token);
    if (operator) return operatorPerson;
    if (intake) return releaseSystemPerson;
    return person;
  }

  /** An `onRequest` hook letting through only the credentials named; it attaches the person (see personOf). */
  authenticate(accepted: readonly Credential[]) {
    const bearerKinds: readonly Credential[] = accepted.filter((c) => c !== 'session');
    const needs = accepted.map((c) => credentialNames[c]).join(', ');
    return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (request.headers.authorization !== undefined) {
        const token = bearerToken(request.headers.authorization);
        const person = token === null ? null : this.personOfToken(token);
        if (person === null || !bearerKinds.includes(person.via)) {
          throw unauthorized(`invalid bearer token: this endpoint needs ${needs}`);
        }
        setIdentity(request, { person, sessionId: null });
        return;
      }
      const sessionId = request.cookies[sessionCookie];
      if (accepted.includes('session') && sessionId !== undefined && sessionId !== '') {
        const session = this.sessions.find(sessionId);
        if (session === null) {
          clearSessionCookies(request, reply, this.config.people);
          throw new ApiError(
            401,
            'unauthorized',
            'your console session has expired or ended: sign in again',
            { reason: 'session_expired' },
          );
        }
        if (!safeMethods.has(request.method)) {
          const presented = request.headers[csrfHeader];
          if (typeof presented !== 'string' || !SessionStore.csrfMatches(session, presented)) {
            throw forbidden(
              `a write with a session cookie must send the session's CSRF token in ${csrfHeader} ` +
                '(the csrfToken of GET /api/session, also in the cdflow_csrf cookie)',
              { reason: 'csrf' },
            );
          }
        }
        setIdentity(request, { person: session.person, sessionId });
        return;
      }
      throw unauthorized(
        `missing Authorization header: send "Authorization: Bearer <token>" with ${needs}` +
          (accepted.includes('session') ? ' (the console signs in with POST /api/session)' : ''),
      );
    };
  }
}
