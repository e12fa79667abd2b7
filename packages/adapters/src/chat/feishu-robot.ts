/**
 * Feishu (Lark) custom bot (自定义机器人): a rich-text `post` message POSTed to
 * `https://open.feishu.cn/open-apis/bot/v2/hook/…`, with `timestamp` and `sign` in the body when the bot
 * has signature verification (签名校验) turned on. Feishu answers `code` 0 (older bots: `StatusCode` 0),
 * or another code when it refuses (11232: sending too fast; 19021: the signature does not match).
 */
import type { ChatMessage, ChatPort } from '@cdflow/core';
import { feishuSignature } from './chat-signatures.js';
import { type RobotAnswer, sendToRobot } from './robot-answer.js';
import { type RobotEndpoint, type RobotOptions, robotEndpoint } from './robot-endpoint.js';

/** Feishu's answer: `code`/`msg`, or `StatusCode`/`StatusMessage` from older bots. */
const feishuAnswer: RobotAnswer = {
  name: 'Feishu',
  codeFields: ['code', 'StatusCode'],
  messageFields: ['msg', 'StatusMessage'],
  rateLimited: [11232],
  hints: {
    19021: "The signature does not match: check the bot's secret and the server clock.",
    19024: "The message lacks the bot's keyword: add it in the bot's security settings or remove it.",
    19022: "cdflow's address is not in the bot's IP allow-list.",
  },
};

export class FeishuRobot implements ChatPort {
  readonly kind = 'feishu';
  private readonly endpoint: RobotEndpoint;

  constructor(private readonly options: RobotOptions & { now?: () => number }) {
    this.endpoint = robotEndpoint('feishu', options);
  }

  async send(message: ChatMessage): Promise<void> {
    const signed: Record<string, string> = {};
    if (this.options.secret) {
      const timestamp = Math.floor((this.options.now ?? Date.now)() / 1000);
      signed.timestamp = String(timestamp);
      signed.sign = feishuSignature(this.options.secret, timestamp);
    }
    const json = {
      ...signed,
      msg_type: 'post',
      content: {
        post: {
          zh_cn: {
            title: message.title,
            content: message.lines.map((line) => [{ tag: 'text', text: line }]),
          },
        },
      },
    };
    await sendToRobot(this.endpoint, { searchParams: this.endpoint.query, json }, feishuAnswer);
  }
}
