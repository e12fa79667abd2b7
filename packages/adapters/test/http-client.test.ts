import { HttpClient, UpstreamError } from '@cdflow/adapters';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

beforeAll(async () => {
  app = Fastify({ logger: false });
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

const client = (options: { retries?: number } = {}) =>
  new HttpClient({
    upstream: 'cmdb',
    baseUrl,
    timeoutMs: 2000,
    retries: options.retries ?? 0,
    headers: () => ({ 'x-token': token }),
  });

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
