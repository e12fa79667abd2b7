/**
 * WeCom group robot (企业微信群机器人): a markdown message POSTed to
 * `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`. The key in the URL is the robot's only
 * credential (no signing). WeCom answers `errcode` 0, or another code (45009: sending too fast).
 */
import type { ChatMessage, ChatPort } from '@cdflow/core';
import { type RobotAnswer, sendToRobot } from './robot-answer.js';
import { type RobotEndpoint, type RobotOptions, robotEndpoint } from './robot-endpoint.js';

const wecomAnswer: RobotAnswer = {
  name: 'WeCom',
  rateLimited: [45009],
  hints: { 93000: 'The key in the robot URL is wrong or the robot was removed.' },
};

export class WeComRobot implements ChatPort {
  readonly kind = 'wecom';
  private readonly endpoint: RobotEndpoint;

  constructor(options: Omit<RobotOptions, 'secret'>) {
    this.endpoint = robotEndpoint('wecom', options);
  }

  async send(message: ChatMessage): Promise<void> {
    const markdown = { content: [`**${message.title}**`, ...message.lines].join('\n') };
    await sendToRobot(
      this.endpoint,
      { searchParams: this.endpoint.query, json: { msgtype: 'markdown', markdown } },
      wecomAnswer,
    );
  }
}
