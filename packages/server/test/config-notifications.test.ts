import { loadConfig } from '@cdflow/server';
import { describe, expect, it } from 'vitest';
import { configRefusal } from './support/site-env.js';

const file = (settings: unknown) => ({ '/etc/cdflow.json': JSON.stringify(settings) });

function load(env: NodeJS.ProcessEnv, files: Record<string, string> = {}) {
  return loadConfig(
    { CDFLOW_CONFIG: Object.keys(files)[0], ...env },
    {
      readFile: (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
        return text;
      },
    },
  );
}

function problemsOf(env: NodeJS.ProcessEnv, files: Record<string, string> = {}): string[] {
  return configRefusal(() => load(env, files)).problems;
}

describe('loadConfig: notifications, metrics, inspector', () => {
  it('nothing configured: no mail, no channel, every event on, /metrics protected, no inspector', () => {
    const config = loadConfig({});
    expect(config.notifications).toMatchObject({
      mail: null,
      channels: [],
      events: { completed: true, failed: true, waiting: true, stuck: true },
      stuckAfterMinutes: null,
    });
    expect(config.metrics.public).toBe(false);
    expect(config.inspectUrl).toBeNull();
  });

  it('reads SMTP from the environment, robots from the file (URL and secret by variable name)', () => {
    const config = load(
      {
        CDFLOW_SMTP_URL: 'smtps://cdflow:p%40ss@mail.example.com:465',
        CDFLOW_MAIL_FROM: 'cdflow@example.com',
        DINGTALK_URL: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
        DINGTALK_SECRET: 'SECxyz',
        CDFLOW_INSPECT_URL: 'ws://127.0.0.1:8080',
      },
      file({
        notifications: {
          events: { waiting: false },
          channels: [
            {
              id: 'team',
              kind: 'dingtalk',
              urlEnv: 'DINGTALK_URL',
              secretEnv: 'DINGTALK_SECRET',
              events: ['completed'],
            },
          ],
          projects: { A18: { mail: ['qa@example.com'], channels: ['team'] } },
          timeZone: 'Asia/Shanghai',
        },
        metrics: { public: true },
      }),
    );
    expect(config.notifications.mail).toMatchObject({ from: 'cdflow@example.com' });
    expect(config.notifications.channels).toEqual([
      {
        id: 'team',
        kind: 'dingtalk',
        url: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
        secret: 'SECxyz',
        events: ['completed'],
      },
    ]);
    expect(config.notifications.events.waiting).toBe(false);
    expect(config.notifications.projects.A18).toEqual({ mail: ['qa@example.com'], channels: ['team'] });
    expect(config.metrics.public).toBe(true);
    expect(config.inspectUrl).toBe('ws://127.0.0.1:8080');
  });

  it('names each bad setting, and never repeats a secret', () => {
    const problems = problemsOf(
      {
        CDFLOW_SMTP_URL: 'mailto:cdflow:hunter2-secret@example.com',
        CDFLOW_INSPECT_URL: 'http://127.0.0.1:8080',
      },
      file({
        notifications: {
          channels: [
            {
              id: 'a',
              kind: 'wecom',
              url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k',
              secret: 'nope-0123',
            },
            { id: 'a', kind: 'feishu', urlEnv: 'MISSING_FEISHU_URL' },
          ],
          projects: { A18: { mail: ['not-an-address'], channels: ['ghost'] } },
          timeZone: 'Mars/Olympus',
          retry: { initialIntervalMs: 1000, maximumIntervalMs: 10 },
        },
      }),
    );
    const text = problems.join('\n');
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('nope-0123');
    for (const expected of [
      'CDFLOW_SMTP_URL: expected smtp:// or smtps://',
      'CDFLOW_MAIL_FROM: required with CDFLOW_SMTP_URL',
      'CDFLOW_INSPECT_URL: expected ws:// or wss://',
      'CDFLOW_CONFIG notifications.channels.0.secret: WeCom robots do not sign messages',
      'CDFLOW_CONFIG notifications.channels.1.id: "a" is used by two channels',
      'CDFLOW_CONFIG notifications.channels.1.urlEnv: the environment variable MISSING_FEISHU_URL is not set',
      'CDFLOW_CONFIG notifications.projects.A18.mail.0: expected a mail address',
      'CDFLOW_CONFIG notifications.projects.A18.channels: unknown channel "ghost"',
      'CDFLOW_CONFIG notifications.timeZone: expected an IANA time zone',
      'CDFLOW_CONFIG notifications.retry: RetryPolicy.maximumIntervalMs',
    ])
      expect(text).toContain(expected);
  });

  it('mail recipients without an SMTP server are refused', () => {
    const problems = problemsOf(
      {},
      file({ notifications: { projects: { '*': { mail: ['qa@example.com'] } } } }),
    );
    expect(problems.join('\n')).toContain('notifications.projects.*.mail: recipients need CDFLOW_SMTP_URL');
  });
});
