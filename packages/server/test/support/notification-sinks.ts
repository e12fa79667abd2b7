/**
 * Where the notification tests' messages land: a real SMTP server in the test process (smtp-server)
 * that can refuse (451) or hang until told otherwise, and local chat robots that check DingTalk's and
 * Feishu's signatures and the generic webhook's body HMAC the way the real receivers do.
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { startSmtpTestServer } from '../../../adapters/test/support/smtp-test-server.js';

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

export interface SmtpSink {
  url: string;
  /** Mails accepted, decoded (subject and body as text). */
  mails: Mail[];
  /** Attempts refused while `refusing`. */
  refused: number;
  /** While true every mail is refused with 451 (a temporary failure). */
  refusing: boolean;
  close(): Promise<void>;
}

/** MIME quoted-printable or base64 bodies and encoded-word subjects back to text. */
function decode(raw: string): { subject: string; text: string } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  const headers = head.replace(/\r?\n[ \t]+/g, ' ');
  const subjectLine = /^Subject: (.*)$/m.exec(headers)?.[1] ?? '';
  const subject = subjectLine.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(
          data
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
  const encoding = /^Content-Transfer-Encoding: (.*)$/im.exec(headers)?.[1]?.trim().toLowerCase();
  let text = body;
  if (encoding === 'base64') text = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    text = Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return { subject, text: text.replace(/\r\n/g, '\n') };
}

export async function startSmtpSink(options: { refusing?: boolean } = {}): Promise<SmtpSink> {
  const sink: SmtpSink = {
    url: '',
    mails: [],
    refused: 0,
    refusing: options.refusing ?? false,
    close: async () => undefined,
  };
  const password = 'smtp-pass-0123456789';
  const server = await startSmtpTestServer(
    password,
    ({ raw, ...envelope }) => sink.mails.push({ ...envelope, ...decode(raw) }),
    {
      onMailFrom(_address, _session, callback) {
        if (!sink.refusing) return callback();
        sink.refused++;
        const error = new Error('mailbox busy, try again later') as Error & { responseCode: number };
        error.responseCode = 451;
        return callback(error);
      },
    },
  );
  sink.url = `smtp://cdflow:${password}@127.0.0.1:${server.port}`;
  sink.close = () => server.close();
  return sink;
}

/** A TCP server that accepts connections and never says a word (an SMTP server that hangs). */
export async function startSilentServer(): Promise<{
  url: string;
  connections: number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const state: { url: string; connections: number; close(): Promise<void> } = {
    url: '',
    connections: 0,
    close: async () => undefined,
  };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `smtp://127.0.0.1:${port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

export const robotSecrets = {
  dingtalkToken: 'dt-token-0123456789abcdef',
  dingtalkSecret: 'SECdingtalk-0123456789',
  feishuHook: 'feishu-hook-0123456789abcdef',
  feishuSecret: 'feishu-secret-0123456789',
  webhookSecret: 'hook-secret-0123456789',
};

export interface RobotMessage {
  robot: 'dingtalk' | 'feishu' | 'webhook';
  /** The message text as a person reads it (title and lines). */
  text: string;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export interface RobotSinks {
  base: string;
  dingtalkUrl: string;
  feishuUrl: string;
  webhookUrl: string;
  messages: RobotMessage[];
  /** Messages refused for a bad signature. */
  badSignatures: number;
  close(): Promise<void>;
}

export async function startRobotSinks(): Promise<RobotSinks> {
  const s = robotSecrets;
  const app: FastifyInstance = Fastify({ logger: false });
  const sinks: RobotSinks = {
    base: '',
    dingtalkUrl: '',
    feishuUrl: '',
    webhookUrl: '',
    messages: [],
    badSignatures: 0,
    close: () => app.close(),
  };
  app.post<{ Querystring: Record<string, string> }>('/robot/send', async (request) => {
    const { access_token, timestamp, sign } = request.query;
    const expected = createHmac('sha256', s.dingtalkSecret)
      .update(`${timestamp}\n${s.dingtalkSecret}`)
      .digest('base64');
    if (access_token !== s.dingtalkToken || sign !== expected) {
      sinks.badSignatures++;
      return { errcode: 310000, errmsg: 'sign not match' };
    }
    const body = request.body as { markdown: { text: string } };
    sinks.messages.push({
      robot: 'dingtalk',
      text: body.markdown.text,
      body: request.body as Record<string, unknown>,
      headers: request.headers,
    });
    return { errcode: 0, errmsg: 'ok' };
  });
  app.post<{ Params: { hook: string } }>('/open-apis/bot/v2/hook/:hook', async (request) => {
    const body = request.body as {
      timestamp: string;
      sign: string;
      content: { post: { zh_cn: { title: string; content: Array<Array<{ text: string }>> } } };
    };
    const expected = createHmac('sha256', `${body.timestamp}\n${s.feishuSecret}`).update('').digest('base64');
    if (request.params.hook !== s.feishuHook || body.sign !== expected) {
      sinks.badSignatures++;
      return { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' };
    }
    const post = body.content.post.zh_cn;
    sinks.messages.push({
      robot: 'feishu',
      text: [post.title, ...post.content.map((p) => p.map((t) => t.text).join(''))].join('\n'),
      body: request.body as Record<string, unknown>,
      headers: request.headers,
    });
    return { code: 0, msg: 'success', data: {} };
  });
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    scope.post('/hooks/cdflow', async (request, reply) => {
      const raw = request.body as string;
      const expected = `sha256=${createHmac('sha256', s.webhookSecret).update(raw).digest('hex')}`;
      if (request.headers['x-cdflow-signature'] !== expected) {
        sinks.badSignatures++;
        return reply.code(401).send({ error: 'bad signature' });
      }
      const body = JSON.parse(raw) as { title: string; text: string };
      sinks.messages.push({
        robot: 'webhook',
        text: `${body.title}\n${body.text}`,
        body,
        headers: request.headers,
      });
      return reply.code(204).send();
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  sinks.base = `http://127.0.0.1:${port}`;
  sinks.dingtalkUrl = `${sinks.base}/robot/send?access_token=${s.dingtalkToken}`;
  sinks.feishuUrl = `${sinks.base}/open-apis/bot/v2/hook/${s.feishuHook}`;
  sinks.webhookUrl = `${sinks.base}/hooks/cdflow`;
  return sinks;
}

/** Poll `probe` until it returns a value (no fixed sleeps), or fail after `timeoutMs` saying what. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
