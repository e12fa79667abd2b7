/**
 * /api/session — console sign-in with a Jira account. POST checks the user name and password with Jira
 * (once, never retried), reads the person's groups and sets the session cookies; GET says who the
 * request is (any credential); DELETE ends the session.
 */
import Type from 'typebox';
import { ApiError, forbidden } from '../api-error.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { bearerOrSession, described, errorResponse, jsonBodyErrors } from '../schemas.js';
import { JiraSignInError, signInWithJira } from './jira-sign-in.js';
import type { PeopleAuth } from './people-auth.js';
import { identityOf } from './person.js';
import { clearSessionCookies, csrfHeader, sessionCookie, setSessionCookies } from './session-cookies.js';
import { SessionStore } from './session-store.js';

const signInBody = Type.Object(
  {
    username: Type.String({
      minLength: 1,
      maxLength: 255,
      // Basic auth splits at the first colon; Jira user names never contain one.
      pattern: '^[^:\\u0000-\\u001f]+$',
      description: 'Jira user name (not the e-mail address)',
    }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false, examples: [{ username: 'alice', password: 'her Jira password' }] },
);

const whoAmI = Type.Object(
  {
    name: Type.String(),
    displayName: Type.String(),
    groups: Type.Array(Type.String()),
    via: Type.String({ description: 'session, person-token, operator-token or intake-token' }),
    expiresAt: Type.Optional(Type.String({ description: 'end of the console session' })),
    csrfToken: Type.Optional(Type.String({ description: `send it in ${csrfHeader} with every write` })),
  },
  { additionalProperties: true },
);

/** Each refusal as an answer of the error vocabulary, with a `reason` the console translates. */
const signInAnswer: Record<JiraSignInError['code'], [number, string, string]> = {
  INVALID_CREDENTIALS: [401, 'unauthorized', 'invalid_credentials'],
  LOGIN_DENIED: [403, 'forbidden', 'jira_login_denied'],
  JIRA_UNAVAILABLE: [502, 'upstream_unavailable', 'jira_unavailable'],
  BAD_ANSWER: [502, 'upstream_bad_response', 'jira_unavailable'],
};

export function registerSessionRoutes(
  app: CdflowApp,
  { config, people }: RouteContext & { people: PeopleAuth },
): void {
  app.post(
    '/api/session',
    {
      bodyLimit: 16 * 1024,
      schema: {
        summary: 'Sign in to the console with a Jira account (sets the session cookies)',
        tags: ['people'],
        body: signInBody,
        response: {
          200: described(whoAmI, 'Signed in: the session cookies are set; csrfToken goes with every write'),
          ...jsonBodyErrors,
          401: errorResponse('Jira refused the user name or password (reason: invalid_credentials)'),
          403: errorResponse('Jira refused the sign-in, e.g. a CAPTCHA is due (reason: jira_login_denied)'),
          502: errorResponse('Jira is unavailable or answered nonsense (reason: jira_unavailable)'),
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      let person: Awaited<ReturnType<typeof signInWithJira>>;
      try {
        person = await signInWithJira(
          { baseUrl: config.jira.baseUrl, timeoutMs: config.timings.upstreamTimeoutMs },
          username,
          password,
        );
      } catch (error) {
        if (!(error instanceof JiraSignInError)) throw error;
        const [status, code, reason] = signInAnswer[error.code];
        request.log.info({ username, outcome: reason }, 'console sign-in refused');
        throw new ApiError(status, code, error.message, { reason });
      }
      const { id, session } = people.sessions.create(person);
      setSessionCookies(request, reply, config.people, { id, ...session });
      request.log.info({ person: person.name, groups: person.groups }, 'console sign-in');
      reply.header('cache-control', 'no-store');
      return {
        ...person,
        expiresAt: new Date(session.expiresAt).toISOString(),
        csrfToken: session.csrfToken,
      };
    },
  );

  app.get(
    '/api/session',
    {
      onRequest: people.authenticate(['session', 'person-token', 'operator-token', 'intake-token']),
      schema: {
        summary: 'Who am I: the person this request acts for',
        tags: ['people'],
        security: bearerOrSession,
        response: {
          200: described(whoAmI, 'The person, and the session with its CSRF token for a console session'),
          401: errorResponse(
            'No credential, an unknown token, or an expired session (reason: session_expired)',
          ),
        },
      },
    },
    async (request, reply) => {
      const { person, sessionId } = identityOf(request);
      reply.header('cache-control', 'no-store');
      const session = sessionId === null ? null : people.sessions.find(sessionId);
      return session === null
        ? person
        : { ...person, expiresAt: new Date(session.expiresAt).toISOString(), csrfToken: session.csrfToken };
    },
  );

  app.delete(
    '/api/session',
    {
      schema: {
        summary: 'Sign out: end the console session (needs the CSRF header)',
        tags: ['people'],
        security: [{ session: [] }],
        response: {
          204: { type: 'null', description: 'Signed out (or already): the session cookies are cleared' },
          ...jsonBodyErrors,
          403: errorResponse('A live session without its CSRF token in X-CSRF-Token (reason: csrf)'),
        },
      },
    },
    async (request, reply) => {
      const sessionId = request.cookies[sessionCookie];
      const session = sessionId === undefined ? null : people.sessions.find(sessionId);
      if (sessionId !== undefined && session !== null) {
        const presented = request.headers[csrfHeader];
        if (typeof presented !== 'string' || !SessionStore.csrfMatches(session, presented)) {
          throw forbidden(`signing out needs the session's CSRF token in ${csrfHeader}`, { reason: 'csrf' });
        }
        people.sessions.end(sessionId);
        request.log.info({ person: session.person.name }, 'console sign-out');
      }
      // Unknown or expired: already signed out; the cookies are cleared either way.
      clearSessionCookies(request, reply, config.people);
      return reply.code(204).send(null);
    },
  );
}
