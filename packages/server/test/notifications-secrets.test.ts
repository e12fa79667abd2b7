import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRetryPolicy, type ReleaseNotification } from '@cdflow/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { deliveryChannels } from '../src/notifications/notification-channels.js';
import { planNotification } from '../src/notifications/notification-planner.js';
import { NotificationWorker } from '../src/notifications/notification-worker.js';
import { openReleaseStore } from '../src/store/open-release-store.js';
import type { ReleaseStore } from '../src/store/release-store.js';
import {
  type RobotSinks,
  type SmtpSink,
  startRobotSinks,
  startSmtpSink,
  until,
} from './support/notification-sinks.js';

let store: ReleaseStore | undefined;
let dir: string | undefined;
let smtp: SmtpSink | undefined;
let robots: RobotSinks | undefined;
afterEach(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await smtp?.close();
  await robots?.close();
  store = undefined;
  dir = undefined;
  smtp = undefined;
  robots = undefined;
});

const notification: ReleaseNotification = {
  kind: 'failed',
  releaseId: 'rel-secret',
  summary: '【A18】【升级】20261122_secret',
  issueKey: 'AC-9',
  project: 'A18',
  env: 'UAT',
  iteration: 1,
  revision: 4,
  state: 'sqlPending.failed',
  failure: { stage: 'sql', reason: 'table locked', at: 'sqlExecuting' },
};

describe('notification secrets', () => {
  it('refusals of the SMTP server and the robots are logged and stored without a password, token or secret', async () => {
    smtp = await startSmtpSink({ refusing: true });
    robots = await startRobotSinks();
    const secrets = {
      smtpPassword: 'smtp-pass-0123456789',
      wrongDingtalkSecret: 'SECwrong-signing-secret-4711',
      dingtalkToken: 'dt-token-0123456789abcdef',
      feishuHook: 'unreachable-hook-token-0123456789',
    };
    const config = loadConfig(
      {
        CDFLOW_SANDBOX: '1',
        CDFLOW_SMTP_URL: smtp.url,
        CDFLOW_MAIL_FROM: 'cdflow@example.com',
        CDFLOW_CONFIG: '/cdflow.json',
      },
      {
        readFile: () =>
          JSON.stringify({
            notifications: {
              channels: [
                {
                  id: 'team',
                  kind: 'dingtalk',
                  url: robots!.dingtalkUrl,
                  secret: secrets.wrongDingtalkSecret,
                },
                // Nothing listens on port 9 of the loopback: a network failure that names the URL.
                {
                  id: 'ops',
                  kind: 'feishu',
                  url: `http://127.0.0.1:9/open-apis/bot/v2/hook/${secrets.feishuHook}`,
                },
              ],
              projects: { A18: { mail: ['qa@example.com'] } },
            },
          }),
      },
    );
    dir = mkdtempSync(join(tmpdir(), 'cdflow-notify-'));
    store = await openReleaseStore(join(dir, 'cdflow.sqlite'));
    const outbox = store.notifications;
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
    const worker = new NotificationWorker({
      outbox,
      owner: 'test-replica',
      leaseMs: 60_000,
      channels: deliveryChannels(config.notifications),
      retryPolicy: compileRetryPolicy({ maximumAttempts: 2, initialIntervalMs: 20 }),
      deadlineMs: 5_000,
      logger,
    });
    const rows = planNotification(
      notification,
      { settings: config.notifications, names: config.jira.names, jiraUrl: 'https://jira.example.com' },
      { now: Date.now(), startedAt: null },
    );
    expect(rows.map((r) => r.channel).sort()).toEqual(['chat:ops', 'chat:team', 'mail']);
    await outbox.add(rows);
    worker.start();
    await until('every delivery given up', async () =>
      (await outbox.ofRelease('rel-secret')).every((r) => r.status === 'failed'),
    );
    await worker.stop(1_000);

    const stored = await outbox.ofRelease('rel-secret');
    expect(stored.find((r) => r.channel === 'chat:team')?.lastError).toContain('310000');
    expect(stored.find((r) => r.channel === 'mail')?.lastError).toContain('451');
    expect(stored.find((r) => r.channel === 'chat:ops')?.lastError).toContain('could not be reached');
    const everything = [...lines, ...stored.map((r) => r.lastError ?? '')].join('\n');
    expect(everything).toContain('notification not delivered');
    for (const secret of Object.values(secrets)) expect(everything).not.toContain(secret);
  });
});
