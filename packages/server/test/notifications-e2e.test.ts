import { describe, expect, it } from 'vitest';
import { closingAfterEach, sampleRequest, startHarness } from './support/e2e-harness.js';
import {
  type RobotSinks,
  robotSecrets,
  startRobotSinks,
  startSilentServer,
  startSmtpSink,
  until,
} from './support/notification-sinks.js';

const closedAfterTest = closingAfterEach();

/** The notifications section: mail to A18's testers and DBAs, the three robots, fast retries. */
function notificationConfig(sinks: RobotSinks, extra: Record<string, unknown> = {}) {
  return {
    notifications: {
      timeZone: 'Asia/Shanghai',
      channels: [
        {
          id: 'team-dingtalk',
          kind: 'dingtalk',
          urlEnv: 'TEST_DINGTALK_URL',
          secretEnv: 'TEST_DINGTALK_SECRET',
        },
        { id: 'ops-feishu', kind: 'feishu', url: sinks.feishuUrl, secret: robotSecrets.feishuSecret },
        { id: 'hooks', kind: 'webhook', url: sinks.webhookUrl, secret: robotSecrets.webhookSecret },
      ],
      projects: { A18: { mail: ['qa@example.com', 'dba@example.com'] } },
      retry: { initialIntervalMs: 50, maximumIntervalMs: 200, maximumAttempts: 1000 },
      ...extra,
    },
  };
}

function env(mailUrl: string, sinks: RobotSinks): Record<string, string> {
  return {
    CDFLOW_SMTP_URL: mailUrl,
    CDFLOW_MAIL_FROM: 'cdflow <cdflow@example.com>',
    TEST_DINGTALK_URL: sinks.dingtalkUrl,
    TEST_DINGTALK_SECRET: robotSecrets.dingtalkSecret,
  };
}

/** cdflow in `sqlMode` telling its releases to the mail server at `mailUrl` and to new robot sinks. */
async function startNotifying(
  sqlMode: 'auto' | 'manual',
  mailUrl: string,
  extra: Record<string, unknown> = {},
) {
  const robots = await closedAfterTest(startRobotSinks());
  const h = await closedAfterTest(
    startHarness({ sqlMode, config: notificationConfig(robots, extra), env: env(mailUrl, robots) }),
  );
  return { h, robots };
}

/** A request that needs no person in auto mode (no config_info for ops to confirm). */
const autoRequest = () => sampleRequest({ config_info: [] });

