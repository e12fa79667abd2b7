/**
 * The OpenAPI document is complete and true. Against a real server (over the in-process simulators):
 * - every route Fastify registered is in /openapi.json, or listed below as left out on purpose, with why;
 * - every operation of the document has an entry in `recipes`: requests that provoke each status it
 *   documents (or a reason it cannot be provoked here), and every answer is checked against the
 *   document: its status is documented for the route, its body validates against that status's schema
 *   (ajv, JSON Schema 2020-12 as OpenAPI 3.1 has it), its media type is the documented one;
 * - every request body carries an example that validates against its schema, and sending it gives a
 *   documented answer (not a 400);
 * - last, with the runtime stopped as when the server shuts down, the routes that hand it work answer
 *   their documented 503 (`afterStop` recipes).
 * A route added without documentation, an answer the document does not list, or a documented answer
 * without a recipe fails here. Adding a route's recipes is one entry in `recipes`.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../src/http/route-book.js';
import { signWebhookBody } from '../src/http/webhook-signature.js';
import { sampleRequest, tokens } from './support/e2e-harness.js';
import { type PeopleHarness, people, startPeopleHarness } from './support/people-harness.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Body limits small enough that a 413 costs little. */
const bodyLimit = 16 * 1024;
const oversized = JSON.stringify({ pad: 'x'.repeat(bodyLimit + 1024) });

// ---------------------------------------------------------------------------------------------------
// The document, as the test reads it.

interface MediaType {
  schema?: object;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<
    string,
    { description: string; content?: Record<string, MediaType>; headers?: Record<string, { schema: object }> }
  >;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

// ---------------------------------------------------------------------------------------------------
// Requests.

interface Call {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with content-type application/json unless given). */
  body?: unknown;
  /** Bearer token. */
  token?: string;
  /** Read only the head of the answer (an event stream never ends). */
  stream?: boolean;
}

interface Answer {
  status: number;
  contentType: string | null;
  headers: Headers;
  text: string;
}

/** What the recipes can use: the harness, a release waiting for the DBA, fresh releases, a session. */
interface World {
  h: PeopleHarness;
  /** A release in sqlExecuting (mode manual: it waits for the DBA); recipes must not move it. */
  key: string;
  /** Its request body, as the release system sent it. */
  request: Record<string, unknown>;
  /** A new release, waited for in sqlExecuting. */
  fresh(): Promise<{ key: string; request: Record<string, unknown> }>;
  /** Alice signed in to the console: her cookie header and CSRF token. */
  session(): Promise<{ cookie: string; csrf: string }>;
}

interface Recipe {
  status: number;
  what: string;
  call(w: World): Call | Promise<Call>;
  /** Words the answer's body must contain (a 400 names the parameter and what it takes). */
  says?: string[];
  /** Sent last, once the runtime has stopped (as when the server shuts down): the 503s. */
  afterStop?: true;
}

interface RouteRecipes {
  recipes: Recipe[];
  /** Documented statuses no recipe provokes, each with the reason (500 and 503 are in `notProvoked`). */
  notProvoked?: Record<number, string>;
  /** For a route with a body: the request that sends the document's example. */
  sendExample?(w: World, example: unknown): Call | Promise<Call>;
}

/** Documented on every route (route-book.ts), provoked on none here. */
const notProvoked: Record<number, string> = {
  500: 'an unexpected failure: no request provokes one on purpose',
  503: "the server closing: Fastify's own answer while it closes (return503OnClosing); routes that hand work to the runtime provoke its 503 in afterStop recipes",
};

const get = (path: string, token?: string): Call => ({ method: 'GET', path, ...(token ? { token } : {}) });
const post = (path: string, body: unknown, token?: string, headers?: Record<string, string>): Call => ({
  method: 'POST',
  path,
  body,
  ...(token ? { token } : {}),
  ...(headers ? { headers } : {}),
});

/** POST …/effects/:id/retry of the release `key`, with no body. */
const retryCall = (key: string, id: string | number, token?: string): Call => ({
  method: 'POST',
  path: `/api/releases/${key}/effects/${id}/retry`,
  ...(token ? { token } : {}),
});

