import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient, type HttpClientOptions, type RequestOptions, UpstreamError } from '@cdflow/adapters';
import { CdflowError, errorAnswer } from '@cdflow/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const token = 'secret-token-4711';
// "SELECT '中文';" in GB18030 behind a UTF-8 BOM: bytes that are neither JSON nor valid UTF-8.
const sqlBytes = Buffer.concat([
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from("SELECT '", 'latin1'),
  Buffer.from([0xd6, 0xd0, 0xce, 0xc4]),
  Buffer.from("';\n", 'latin1'),
]);

let app: FastifyInstance;
let baseUrl: string;
/** Calls per route key, and when each arrived (ms since the epoch). */
const calls = new Map<string, number[]>();
let connections = 0;

function record(key: string): number {
  const seen = calls.get(key) ?? [];
  seen.push(Date.now());
  calls.set(key, seen);
  return seen.length;
}
const callsOf = (key: string) => calls.get(key)?.length ?? 0;

beforeEach(() => calls.clear());

beforeAll(async () => {
  app = Fastify({ logger: false });
  app.server.on('connection', () => connections++);
  // 503 for the first `fail` calls of a key, then 200 with the number of calls.
  app.route<{ Params: { key: string }; Querystring: { fail?: string } }>({
    method: ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'],
    url: '/flaky/:key',
    handler: async (request, reply) => {
      const n = record(request.params.key);
      if (n <= Number(request.query.fail ?? 0)) return reply.code(503).send({ error: 'overloaded' });
      return { calls: n };
    },
  });
  app.get<{ Querystring: { after: string; times?: string } }>('/throttled', async (request, reply) => {
    const n = record('throttled');
    if (n > Number(request.query.times ?? 1)) return { calls: n };
    return reply.code(429).header('retry-after', request.query.after).send({ error: 'slow down' });
  });
  app.put('/conflict', async (_request, reply) => {
    record('conflict');
    return reply.code(409).send({ error: 'changed concurrently' });
  });
  app.get<{ Querystring: { ms: string; tag?: string } }>('/slow', async (request) => {
    record('slow');
    await sleep(Number(request.query.ms));
    return { tag: request.query.tag ?? 'slow' };
  });
  // Headers at once, the body's end much later: the deadline covers the body too.
  app.get('/drip', async (_request, reply) => {
    record('drip');
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/json' });
    reply.raw.write('{"part":');
    await sleep(600);
    reply.raw.end('1}');
  });
  app.get('/garbage', async (_request, reply) => {
    record('garbage');
    return reply.type('text/html').send('<html>proxy error</html>');
  });
  app.all('/base/*', async (request) => ({
    method: request.method,
    url: request.url,
    token: request.headers['x-token'] ?? null,
    contentType: request.headers['content-type'] ?? null,
    trace: request.headers['x-trace'] ?? null,
  }));
  app.get('/files/sql', async (_request, reply) => reply.type('text/plain').send(sqlBytes));
  app.get('/files/json', async (_request, reply) => reply.type('application/json').send('{"a": 1}'));
  app.get('/files/missing', async (request, reply) =>
    // An upstream that echoes the credentials it was sent: they must not reach the error.
    reply
      .code(404)
      .type('text/html')
      .send(`<h1>No such file</h1>\n<p>token ${request.headers['x-token']}</p>`),
  );
  // Fastify does not parse a body on a GET: read it off the socket, as the original program's CMDB does.
  app.get('/cmdb/search', async (request) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request.raw) chunks.push(chunk as Buffer);
    return {
      contentType: request.headers['content-type'] ?? null,
      received: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
    };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  baseUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(() => app.close());

const client = (options: Partial<HttpClientOptions> = {}) =>
  new HttpClient({
    upstream: 'cmdb',
    baseUrl,
    timeoutMs: 2000,
    retries: 0,
    headers: () => ({ 'x-token': token }),
    ...options,
  });

/** Retries after 10 ms instead of 1 s: the tests are about which calls are retried, not how long. */
const retrying = (retries = 2, options: Partial<HttpClientOptions> = {}) =>
  client({ retries, retryPolicy: { initialIntervalMs: 10 }, ...options });

/** The body of a call the test server answered at last, with 2 retries: `{ calls }` counts the calls of its key. */
const retriedBody = async (request: RequestOptions) =>
  (await retrying(2).request<{ calls: number }>(request)).body;

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('HttpClient response types', () => {
  it("returns a 2xx body's exact bytes with responseType 'buffer', whatever its content type", async () => {
    const res = await client().request({ method: 'GET', path: 'files/sql', responseType: 'buffer' });
    expect(res.status).toBe(200);
    expect(Buffer.isBuffer(res.body)).toBe(true);
    expect(res.body.equals(sqlBytes)).toBe(true);
  });

  it("does not parse a JSON answer with responseType 'buffer'", async () => {
    const res = await client().request({ method: 'GET', path: 'files/json', responseType: 'buffer' });
    expect(res.body.toString('utf8')).toBe('{"a": 1}');
  });

  it('treats the same bytes as garbage (BAD_RESPONSE, retryable) when JSON was due', async () => {
    const err = await rejection(client().request({ method: 'GET', path: 'files/sql' }));
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', status: 200, retryable: true });
  });

  it("returns the text with responseType 'text'", async () => {
    const res = await client().request({ method: 'GET', path: 'files/json', responseType: 'text' });
    expect(res.body).toBe('{"a": 1}');
  });

  it('parses JSON by default', async () => {
    const res = await client().request<{ a: number }>({ method: 'GET', path: 'files/json' });
    expect(res.body).toEqual({ a: 1 });
  });

  it('turns an error answer into UpstreamError with its text, secrets scrubbed, in every response type', async () => {
    for (const responseType of ['buffer', 'text', 'json'] as const) {
      const err = await rejection(client().request({ method: 'GET', path: 'files/missing', responseType }));
      expect(err).toMatchObject({ code: 'NOT_FOUND', status: 404, upstream: 'cmdb', retryable: false });
      expect(err.body).toBe('<h1>No such file</h1>\n<p>token [redacted]</p>');
      expect(err.message).toContain('No such file');
      expect(JSON.stringify(err)).not.toContain(token);
    }
  });
});

describe('HttpClient JSON bodies', () => {
  it('sends a JSON body on a GET', async () => {
    const res = await client().request<{ contentType: string; received: unknown }>({
      method: 'GET',
      path: 'cmdb/search',
      json: { env: 'UAT', svn_path: 'a18/cc_merchant_console' },
    });
    expect(res.body.contentType).toMatch(/^application\/json/);
    expect(res.body.received).toEqual({ env: 'UAT', svn_path: 'a18/cc_merchant_console' });
  });
});

describe('HttpClient requests', () => {
  it('joins the base URL path, the path and the search params, leaving undefined params out', async () => {
    const res = await client({ baseUrl: `${baseUrl}/base/api` }).request<{ url: string; method: string }>({
      method: 'DELETE',
      path: '/v1/items',
      searchParams: { env: 'UAT', svn_path: 'a18/cc console', page: 2, all: true, skip: undefined },
    });
    expect(res.body).toMatchObject({
      method: 'DELETE',
      url: '/base/api/v1/items?env=UAT&svn_path=a18%2Fcc+console&page=2&all=true',
    });
  });

  it("sends the configured headers over a request's own, and a request's content type over JSON's", async () => {
    const res = await client({ baseUrl: `${baseUrl}/base` }).request<Record<string, unknown>>({
      method: 'PUT',
      path: 'item',
      json: { key: 'a' },
      headers: {
        'X-Token': 'not-this-one',
        'Content-Type': 'application/json;charset=UTF-8',
        'x-trace': '1',
      },
    });
    expect(res.body).toMatchObject({ token, contentType: 'application/json;charset=UTF-8', trace: '1' });
  });

  it('reuses one keep-alive connection for calls in a row', async () => {
    const c = client({ baseUrl: `${baseUrl}/base` });
    await c.request({ method: 'GET', path: 'warm' });
    const before = connections;
    for (let i = 0; i < 5; i++) await c.request({ method: 'GET', path: `n${i}` });
    expect(connections).toBe(before);
    await c.close();
  });
});

describe('HttpClient retries', () => {
  it('retries a GET answered 503 and returns the answer that succeeded', async () => {
    const body = await retriedBody({ method: 'GET', path: 'flaky/get', searchParams: { fail: 2 } });
    expect(body).toEqual({ calls: 3 });
  });

  it('gives up after the retries with UPSTREAM_UNAVAILABLE, retryable, and the last body', async () => {
    const err = await rejection(
      retrying(2).request({ method: 'GET', path: 'flaky/down', searchParams: { fail: 9 } }),
    );
    expect(err).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      status: 503,
      retryable: true,
      body: { error: 'overloaded' },
    });
    expect(callsOf('down')).toBe(3);
  });

  it('never retries a POST or PATCH unless the caller says it is idempotent', async () => {
    for (const method of ['POST', 'PATCH'] as const) {
      await rejection(
        retrying(2).request({ method, path: `flaky/${method}-once`, searchParams: { fail: 1 } }),
      );
      expect(callsOf(`${method}-once`)).toBe(1);
      const body = await retriedBody({
        method,
        path: `flaky/${method}-safe`,
        searchParams: { fail: 1 },
        idempotent: true,
      });
      expect(body).toEqual({ calls: 2 });
    }
  });

  it('does not retry a PUT or DELETE the caller says is not idempotent', async () => {
    for (const method of ['PUT', 'DELETE'] as const) {
      await rejection(
        retrying(2).request({
          method,
          path: `flaky/${method}-no`,
          searchParams: { fail: 1 },
          idempotent: false,
        }),
      );
      expect(callsOf(`${method}-no`)).toBe(1);
    }
  });

  it('waits at least Retry-After before retrying a 429, as the server saw it', async () => {
    const body = await retriedBody({ method: 'GET', path: 'throttled', searchParams: { after: 1 } });
    expect(body).toEqual({ calls: 2 });
    const [first, second] = calls.get('throttled')!;
    expect(second! - first!).toBeGreaterThanOrEqual(950);
  });

  it('does not wait in the call for a Retry-After beyond maxRetryAfterMs: the error says when', async () => {
    const err = await rejection(
      retrying(2, { maxRetryAfterMs: 5000 }).request({
        method: 'GET',
        path: 'throttled',
        searchParams: { after: 3600 },
      }),
    );
    expect(err).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      retryable: true,
      retryAfterMs: 3_600_000,
    });
    expect(callsOf('throttled')).toBe(1);
  });

  it('leaves a 409 to the caller (re-read, then decide) without repeating the request', async () => {
    const err = await rejection(retrying(2).request({ method: 'PUT', path: 'conflict', json: {} }));
    expect(err).toMatchObject({ code: 'CONFLICT', status: 409, retryable: true });
    expect(callsOf('conflict')).toBe(1);
  });

  it('does not repeat a 2xx with garbage in the call; the error is retryable for the caller', async () => {
    const err = await rejection(retrying(2).request({ method: 'GET', path: 'garbage' }));
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', retryable: true, body: '<html>proxy error</html>' });
    expect(callsOf('garbage')).toBe(1);
  });

  it('reports a refused connection as NETWORK, retryable, after the retries', async () => {
    const closed = Fastify();
    await closed.listen({ host: '127.0.0.1', port: 0 });
    const address = closed.server.address();
    await closed.close();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const err = await rejection(
      retrying(1, { baseUrl: `http://127.0.0.1:${address.port}` }).request({ method: 'GET', path: 'x' }),
    );
    expect(err).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain(token);
  });
});

