/**
 * Who is told what, and how: the `notifications` section of the CDFLOW_CONFIG file plus the SMTP
 * transport from the environment (CDFLOW_SMTP_URL, CDFLOW_MAIL_FROM). Chat robots are listed once as
 * channels (their URL and secret given directly or by the name of an environment variable, so the file
 * need not hold them); each project names its mail recipients and its channels ('*' covers projects not
 * listed). Secret values never appear in a problem message.
 */
import {
  compileRetryPolicy,
  type NotificationKind,
  notificationKinds,
  type RetryPolicy,
  RetryPolicyError,
} from '@cdflow/core';
import Type, { type Static } from 'typebox';
import { switches } from './config-switches.js';

export type ChatChannelKind = 'dingtalk' | 'feishu' | 'wecom' | 'webhook';
const chatChannelKinds: readonly ChatChannelKind[] = ['dingtalk', 'feishu', 'wecom', 'webhook'];

export interface ChatChannelSetting {
  id: string;
  kind: ChatChannelKind;
  /** The robot's webhook URL (a secret: its token is in it). */
  url: string;
  /** The signing secret (DingTalk, Feishu, the generic webhook), or null. */
  secret: string | null;
  /** Kinds this channel is told (within the global toggles). */
  events: NotificationKind[];
}

export interface ProjectNotificationSetting {
  /** Mail recipients. */
  mail: string[];
  /** Chat channel ids; null: every channel. */
  channels: string[] | null;
}

export interface NotificationSettings {
  /** SMTP, when CDFLOW_SMTP_URL is set. */
  mail: { url: string; from: string; events: NotificationKind[] } | null;
  channels: ChatChannelSetting[];
  /** By release-system project; '*' for projects not listed. */
  projects: Record<string, ProjectNotificationSetting>;
  /** Per-event toggles, for every channel and the mail. */
  events: Record<NotificationKind, boolean>;
  /** A release waiting on a person longer than this is stuck; null: the console's stuckAfterMinutes. */
  stuckAfterMinutes: number | null;
  /** How often the stuck sweep runs (ms). */
  sweepMs: number;
  /** Time zone of the times in messages (IANA name). */
  timeZone: string;
  /** How a failed delivery is tried again. */
  retry: Partial<RetryPolicy>;
  /** Longest wait for one delivery (SMTP connection, greeting, each answer; a robot's answer). */
  sendTimeoutMs: number;
}

const kind = Type.Union(notificationKinds.map((k) => Type.Literal(k)));
const nonEmpty = Type.String({ minLength: 1 });
const envName = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
  description: 'an environment variable name',
});

