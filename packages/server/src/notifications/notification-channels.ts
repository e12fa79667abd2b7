/**
 * The delivery channels the configuration names, built once: the SMTP mailer (`mail`) and one robot per
 * chat channel (`chat:<id>`). Each knows how to deliver an outbox payload.
 */
import {
  DingTalkRobot,
  FeishuRobot,
  type HttpObserver,
  JsonWebhook,
  SmtpMailer,
  WeComRobot,
} from '@cdflow/adapters';
import type { ChatPort, MailPort } from '@cdflow/core';
import type { ChatChannelSetting, NotificationSettings } from '../config/notification-settings.js';
import type { NotificationPayload } from './notification-outbox.js';

export interface DeliveryChannel {
  /** `mail` or `chat:<id>`. */
  id: string;
  /** `smtp`, `dingtalk`, `feishu`, `wecom`, `webhook` (a metrics label). */
  kind: string;
  deliver(payload: NotificationPayload): Promise<void>;
  close(): void;
}

export function mailChannel(mailer: MailPort & { close?: () => void }): DeliveryChannel {
  return {
    id: 'mail',
    kind: 'smtp',
    async deliver(payload) {
      if (payload.via !== 'mail') throw new TypeError('a chat payload reached the mail channel');
      await mailer.send(payload.mail);
    },
    close: () => mailer.close?.(),
  };
}

export function chatChannel(id: string, robot: ChatPort): DeliveryChannel {
  return {
    id: `chat:${id}`,
    kind: robot.kind,
    async deliver(payload) {
      if (payload.via !== 'chat') throw new TypeError('a mail payload reached a chat channel');
      await robot.send(payload.message);
    },
    close: () => undefined,
  };
}

function robotOf(channel: ChatChannelSetting, timeoutMs: number, observer?: HttpObserver): ChatPort {
  const options = {
    url: channel.url,
    timeoutMs,
    ...(observer ? { observer } : {}),
  };
  const secret = channel.secret ?? undefined;
  switch (channel.kind) {
    case 'dingtalk':
      return new DingTalkRobot({ ...options, secret });
    case 'feishu':
      return new FeishuRobot({ ...options, secret });
    case 'wecom':
      return new WeComRobot(options);
    case 'webhook':
      return new JsonWebhook({ ...options, secret });
  }
}

/** Every configured channel, by id. */
export function deliveryChannels(
  settings: NotificationSettings,
  observer?: HttpObserver,
): Map<string, DeliveryChannel> {
  const channels = new Map<string, DeliveryChannel>();
  if (settings.mail) {
    const mailer = new SmtpMailer({
      url: settings.mail.url,
      from: settings.mail.from,
      timeoutMs: settings.sendTimeoutMs,
    });
    channels.set('mail', mailChannel(mailer));
  }
  for (const channel of settings.channels) {
    const c = chatChannel(channel.id, robotOf(channel, settings.sendTimeoutMs, observer));
    channels.set(c.id, c);
  }
  return channels;
}