/** The 401s of a route that takes a bearer token. */
const unauthenticated = (call: (token?: string) => Call): Recipe[] => [
  { status: 401, what: 'no credential', call: () => call() },
  { status: 401, what: 'a token the server does not know', call: () => call('no-such-token-0123456789') },
];

/** A read behind a bearer token: `what` it answers `token` with (200), and its 401s. */
const guardedRead = (path: string, what: string, token: string): RouteRecipes => ({
  recipes: [
    { status: 200, what, call: () => get(path, token) },
    ...unauthenticated((other) => get(path, other)),
  ],
});

/** A 400 for the release list's query string `query`: the message says each of `says`. */
const badListQuery = (what: string, query: string, ...says: string[]): Recipe => ({
  status: 400,
  what,
  call: () => get(`/api/releases?${query}`, tokens.operator),
  says,
});

/** The body parser's answers on a JSON route. */
const badBodies = (call: (body: unknown, headers?: Record<string, string>) => Call): Recipe[] => [
  {
    status: 400,
    what: 'not JSON',
    call: () => call('{"not json', { 'content-type': 'application/json' }),
  },
  { status: 413, what: 'a body over the limit', call: () => call(oversized) },
  { status: 415, what: 'a text body', call: () => call('hello', { 'content-type': 'text/plain' }) },
];

const signed = (body: string, query = ''): Call =>
  post(`/cicdflow/jira/${query}`, body, undefined, {
    'content-type': 'application/json',
    'x-hub-signature': signWebhookBody(body, tokens.webhook),
  });

const jiraDelivery = (key: string) =>
  JSON.stringify({
    webhookEvent: 'jira:issue_updated',
    timestamp: Date.now(),
    issue: { id: '1', key },
    changelog: { id: String(Math.random()), items: [] },
  });

