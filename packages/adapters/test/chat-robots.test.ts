import { createHmac } from 'node:crypto';
import {
  DingTalkRobot,
  FeishuRobot,
  type HttpAttempt,
  JsonWebhook,
  UpstreamError,
  WeComRobot,
} from '@cdflow/adapters';
import type { ChatMessage, ReleaseNotification } from '@cdflow/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf } from './support/rejection-of.js';

/**
 * Local robots that check what the real ones check: DingTalk's sign in the URL, Feishu's sign in the
 * body, WeCom's key, the generic webhook's body HMAC. The expected signatures are computed here from the
 * robots' documented algorithms, independently of the adapters' code.
 */
const dingtalk = { token: 'dt-access-token-0123456789abcdef', secret: 'SECdingtalk-secret-0123456789' };
const feishu = { hook: 'feishu-hook-0123456789abcdef', secret: 'feishu-secret-0123456789' };
const wecom = { key: 'wecom-key-0123456789abcdef' };
const hookSecret = 'webhook-secret-0123456789';

interface Received {
  robot: string;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

let app: FastifyInstance;
let base: string;
let received: Received[] = [];
/** Answer the next messages of a robot with this refusal code (DingTalk/WeCom errcode, Feishu code). */
let refuseNext: { robot: string; code: number; times: number } | null = null;

/** Keep a message a robot accepted. */
function receive(robot: string, body: unknown, headers: Record<string, unknown>): void {
  received.push({ robot, body: body as Record<string, unknown>, headers });
}

function refusal(robot: string): number | null {
  if (refuseNext?.robot !== robot || refuseNext.times <= 0) return null;
  refuseNext.times--;
  return refuseNext.code;
}

const notification: ReleaseNotification = {
  kind: 'completed',
  releaseId: 'rel-1',
  summary: '【A18】【升级】20261122_x',
  issueKey: 'AC-7',
  project: 'A18',
  env: 'UAT',
  iteration: 1,
  revision: 9,
  state: 'uatComplete',
  upgraded: { code: [{ service: 'a18/cc_merchant_console', version: '1105' }], sql: [], config: [] },
};
const message: ChatMessage = {
  idempotencyKey: 'rel-1:r9:completed:team',
  title: '[cdflow] 【A18】【升级】20261122_x 升级完成',
  lines: ['AC-7 · UAT · iteration 1 · UAT升级完成', 'a18/cc_merchant_console   升级版本: 1105'],
  notification,
};

beforeAll(async () => {
  app = Fastify({ logger: false });
  app.post<{ Querystring: Record<string, string> }>('/robot/send', async (request) => {
    const { access_token, timestamp, sign } = request.query;
    if (access_token !== dingtalk.token) return { errcode: 300001, errmsg: 'token is not exist' };
    const expected = createHmac('sha256', dingtalk.secret)
      .update(`${timestamp}\n${dingtalk.secret}`)
      .digest('base64');
    if (sign !== expected) return { errcode: 310000, errmsg: 'sign not match' };
    const refused = refusal('dingtalk');
    if (refused !== null) return { errcode: refused, errmsg: 'send too fast' };
    receive('dingtalk', request.body, request.headers);
    return { errcode: 0, errmsg: 'ok' };
  });
  app.post<{ Params: { hook: string } }>('/open-apis/bot/v2/hook/:hook', async (request) => {
    if (request.params.hook !== feishu.hook)
      return { code: 19001, msg: 'param invalid: incoming webhook access token invalid' };
    const body = request.body as { timestamp?: string; sign?: string };
    const expected = createHmac('sha256', `${body.timestamp}\n${feishu.secret}`).update('').digest('base64');
    if (body.sign !== expected)
      return { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' };
    const refused = refusal('feishu');
    if (refused !== null) return { code: refused, msg: 'frequency limited' };
    receive('feishu', request.body, request.headers);
    return { code: 0, msg: 'success', data: {} };
  });
  app.post<{ Querystring: { key?: string } }>('/cgi-bin/webhook/send', async (request) => {
    if (request.query.key !== wecom.key) return { errcode: 93000, errmsg: 'invalid webhook url' };
    const refused = refusal('wecom');
    if (refused !== null) return { errcode: refused, errmsg: 'api freq out of limit' };
    receive('wecom', request.body, request.headers);
    return { errcode: 0, errmsg: 'ok' };
  });
  // The generic webhook's receiver checks the HMAC over the raw body: its own scope keeps the bytes.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    scope.post('/hooks/cdflow', async (request, reply) => {
      const raw = request.body as string;
      const expected = `sha256=${createHmac('sha256', hookSecret).update(raw).digest('hex')}`;
      if (request.headers['x-cdflow-signature'] !== expected)
        return reply.code(401).send({ error: 'bad signature' });
      receive('webhook', JSON.parse(raw), request.headers);
      return reply.code(204).send();
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(() => app.close());
beforeEach(() => {
  received = [];
  refuseNext = null;
});

describe('DingTalk robot', () => {
  const url = () => `${base}/robot/send?access_token=${dingtalk.token}`;

  it('posts a markdown message signed the way DingTalk checks it', async () => {
    const attempts: HttpAttempt[] = [];
    const robot = new DingTalkRobot({
      url: url(),
      secret: dingtalk.secret,
      observer: (a) => attempts.push(a),
    });
    await robot.send(message);
    expect(received).toHaveLength(1);
    const body = received[0]!.body as { msgtype: string; markdown: { title: string; text: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe(message.title);
    expect(body.markdown.text).toContain('升级版本: 1105');
    expect(attempts).toEqual([
      expect.objectContaining({ upstream: 'dingtalk', status: 200, code: null, attempt: 1 }),
    ]);
  });

  it('a wrong secret is refused for good, and the error names neither the token nor the secret', async () => {
    const robot = new DingTalkRobot({ url: url(), secret: 'SECwrong-secret-0123456789' });
    const e = await rejectionOf(robot.send(message), UpstreamError);
    expect(e.code).toBe('VALIDATION');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('310000');
    expect(JSON.stringify(e)).not.toContain(dingtalk.token);
    expect(JSON.stringify(e)).not.toContain('SECwrong-secret');
    expect(received).toEqual([]);
  });

  it('"send too fast" is retryable', async () => {
    refuseNext = { robot: 'dingtalk', code: 130101, times: 1 };
    const robot = new DingTalkRobot({ url: url(), secret: dingtalk.secret });
    await expect(robot.send(message)).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    await robot.send(message);
    expect(received).toHaveLength(1);
  });
});

describe('Feishu robot', () => {
  const url = () => `${base}/open-apis/bot/v2/hook/${feishu.hook}`;

  it('posts a rich-text post with timestamp and sign in the body, as Feishu checks them', async () => {
    await new FeishuRobot({ url: url(), secret: feishu.secret }).send(message);
    expect(received).toHaveLength(1);
    const body = received[0]!.body as {
      msg_type: string;
      timestamp: string;
      content: { post: { zh_cn: { title: string; content: Array<Array<{ text: string }>> } } };
    };
    expect(body.msg_type).toBe('post');
    expect(Number(body.timestamp)).toBeLessThan(1e11); // seconds, not milliseconds
    expect(body.content.post.zh_cn.title).toBe(message.title);
    expect(body.content.post.zh_cn.content.map((p) => p[0]!.text)).toEqual(message.lines);
  });

  it('a signature Feishu rejects (19021) is not retried and hides the hook id', async () => {
    const error = (await new FeishuRobot({ url: url(), secret: 'not-the-secret' })
      .send(message)
      .catch((e: unknown) => e)) as UpstreamError;
    expect(error).toMatchObject({ code: 'VALIDATION', retryable: false });
    expect(error.message).toContain('signature');
    expect(JSON.stringify(error)).not.toContain(feishu.hook);
  });

  it('frequency limited (11232) is retryable', async () => {
    refuseNext = { robot: 'feishu', code: 11232, times: 1 };
    await expect(new FeishuRobot({ url: url(), secret: feishu.secret }).send(message)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
    });
  });
});

describe('WeCom robot', () => {
  it('posts markdown with the key from the URL', async () => {
    await new WeComRobot({ url: `${base}/cgi-bin/webhook/send?key=${wecom.key}` }).send(message);
    const body = received[0]!.body as { msgtype: string; markdown: { content: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toContain(message.title);
  });

  it('a wrong key is refused for good without showing it', async () => {
    const wrong = 'wecom-wrong-key-0123456789';
    const error = (await new WeComRobot({ url: `${base}/cgi-bin/webhook/send?key=${wrong}` })
      .send(message)
      .catch((e: unknown) => e)) as UpstreamError;
    expect(error).toMatchObject({ code: 'VALIDATION', retryable: false });
    expect(JSON.stringify(error)).not.toContain(wrong);
  });
});

describe('generic JSON webhook', () => {
  it('posts the notification as JSON with an Idempotency-Key and the body HMAC', async () => {
    await new JsonWebhook({ url: `${base}/hooks/cdflow`, secret: hookSecret }).send(message);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['idempotency-key']).toBe(message.idempotencyKey);
    expect(received[0]!.body).toMatchObject({
      title: message.title,
      notification: { kind: 'completed', issueKey: 'AC-7' },
    });
  });

  it('a receiver refusing the signature is an error', async () => {
    await expect(
      new JsonWebhook({ url: `${base}/hooks/cdflow`, secret: 'another-secret-0123' }).send(message),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });
});