describe('HttpClient timeouts', () => {
  it('times out an answer slower than timeoutMs with TIMEOUT, retryable, after the retries', async () => {
    const err = await rejection(
      retrying(1, { timeoutMs: 150 }).request({ method: 'GET', path: 'slow', searchParams: { ms: 500 } }),
    );
    expect(err).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(err.message).toBe(
      `cmdb did not answer GET /slow in time (150 ms per attempt). Check that ${baseUrl} is up.`,
    );
    expect(callsOf('slow')).toBe(2);
  });

  it('counts the body in the deadline: headers in time but a body that never ends is a TIMEOUT', async () => {
    const err = await rejection(client({ timeoutMs: 200 }).request({ method: 'GET', path: 'drip' }));
    expect(err).toMatchObject({ code: 'TIMEOUT' });
  });

  it('never hands a late answer to the next call', async () => {
    const c = client({ timeoutMs: 100 });
    await rejection(c.request({ method: 'GET', path: 'slow', searchParams: { ms: 250, tag: 'late' } }));
    const res = await c.request<{ tag: string }>({
      method: 'GET',
      path: 'slow',
      searchParams: { ms: 0, tag: 'next' },
    });
    expect(res.body).toEqual({ tag: 'next' });
    await sleep(300); // the late answer has been written by now: still nothing arrives out of turn
    const again = await c.request<{ tag: string }>({
      method: 'GET',
      path: 'slow',
      searchParams: { ms: 0, tag: 'again' },
    });
    expect(again.body).toEqual({ tag: 'again' });
  });
});

describe('UpstreamError in the one vocabulary', () => {
  it('is a CdflowError that an HTTP answer reports as a gateway error naming the upstream', async () => {
    const err = await rejection(
      client().request({ method: 'GET', path: 'flaky/answer', searchParams: { fail: 1 } }),
    );
    expect(err).toBeInstanceOf(CdflowError);
    expect(errorAnswer(err)).toEqual({
      status: 502,
      body: { error: 'upstream_unavailable', message: err.message, upstream: 'cmdb' },
    });
  });
});