/** Keyed by the document's method and path. */
const recipes: Record<string, RouteRecipes> = {
  'GET /healthz': { recipes: [{ status: 200, what: 'alive', call: () => get('/healthz') }] },
  'GET /readyz': {
    recipes: [
      { status: 200, what: 'ready', call: () => get('/readyz') },
      { status: 503, what: 'the runtime stopped', call: () => get('/readyz'), afterStop: true },
    ],
  },
  'GET /api/machine': { recipes: [{ status: 200, what: 'the machine', call: () => get('/api/machine') }] },
  'GET /metrics': guardedRead('/metrics', 'the metrics', tokens.operator),
  'POST /cicdflow/': {
    recipes: [
      {
        status: 201,
        what: 'a new release',
        call: () => post('/cicdflow/', sampleRequest(), tokens.intake),
      },
      {
        status: 200,
        what: 'an iteration of a release whose SQL the DBA reported failed',
        call: async (w) => {
          const { key, request } = await w.fresh();
          const failed = await w.h.operatorEvent(key, { type: 'SQL_REPORTED_FAILED', reason: 'bad view' });
          expect(failed.status).toBe(200);
          await w.h.waitForState(key, 'sqlPending.failed');
          const sql = request.sql_info as Array<Record<string, unknown>>;
          return post(
            '/cicdflow/',
            { ...request, sql_info: [{ ...sql[0], svn_version: '9999' }, sql[1]] },
            tokens.intake,
          );
        },
      },
      {
        status: 400,
        what: 'a request without its summary',
        call: () => post('/cicdflow/', { ...sampleRequest(), summary: undefined }, tokens.intake),
      },
      ...badBodies((body, headers) => post('/cicdflow/', body, tokens.intake, headers)),
      ...unauthenticated((token) => post('/cicdflow/', sampleRequest(), token)),
      {
        status: 409,
        what: 'a changed request for a release mid-stage',
        call: (w) => {
          const code = w.request.code_info as Array<Record<string, unknown>>;
          return post(
            '/cicdflow/',
            { ...w.request, code_info: [{ ...code[0], svn_version: '7777' }, ...code.slice(1)] },
            tokens.intake,
          );
        },
      },
      {
        status: 503,
        what: 'the runtime stopped (shutting_down, Retry-After)',
        call: () => post('/cicdflow/', sampleRequest(), tokens.intake),
        says: ['shutting_down', '"status":false'],
        afterStop: true,
      },
    ],
    sendExample: (_w, example) => post('/cicdflow/', example, tokens.intake),
  },
  'GET /cicdflow/': {
    recipes: [
      {
        status: 200,
        what: 'a release by its summary (10200)',
        call: (w) =>
          get(`/cicdflow/?summary=${encodeURIComponent(String(w.request.summary))}`, tokens.intake),
      },
      { status: 200, what: 'no summary (10500)', call: () => get('/cicdflow/?state=bogus', tokens.intake) },
      {
        status: 200,
        what: 'an unknown summary (10404)',
        call: () => get('/cicdflow/?summary=nope', tokens.intake),
      },
      ...unauthenticated((token) => get('/cicdflow/?summary=x', token)),
    ],
  },
  'POST /cicdflow/jira/': {
    recipes: [
      { status: 202, what: 'a signed delivery', call: (w) => signed(jiraDelivery(w.key)) },
      {
        status: 202,
        what: 'a delivery with the ?secret= of older Jira',
        call: (w) =>
          post(`/cicdflow/jira/?secret=${tokens.webhook}`, jiraDelivery(w.key), undefined, {
            'content-type': 'application/json',
          }),
      },
      { status: 400, what: 'a signed body that is not JSON', call: () => signed('{"not json') },
      { status: 400, what: 'a signed JSON array', call: () => signed('[1, 2]') },
      { status: 401, what: 'no signature', call: (w) => post('/cicdflow/jira/', jiraDelivery(w.key)) },
      {
        status: 401,
        what: 'a wrong signature',
        call: (w) =>
          post('/cicdflow/jira/', jiraDelivery(w.key), undefined, {
            'content-type': 'application/json',
            'x-hub-signature': `sha256=${'0'.repeat(64)}`,
          }),
      },
      { status: 413, what: 'a body over the webhook limit', call: () => signed(oversized) },
      {
        status: 503,
        what: 'the runtime stopped',
        call: (w) => signed(jiraDelivery(w.key)),
        says: ['shutting_down'],
        afterStop: true,
      },
    ],
    sendExample: (_w, example) => signed(JSON.stringify(example)),
  },
  'POST /api/session': {
    recipes: [
      {
        status: 200,
        what: 'Jira knows the user and password',
        call: () => post('/api/session', { username: people.alice.name, password: people.alice.password }),
      },
      { status: 400, what: 'no password', call: () => post('/api/session', { username: 'alice' }) },
      ...badBodies((body, headers) => post('/api/session', body, undefined, headers)),
      {
        status: 401,
        what: 'a wrong password',
        call: () => post('/api/session', { username: people.alice.name, password: 'wrong' }),
      },
      {
        status: 403,
        what: 'Jira asks for a CAPTCHA after wrong passwords, and refuses even the right one',
        call: async () => {
          for (let i = 0; i < 3; i++) {
            const wrong = await send(post('/api/session', { username: people.bob.name, password: 'wrong' }));
            expect(wrong.status).toBe(401);
          }
          return post('/api/session', { username: people.bob.name, password: people.bob.password });
        },
      },
      {
        status: 502,
        what: 'Jira unavailable',
        call: (w) => {
          w.h.sandbox.jira.faults.inject({ route: 'GET /rest/api/2/myself', status: 503, times: 1 });
          return post('/api/session', { username: people.alice.name, password: people.alice.password });
        },
      },
    ],
    sendExample: (_w, example) => post('/api/session', example),
  },
  'GET /api/session': {
    recipes: [
      { status: 200, what: 'the operator token', call: () => get('/api/session', tokens.operator) },
      {
        status: 200,
        what: 'a console session',
        call: async (w) => ({ ...get('/api/session'), headers: { cookie: (await w.session()).cookie } }),
      },
      ...unauthenticated((token) => get('/api/session', token)),
      {
        status: 401,
        what: 'an ended session',
        call: () => ({ ...get('/api/session'), headers: { cookie: 'cdflow_session=ended-long-ago' } }),
      },
    ],
  },
  'DELETE /api/session': {
    recipes: [
      {
        status: 204,
        what: 'signing out with the CSRF token',
        call: async (w) => {
          const { cookie, csrf } = await w.session();
          return { method: 'DELETE', path: '/api/session', headers: { cookie, 'x-csrf-token': csrf } };
        },
      },
      {
        status: 403,
        what: 'a live session without its CSRF token',
        call: async (w) => ({
          method: 'DELETE',
          path: '/api/session',
          headers: { cookie: (await w.session()).cookie },
        }),
      },
      ...badBodies((body, headers) => ({
        method: 'DELETE',
        path: '/api/session',
        body,
        ...(headers ? { headers } : {}),
      })),
    ],
  },
  'GET /api/events': {
    recipes: [
      {
        status: 200,
        what: 'the stream',
        call: () => ({ ...get('/api/events', tokens.operator), stream: true }),
      },
      ...unauthenticated((token) => get('/api/events', token)),
    ],
  },
  'GET /api/console/settings': guardedRead('/api/console/settings', 'the settings', tokens.intake),
  'GET /api/releases': {
    recipes: [
      { status: 200, what: 'the first page', call: () => get('/api/releases', tokens.operator) },
      {
        status: 200,
        what: 'every filter',
        call: () =>
          get('/api/releases?state=sqlExecuting&project=A18&env=UAT&q=A18&limit=5&offset=1', tokens.operator),
      },
      badListQuery(
        'an unknown state',
        'state=bogus',
        'querystring/state must be one of sqlPending, sqlExecuting',
        'sqlPending.failed',
      ),
      badListQuery('a limit over 200', 'limit=201', 'querystring/limit must be <= 200'),
      badListQuery('a negative offset', 'offset=-1', 'querystring/offset must be >= 0'),
      badListQuery('a limit that is no number', 'limit=ten', 'querystring/limit must be integer'),
      badListQuery('an unknown parameter', 'sort=newest', 'querystring/sort is not an accepted field'),
      ...unauthenticated((token) => get('/api/releases', token)),
    ],
  },
  'GET /api/releases/{key}': {
    recipes: [
      { status: 200, what: 'a release', call: (w) => get(`/api/releases/${w.key}`, tokens.operator) },
      {
        status: 400,
        what: 'a key too long',
        call: () => get(`/api/releases/${'K'.repeat(201)}`, tokens.operator),
        says: ['a path parameter is longer than 200 characters'],
      },
      {
        status: 404,
        what: 'a key of 150 characters reaches the route',
        call: () => get(`/api/releases/${'K'.repeat(150)}`, tokens.operator),
      },
      {
        status: 400,
        what: 'a key that is no valid percent-encoding',
        call: () => get('/api/releases/AC-%E0%A4%A', tokens.operator),
        says: ['invalid_request', 'bad percent-encoding'],
      },
      ...unauthenticated((token) => get('/api/releases/AC-1', token)),
      { status: 404, what: 'an unknown release', call: () => get('/api/releases/NOPE-404', tokens.operator) },
    ],
  },
  'GET /api/releases/{key}/history': {
    recipes: [
      {
        status: 200,
        what: 'the history',
        call: (w) => get(`/api/releases/${w.key}/history`, tokens.operator),
      },
      {
        status: 400,
        what: 'a key too long',
        call: () => get(`/api/releases/${'K'.repeat(201)}/history`, tokens.operator),
      },
      ...unauthenticated((token) => get('/api/releases/AC-1/history', token)),
      {
        status: 404,
        what: 'an unknown release',
        call: () => get('/api/releases/NOPE-404/history', tokens.operator),
      },
    ],
  },
  'POST /api/releases/{key}/events': {
    recipes: [
      {
        status: 200,
        what: 'an event the release takes',
        call: async (w) =>
          post(`/api/releases/${(await w.fresh()).key}/events`, { type: 'SQL_CONFIRMED' }, tokens.operator),
      },
      {
        status: 400,
        what: 'an unknown event type',
        call: (w) => post(`/api/releases/${w.key}/events`, { type: 'EFFECT_FAILED' }, tokens.operator),
      },
      {
        status: 400,
        what: 'no body',
        call: (w) => ({ method: 'POST', path: `/api/releases/${w.key}/events`, token: tokens.operator }),
        says: ['the body must be object'],
      },
      ...badBodies((body, headers) => post('/api/releases/AC-1/events', body, tokens.operator, headers)),
      ...unauthenticated((token) => post('/api/releases/AC-1/events', { type: 'FINISH' }, token)),
      {
        status: 401,
        what: 'the intake token (it reads only)',
        call: (w) => post(`/api/releases/${w.key}/events`, { type: 'FINISH' }, tokens.intake),
      },
      {
        status: 403,
        what: 'a console session without its CSRF token',
        call: async (w) => ({
          ...post(`/api/releases/${w.key}/events`, { type: 'FINISH' }),
          headers: { cookie: (await w.session()).cookie },
        }),
      },
      {
        status: 404,
        what: 'an unknown release',
        call: () => post('/api/releases/NOPE-404/events', { type: 'FINISH' }, tokens.operator),
      },
      {
        status: 409,
        what: 'an event the release does not take now',
        call: (w) => post(`/api/releases/${w.key}/events`, { type: 'CONFIG_CONFIRMED' }, tokens.operator),
      },
      {
        status: 503,
        what: 'the runtime stopped',
        call: (w) => post(`/api/releases/${w.key}/events`, { type: 'SQL_CONFIRMED' }, tokens.operator),
        says: ['shutting_down'],
        afterStop: true,
      },
    ],
    sendExample: async (w, example) =>
      post(`/api/releases/${(await w.fresh()).key}/events`, example, tokens.operator),
  },
  'POST /api/releases/{key}/effects/{id}/retry': {
    recipes: [
      {
        status: 400,
        what: 'an effect id that is not a positive integer',
        call: (w) => retryCall(w.key, 'zero', tokens.operator),
        says: ['id'],
      },
      { status: 400, what: 'a key too long', call: () => retryCall('K'.repeat(201), 1, tokens.operator) },
      ...unauthenticated((token) => retryCall('AC-1', 1, token)),
      {
        status: 401,
        what: 'the intake token (it reads only)',
        call: (w) => retryCall(w.key, 1, tokens.intake),
      },
      {
        status: 403,
        what: 'a console session without its CSRF token',
        call: async (w) => ({ ...retryCall(w.key, 1), headers: { cookie: (await w.session()).cookie } }),
      },
      { status: 404, what: 'an unknown release', call: () => retryCall('NOPE-404', 1, tokens.operator) },
      {
        status: 404,
        what: 'an effect the release does not have',
        call: (w) => retryCall(w.key, 999999, tokens.operator),
      },
    ],
    notProvoked: {
      200: 'needs an effect that failed for good (Jira refusing the issue): e2e-failed-effect-and-final.test.ts retries one through this route',
      409: 'needs an effect that has not failed, by its id, or an ended release: e2e-failed-effect-and-final.test.ts',
    },
  },
};

