/**
 * WeCom group robot (企业微信群机器人): a markdown message POSTed to
 * `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`. The key in the URL is the robot's only
 * credential (no signing). WeCom answers `errcode` 0, or another code (45009: sending too fast).
 */
import type { ChatMessage, ChatPort } from '@cdflow/core';
import { numberField, robotRefusal, stringField } from './robot-answer.js';
import { type RobotEndpoint, type RobotOptions, robotEndpoint } from './robot-endpoint.js';

export class WeComRobot implements ChatPort {
  readonly kind = 'wecom';
  private readonly endpoint: RobotEndpoint;

  constructor(options: Omit<RobotOptions, 'secret'>) {
    this.endpoint = robotEndpoint('wecom', options);
  }

  async send(message: ChatMessage): Promise<void> {
    const res = await this.endpoint.http.request<unknown>({
      method: 'POST',
      path: this.endpoint.path,
      searchParams: this.endpoint.query,
      json: {
        msgtype: 'markdown',
        markdown: { content: [`**${message.title}**`, ...message.lines].join('\n') },
      },
    });
    const code = numberField(res.body, 'errcode');
    if (code !== undefined && code !== 0) {
      throw robotRefusal({
        upstream: 'wecom',
        name: 'WeCom',
        code,
        message: stringField(res.body, 'errmsg'),
        rateLimited: [45009],
        hints: { 93000: 'The key in the robot URL is wrong or the robot was removed.' },
      });
    }
  }
}