describe('notifications: mail and chat', () => {
  it('a completed release is mailed "Dear All … upgraded content" and posted, signed, to every robot, once', async () => {
    const smtp = await closedAfterTest(startSmtpSink());
    const { h, robots } = await startNotifying('auto', smtp.url);
    const body = autoRequest();
    const res = await h.intake(body);
    expect(res.status).toBe(201);
    const key = String(res.body.key);
    await h.waitForState(key, 'uatComplete');

    const mail = await until('the completion mail', () =>
      smtp.mails.find((m) => m.subject === `升级工单: ${body.summary}`),
    );
    expect(mail.from).toBe('cdflow@example.com');
    expect(mail.to).toEqual(['qa@example.com', 'dba@example.com']);
    const lines = mail.text.split('\n');
    expect(lines[0]).toBe('Dear All:');
    expect(lines[2]).toMatch(/^1\. Upgrade start time: {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(lines[3]).toMatch(/^2\. Upgrade end {3}time: {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(lines[4]).toBe('3. Upgrader: API');
    expect(lines[5]).toBe('4. The following content has been upgraded:');
    expect(lines).toContain(`${'a18/cc_merchant_console'.padEnd(25)} 升级版本: 1061`);
    expect(lines).toContain(`${'a18/cc_report_service'.padEnd(25)} 升级版本: 877`);
    expect(mail.text).toContain('01.acc_view_search_laboratory.sql (Archery #');
    expect(mail.text).toContain(`${key} · UAT · iteration 1 · UAT升级完成`);
    expect(mail.text).toContain(`/browse/${key}`);

    const completed = (robot: string) =>
      robots.messages.filter((m) => m.robot === robot && m.text.includes(`${body.summary} 升级完成`));
    await until('DingTalk, Feishu and the webhook told', () =>
      ['dingtalk', 'feishu', 'webhook'].every((r) => (completed(r)?.length ?? 0) > 0),
    );
    expect(robots.badSignatures).toBe(0);
    const hook = completed('webhook')![0]!;
    expect(hook.headers['idempotency-key']).toMatch(/:completed:chat:hooks$/);
    expect(hook.body).toMatchObject({
      notification: { kind: 'completed', issueKey: key, state: 'uatComplete' },
    });

    // Nothing is told twice: one row per notification and channel, all sent.
    await h.server.runtime.idle();
    const rows = await h.server.notifications.outbox.ofRelease(
      String((await h.server.runtime.getRelease(key))?.releaseId),
    );
    const completedRows = rows.filter((r) => r.kind === 'completed');
    expect(completedRows.map((r) => r.channel).sort()).toEqual([
      'chat:hooks',
      'chat:ops-feishu',
      'chat:team-dingtalk',
      'mail',
    ]);
    await until('every completed row sent', async () =>
      (await h.server.notifications.outbox.ofRelease(completedRows[0]!.releaseId))
        ?.filter((r) => r.kind === 'completed')
        .every((r) => r.status === 'sent'),
    );
    expect(smtp.mails.filter((m) => m.subject === `升级工单: ${body.summary}`)).toHaveLength(1);
    expect(completed('dingtalk')).toHaveLength(1);
  });

  it('a failure is told with its reason; waiting for the DBA is told; switched-off events are not', async () => {
    const smtp = await closedAfterTest(startSmtpSink());
    const { h, robots } = await startNotifying('manual', smtp.url, { events: { completed: false } });
    const body = sampleRequest();
    const key = String((await h.intake(body)).body.key);
    await h.waitForState(key, 'sqlExecuting');
    await until('the DBA told to execute the SQL', () =>
      robots.messages.find(
        (m) => m.robot === 'feishu' && m.text.includes('待处理') && m.text.includes('the DBA'),
      ),
    );
    const sent = await h.operatorEvent(key, {
      type: 'SQL_REPORTED_FAILED',
      reason: 'table laboratory is locked',
    });
    expect(sent.status).toBe(200);
    await h.waitForState(key, 'sqlPending.failed');
    const mail = await until('the failure mail', () =>
      smtp.mails.find((m) => m.subject === `升级工单: ${body.summary} 升级失败`),
    );
    expect(mail.text).toContain('table laboratory is locked');
    expect(mail.text).toContain('2. Stage: SQL');
    const chat = await until('the failure on DingTalk', () =>
      robots.messages.find((m) => m.robot === 'dingtalk' && m.text.includes('升级失败')),
    );
    expect(chat.text).toContain('table laboratory is locked');
    // completed is switched off: no row was even written for it.
    const releaseId = String((await h.server.runtime.getRelease(key))?.releaseId);
    expect((await h.server.notifications.outbox.ofRelease(releaseId)).map((r) => r.kind)).not.toContain(
      'completed',
    );
  });
});

describe('notifications never block a release', () => {
  it('a refusing SMTP server delays nothing: the release completes, chat is told, and the mail is retried until it goes', async () => {
    const smtp = await closedAfterTest(startSmtpSink({ refusing: true }));
    const { h, robots } = await startNotifying('auto', smtp.url);
    const body = autoRequest();
    const key = String((await h.intake(body)).body.key);
    const done = await h.waitForState(key, 'uatComplete');
    expect(done.jiraStatus).toBe('UAT升级完成');
    await until('DingTalk told while the mail server refuses', () =>
      robots.messages.find((m) => m.robot === 'dingtalk' && m.text.includes('升级完成')),
    );
    const releaseId = String(done.releaseId);
    const mailRow = async () =>
      (await h.server.notifications.outbox.ofRelease(releaseId))?.find(
        (r) => r.kind === 'completed' && r.channel === 'mail',
      );
    await until('the mail retried', async () => ((await mailRow())?.attempts ?? 0) >= 2);
    expect(await mailRow()).toMatchObject({ status: expect.stringMatching(/pending|sending/) });
    expect((await mailRow())?.lastError).toContain('451');
    expect((await mailRow())?.lastError).not.toContain('smtp-pass-0123456789');
    expect(smtp.mails).toEqual([]);

    smtp.refusing = false;
    const mail = await until('the mail delivered once the server takes it', () =>
      smtp.mails.find((m) => m.subject === `升级工单: ${body.summary}`),
    );
    expect(mail.text).toContain('4. The following content has been upgraded:');
    await until('the mail row sent', async () => (await mailRow())?.status === 'sent');
  });

  it('an SMTP server that never answers holds only its own deliveries', async () => {
    const silent = await closedAfterTest(startSilentServer());
    const { h, robots } = await startNotifying('auto', silent.url, { sendTimeoutMs: 300 });
    const body = autoRequest();
    const key = String((await h.intake(body)).body.key);
    const done = await h.waitForState(key, 'uatComplete');
    await until('Feishu and the webhook told', () =>
      ['feishu', 'webhook'].every((r) =>
        robots.messages.some((m) => m.robot === r && m.text.includes('升级完成')),
      ),
    );
    const mailRow = async () =>
      (await h.server.notifications.outbox.ofRelease(String(done.releaseId)))?.find(
        (r) => r.kind === 'completed' && r.channel === 'mail',
      );
    await until(
      'the hanging mail attempt timed out and was rescheduled',
      async () => ((await mailRow())?.attempts ?? 0) >= 1,
    );
    expect((await mailRow())?.status).not.toBe('sent');
    expect(silent.connections).toBeGreaterThan(0);
  });
});