/**
 * Registered routes left out of the document on purpose (Fastify URL patterns), with the reason. Fastify's
 * automatic HEAD twin of each GET is left out too: it answers as its GET, without the body.
 */
const undocumented: Record<string, string> = {
  'GET /openapi.json': 'the document itself',
  'GET /docs': 'the Swagger UI page (@fastify/swagger-ui), which shows the document',
  'HEAD /docs/': 'the Swagger UI page (@fastify/swagger-ui registers its HEAD alone)',
  'GET /docs/static/index.html': 'the Swagger UI page',
  'GET /docs/static/swagger-initializer.js': 'a Swagger UI asset',
  'GET /docs/static/*': 'Swagger UI assets',
  'GET /docs/json': 'the document again, for Swagger UI',
  'GET /docs/yaml': 'the document in YAML, for Swagger UI',
  'GET /': 'the web console page (HTML)',
  'GET /ui': 'a redirect to the web console (only when the console is built)',
  'GET /ui/*': 'the web console pages (HTML) and bundles',
};

// ---------------------------------------------------------------------------------------------------

let h: PeopleHarness;
let world: World;
let doc: OpenApiDocument;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validators = new Map<object, ValidateFunction>();
const validatorOf = (schema: object) => {
  let validate = validators.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate;
};

