/**
 * DingTalk custom robot (钉钉自定义机器人): a markdown message POSTed to
 * `https://oapi.dingtalk.com/robot/send?access_token=…`, signed when the robot has 加签 turned on.
 * DingTalk answers 200 with `errcode` 0, or another code when it refuses (130101: sending too fast).
 */
import type { ChatMessage, ChatPort } from '@cdflow/core';
import { dingtalkSignature } from './chat-signatures.js';
import { type RobotAnswer, sendToRobot } from './robot-answer.js';
import { type RobotEndpoint, type RobotOptions, robotEndpoint } from './robot-endpoint.js';

const dingtalkAnswer: RobotAnswer = {
  name: 'DingTalk',
  rateLimited: [130101],
  hints: {
    310000: "Check the robot's security settings (signing secret, keywords, IP allow-list).",
    300001: 'The access_token in the robot URL is wrong or the robot was removed.',
  },
};

export class DingTalkRobot implements ChatPort {
  readonly kind = 'dingtalk';
  private readonly endpoint: RobotEndpoint;

  constructor(
    private readonly options: RobotOptions & {
      /** The clock of the signature's timestamp (tests); default Date.now. */
      now?: () => number;
    },
  ) {
    this.endpoint = robotEndpoint('dingtalk', options);
  }

  async send(message: ChatMessage): Promise<void> {
    const query: Record<string, string> = { ...this.endpoint.query };
    if (this.options.secret) {
      const timestamp = (this.options.now ?? Date.now)();
      query.timestamp = String(timestamp);
      query.sign = dingtalkSignature(this.options.secret, timestamp);
    }
    const markdown = { title: message.title, text: [`### ${message.title}`, ...message.lines].join('\n\n') };
    await sendToRobot(
      this.endpoint,
      { searchParams: query, json: { msgtype: 'markdown', markdown } },
      dingtalkAnswer,
    );
  }
}
