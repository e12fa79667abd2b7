import { SmtpMailer, UpstreamError } from '@cdflow/adapters';
import type { SMTPServerOptions } from 'smtp-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSmtpTestServer } from './support/smtp-test-server.js';

/** A real SMTP server in the test process: it keeps every message it accepts. */
interface TestSmtp {
  url(user?: string, password?: string): string;
  messages: Array<{ from: string; to: string[]; raw: string }>;
  close(): Promise<void>;
}

/** Starts a test SMTP server that closes when the test ends (or earlier, when the test closes it). */
async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<TestSmtp> {
  const messages: TestSmtp['messages'] = [];
  const server = await startSmtpTestServer('p@ss word!', (mail) => messages.push(mail), options);
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= server.close();
    return closed;
  };
  onTestFinished(close);
  return {
    messages,
    url: (user, password) =>
      user === undefined
        ? `smtp://127.0.0.1:${server.port}`
        : `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@127.0.0.1:${server.port}`,
    close,
  };
}

describe('SmtpMailer', () => {
  it('delivers a UTF-8 plain-text mail from the sender to every recipient, logging in from the URL', async () => {
    const smtp = await startSmtp();
    const mailer = new SmtpMailer({
      url: smtp.url('cdflow', 'p@ss word!'),
      from: 'cdflow <cdflow@example.com>',
    });
    const sent = await mailer.send({
      to: ['qa@example.com', 'dba@example.com'],
      subject: '升级工单: 【A18】【升级】20261122',
      text: 'Dear All:\n\n3. Upgrader: API\n',
    });
    mailer.close();
    expect(sent.messageId).not.toBe('');
    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail!.from).toBe('cdflow@example.com');
    expect(mail!.to).toEqual(['qa@example.com', 'dba@example.com']);
    expect(mail!.raw).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(mail!.raw).toContain('Dear All:');
  });

  it('a refused login is not retried and the error never shows the password', async () => {
    const smtp = await startSmtp();
    const mailer = new SmtpMailer({
      url: smtp.url('cdflow', 'wrong-password-4711'),
      from: 'cdflow@example.com',
    });
    const error = (await mailer
      .send({ to: ['qa@example.com'], subject: 's', text: 't' })
      .catch((e: unknown) => e)) as UpstreamError;
    mailer.close();
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstream: 'smtp', code: 'UNAUTHORIZED', retryable: false });
    expect(JSON.stringify(error)).not.toContain('wrong-password-4711');
    expect(error.message).not.toContain('wrong-password-4711');
    expect(smtp.messages).toEqual([]);
  });

  it('a temporary refusal (451) is retryable; a permanent one (550) is not', async () => {
    let answer = 451;
    const smtp = await startSmtp({
      onRcptTo(_address, _session, callback) {
        const error = new Error(answer === 451 ? 'try again later' : 'no such mailbox') as Error & {
          responseCode: number;
        };
        error.responseCode = answer;
        callback(error);
      },
    });
    const mailer = new SmtpMailer({ url: smtp.url(), from: 'cdflow@example.com' });
    await expect(mailer.send({ to: ['qa@example.com'], subject: 's', text: 't' })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      status: 451,
    });
    answer = 550;
    await expect(mailer.send({ to: ['qa@example.com'], subject: 's', text: 't' })).rejects.toMatchObject({
      code: 'VALIDATION',
      retryable: false,
    });
    mailer.close();
  });

  it('no SMTP server at the address is a retryable network failure', async () => {
    const smtp = await startSmtp();
    const url = smtp.url();
    await smtp.close();
    const mailer = new SmtpMailer({ url, from: 'cdflow@example.com', timeoutMs: 2_000 });
    await expect(mailer.send({ to: ['qa@example.com'], subject: 's', text: 't' })).rejects.toMatchObject({
      code: 'NETWORK',
      retryable: true,
    });
    mailer.close();
  });
});