async function send(call: Call): Promise<Answer> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  Object.assign(headers, call.headers);
  const abort = new AbortController();
  const res = await fetch(`${h.url}${call.path}`, {
    method: call.method,
    headers,
    signal: abort.signal,
    ...(body === undefined ? {} : { body }),
  });
  const text = call.stream ? '' : await res.text();
  if (call.stream) abort.abort();
  return { status: res.status, contentType: res.headers.get('content-type'), headers: res.headers, text };
}

const docPathOf = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** What is wrong with an answer for the document's operation, or null when it is as documented. */
function mismatch(operation: Operation, answer: Answer): string | null {
  const response = operation.responses[String(answer.status)];
  if (response === undefined) {
    return `status ${answer.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')}); body ${answer.text.slice(0, 300)}`;
  }
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = answer.headers.get(name);
    if (value === null) return `status ${answer.status} documents the header ${name}, the answer has none`;
    const validate = validatorOf(header.schema);
    if (!validate(value))
      return `status ${answer.status}: header ${name}: ${ajv.errorsText(validate.errors)}`;
  }
  if (response.content === undefined) {
    return answer.text === ''
      ? null
      : `status ${answer.status} documents no body, got ${answer.text.slice(0, 200)}`;
  }
  const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
  const media = response.content[mediaType];
  if (media === undefined) {
    return `status ${answer.status} answered ${mediaType || 'no content type'}; documented: ${Object.keys(response.content).join(', ')}`;
  }
  if (media.schema === undefined) return null;
  let value: unknown = answer.text;
  if (mediaType === 'application/json') {
    try {
      value = JSON.parse(answer.text);
    } catch {
      return `status ${answer.status} is documented as JSON, the body is not: ${answer.text.slice(0, 200)}`;
    }
  }
  const validate = validatorOf(media.schema);
  if (validate(value)) return null;
  return `status ${answer.status}: the body does not match the documented schema: ${ajv.errorsText(validate.errors)}; body ${answer.text.slice(0, 400)}`;
}