export const notificationsFileSchema = Type.Object(
  {
    /** A switch per notification kind. */
    events: Type.Optional(switches(notificationKinds)),
    mail: Type.Optional(
      Type.Object({ events: Type.Optional(Type.Array(kind)) }, { additionalProperties: false }),
    ),
    channels: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
            kind: Type.Union(chatChannelKinds.map((k) => Type.Literal(k))),
            url: Type.Optional(nonEmpty),
            urlEnv: Type.Optional(envName),
            secret: Type.Optional(nonEmpty),
            secretEnv: Type.Optional(envName),
            events: Type.Optional(Type.Array(kind)),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    projects: Type.Optional(
      Type.Record(
        nonEmpty,
        Type.Object(
          {
            mail: Type.Optional(Type.Array(nonEmpty)),
            channels: Type.Optional(Type.Array(nonEmpty)),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    stuckAfterMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    sweepSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    timeZone: Type.Optional(nonEmpty),
    retry: Type.Optional(
      Type.Object(
        {
          maximumAttempts: Type.Optional(Type.Integer({ minimum: 1 })),
          initialIntervalMs: Type.Optional(Type.Integer({ minimum: 1 })),
          maximumIntervalMs: Type.Optional(Type.Integer({ minimum: 1 })),
          backoffCoefficient: Type.Optional(Type.Number({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    sendTimeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

type NotificationsFile = Static<typeof notificationsFileSchema>;

export const defaultNotificationRetry: Partial<RetryPolicy> = {
  maximumAttempts: 12,
  initialIntervalMs: 5_000,
  maximumIntervalMs: 15 * 60_000,
  backoffCoefficient: 2,
};

// Deliberately loose: the SMTP server is the judge of an address; this catches a typo like a missing @.
const mailAddress = /^[^\s@<>]+@[^\s@<>]+$/;

/** The settings with defaults filled in; every problem is pushed as one line naming the key. */
export function resolveNotificationSettings(
  file: NotificationsFile | undefined,
  env: (name: string) => string | undefined,
  problems: string[],
): NotificationSettings {
  const at = 'CDFLOW_CONFIG notifications';
  const smtpUrl = env('CDFLOW_SMTP_URL');
  const from = env('CDFLOW_MAIL_FROM');
  let mail: NotificationSettings['mail'] = null;
  if (smtpUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(smtpUrl).protocol;
    } catch {
      // The value may hold a password: the problem never repeats it.
      problems.push('CDFLOW_SMTP_URL: expected a URL such as smtp://user:password@mail.example.com:587');
    }
    if (protocol !== '' && protocol !== 'smtp:' && protocol !== 'smtps:')
      problems.push(`CDFLOW_SMTP_URL: expected smtp:// or smtps://, got the protocol "${protocol}"`);
    if (from === undefined)
      problems.push('CDFLOW_MAIL_FROM: required with CDFLOW_SMTP_URL (the sender, e.g. cdflow@example.com)');
    mail = { url: smtpUrl, from: from ?? '', events: file?.mail?.events ?? [...notificationKinds] };
  } else if (from !== undefined) {
    problems.push('CDFLOW_SMTP_URL: required when CDFLOW_MAIL_FROM is set (the SMTP server to send through)');
  }

  const channels: ChatChannelSetting[] = [];
  const ids = new Set<string>();
  for (const [index, channel] of (file?.channels ?? []).entries()) {
    const where = `${at}.channels.${index}`;
    if (ids.has(channel.id)) problems.push(`${where}.id: "${channel.id}" is used by two channels`);
    ids.add(channel.id);
    const url = secretValue(channel.url, channel.urlEnv, `${where}.url`, env, problems, true);
    let protocol = '';
    try {
      protocol = new URL(url ?? '').protocol;
    } catch {
      if (url !== null) problems.push(`${where}.url: expected the robot's http(s) webhook URL`);
    }
    if (protocol !== '' && protocol !== 'http:' && protocol !== 'https:')
      problems.push(`${where}.url: expected an http or https URL, got the protocol "${protocol}"`);
    const secret = secretValue(channel.secret, channel.secretEnv, `${where}.secret`, env, problems, false);
    if (secret !== null && channel.kind === 'wecom')
      problems.push(
        `${where}.secret: WeCom robots do not sign messages; remove the secret (the key is in the URL)`,
      );
    channels.push({
      id: channel.id,
      kind: channel.kind,
      url: url ?? '',
      secret,
      events: channel.events ?? [...notificationKinds],
    });
  }

  const projects: Record<string, ProjectNotificationSetting> = {};
  for (const [project, setting] of Object.entries(file?.projects ?? {})) {
    const where = `${at}.projects.${project}`;
    for (const [i, address] of (setting.mail ?? []).entries()) {
      if (!mailAddress.test(address))
        problems.push(`${where}.mail.${i}: expected a mail address such as qa@example.com, got "${address}"`);
    }
    if ((setting.mail ?? []).length > 0 && smtpUrl === undefined)
      problems.push(`${where}.mail: recipients need CDFLOW_SMTP_URL and CDFLOW_MAIL_FROM (the SMTP server)`);
    for (const id of setting.channels ?? []) {
      if (!ids.has(id))
        problems.push(
          `${where}.channels: unknown channel "${id}" (channels: ${[...ids].join(', ') || 'none configured'})`,
        );
    }
    projects[project] = { mail: setting.mail ?? [], channels: setting.channels ?? null };
  }

  const timeZone = file?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    problems.push(`${at}.timeZone: expected an IANA time zone such as Asia/Shanghai, got "${timeZone}"`);
  }

  const retry = { ...defaultNotificationRetry, ...file?.retry };
  try {
    compileRetryPolicy(retry);
  } catch (error) {
    if (!(error instanceof RetryPolicyError)) throw error;
    problems.push(`${at}.retry: ${error.message}`);
  }

  return {
    mail,
    channels,
    projects,
    events: {
      completed: file?.events?.completed ?? true,
      failed: file?.events?.failed ?? true,
      waiting: file?.events?.waiting ?? true,
      stuck: file?.events?.stuck ?? true,
    },
    stuckAfterMinutes: file?.stuckAfterMinutes ?? null,
    sweepMs: Math.round((file?.sweepSeconds ?? 60) * 1000),
    timeZone,
    retry,
    sendTimeoutMs: file?.sendTimeoutMs ?? 30_000,
  };
}

/** A value given directly or by the name of an environment variable (never both). */
function secretValue(
  direct: string | undefined,
  fromEnv: string | undefined,
  where: string,
  env: (name: string) => string | undefined,
  problems: string[],
  required: boolean,
): string | null {
  if (direct !== undefined && fromEnv !== undefined) {
    problems.push(`${where}: give ${where.split('.').pop()} or ${where.split('.').pop()}Env, not both`);
    return null;
  }
  if (fromEnv !== undefined) {
    const value = env(fromEnv);
    if (value === undefined) problems.push(`${where}Env: the environment variable ${fromEnv} is not set`);
    return value ?? null;
  }
  if (direct === undefined && required) problems.push(`${where}: required (or ${where.split('.').pop()}Env)`);
  return direct ?? null;
}