/** Sends a recipe's request; what is wrong with the answer (empty: as documented and as the recipe says). */
async function follow(id: string, recipe: Recipe): Promise<string[]> {
  const answer = await send(await recipe.call(world));
  const wrong = mismatch(operationOf(id), answer);
  if (wrong !== null) return [`${id}, ${recipe.what}: ${wrong}`];
  const problems: string[] = [];
  if (answer.status !== recipe.status)
    problems.push(
      `${id}, ${recipe.what}: expected ${recipe.status}, got ${answer.status} ${answer.text.slice(0, 300)}`,
    );
  for (const words of recipe.says ?? [])
    if (!answer.text.includes(words))
      problems.push(`${id}, ${recipe.what}: the answer does not say "${words}": ${answer.text}`);
  return problems;
}

const operationOf = (id: string): Operation => {
  const [method = '', path = ''] = id.split(' ');
  const operation = doc.paths[path]?.[method.toLowerCase()];
  if (operation === undefined) throw new Error(`${id} is not in the document`);
  return operation;
};

const documentedOperations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );

beforeAll(async () => {
  h = await startPeopleHarness({
    sqlMode: 'manual',
    config: { limits: { bodyLimitBytes: bodyLimit, webhookBodyLimitBytes: bodyLimit } },
  });
  const fresh = async () => {
    const request = sampleRequest();
    const answer = await h.intake(request);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const key = String(answer.body.key);
    await h.waitForState(key, 'sqlExecuting');
    await h.server.runtime.idle();
    return { key, request };
  };
  const first = await fresh();
  world = {
    h,
    ...first,
    fresh,
    async session() {
      const signedIn = await h.signIn(people.alice.name, people.alice.password);
      expect(signedIn.status).toBe(200);
      const cookie = Object.entries(signedIn.cookies)
        .map(([k, v]) => `${k}=${v}`)
        .join('; ');
      return { cookie, csrf: signedIn.csrfToken };
    },
  };
  const res = await fetch(`${h.url}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
}, 60_000);
afterAll(() => h?.close());

describe('the document covers the routes', () => {
  it('is OpenAPI 3.1 (its schemas are JSON Schema 2020-12)', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('every registered route is documented, or left out on purpose with a reason', () => {
    const routes = registeredRoutes(h.server.app);
    const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
    const documented = new Set(documentedOperations());
    const problems: string[] = [];
    for (const route of routes) {
      if (route.method === 'HEAD' && gets.has(route.url)) continue;
      const id = `${route.method} ${route.url}`;
      if (id in undocumented) {
        if (!route.hidden) problems.push(`${id} is listed as undocumented but is in the document`);
        continue;
      }
      if (route.hidden)
        problems.push(`${id} is hidden from the document: document it, or list it with the reason`);
      else if (!documented.has(`${route.method} ${docPathOf(route.url)}`))
        problems.push(`${id} is not in the document`);
    }
    const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const id of Object.keys(undocumented)) {
      if (!registered.has(id) && id !== 'GET /ui')
        problems.push(`${id} is listed as undocumented but not registered`);
    }
    expect(problems).toEqual([]);
  });

  it('every documented operation has its recipes here, and every recipe a documented operation', () => {
    const documented = documentedOperations();
    expect(documented.filter((id) => !(id in recipes))).toEqual([]);
    expect(Object.keys(recipes).filter((id) => !documented.includes(id))).toEqual([]);
  });

  it('every operation documents its success, every answer has a description and, but for 204, a body schema', () => {
    const problems: string[] = [];
    for (const id of documentedOperations()) {
      if (!Object.keys(operationOf(id).responses).some((status) => status.startsWith('2')))
        problems.push(`${id}: no success answer documented`);
      for (const [status, response] of Object.entries(operationOf(id).responses)) {
        if (!response.description || response.description === 'Default Response')
          problems.push(`${id} ${status}: no description`);
        const schemas = Object.values(response.content ?? {}).filter((m) => m.schema !== undefined);
        if (status === '204' ? response.content !== undefined : schemas.length === 0)
          problems.push(`${id} ${status}: ${status === '204' ? 'a body' : 'no body schema'}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe.each(Object.keys(recipes))('%s answers as documented', (id) => {
  it('each recipe provokes its status, and the answer matches the document', async () => {
    const problems: string[] = [];
    for (const recipe of recipes[id]!.recipes.filter((r) => !r.afterStop))
      problems.push(...(await follow(id, recipe)));
    expect(problems).toEqual([]);
  });

  it('every documented status is provoked by a recipe, or says why not', () => {
    const provoked = new Set(recipes[id]!.recipes.map((r) => r.status));
    const waived = { ...notProvoked, ...recipes[id]!.notProvoked };
    const missing = Object.keys(operationOf(id).responses).filter(
      (status) => !provoked.has(Number(status)) && !(status in waived),
    );
    expect(missing).toEqual([]);
  });

  it('a body has an example that validates against its schema, and sending it gives a documented answer', async () => {
    const body = operationOf(id).requestBody;
    if (body === undefined) {
      expect(recipes[id]!.sendExample, `${id} takes no body: sendExample is for nothing`).toBeUndefined();
      return;
    }
    const media = body.content['application/json'];
    expect(media?.schema, `${id}: no application/json body schema`).toBeDefined();
    const examples = [
      ...(media!.example !== undefined ? [media!.example] : []),
      ...Object.values(media!.examples ?? {}).map((e) => e.value),
    ];
    expect(examples.length, `${id}: the body has no example`).toBeGreaterThan(0);
    const validate = validatorOf(media!.schema!);
    for (const example of examples) {
      expect(validate(example), `${id} example: ${ajv.errorsText(validate.errors)}`).toBe(true);
      const sendExample = recipes[id]!.sendExample;
      expect(sendExample, `${id}: no sendExample recipe`).toBeDefined();
      const answer = await send(await sendExample!(world, example));
      expect(mismatch(operationOf(id), answer)).toBeNull();
      expect([400, 413, 415]).not.toContain(answer.status);
    }
  });
});

describe('once the runtime has stopped (the server shutting down)', () => {
  it('each afterStop recipe provokes its status, and the answer matches the document', async () => {
    await h.server.runtime.stop();
    const problems: string[] = [];
    for (const [id, entry] of Object.entries(recipes)) {
      for (const recipe of entry.recipes.filter((r) => r.afterStop)) {
        problems.push(...(await follow(id, recipe)));
      }
    }
    expect(problems).toEqual([]);
  });
});
