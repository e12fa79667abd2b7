/**
 * Mail through SMTP with nodemailer: one transport from the connection URL (`smtp://user:pass@host:587`,
 * `smtps://…:465`), a sender address, bounded timeouts so a server that never answers fails the attempt
 * instead of holding it. A refusal becomes an UpstreamError: 4xx answers and connection failures are
 * retryable, 5xx answers and a refused login are not. Neither the URL nor its password ever appears in
 * an error.
 */
import type { MailMessage, MailPort } from '@cdflow/core';
import { createTransport } from 'nodemailer';
import { UpstreamError, type UpstreamErrorCode } from '../http/upstream-error.js';

export interface SmtpMailerOptions {
  /** The SMTP connection URL (CDFLOW_SMTP_URL); credentials in it are secrets. */
  url: string;
  /** The sender (CDFLOW_MAIL_FROM), e.g. `cdflow <cdflow@example.com>`. */
  from: string;
  /** Longest wait for the connection, the greeting and each answer (ms). Default 30 s. */
  timeoutMs?: number;
}

type Transport = ReturnType<typeof createTransport>;

export class SmtpMailer implements MailPort {
  private readonly transport: Transport;
  private readonly secrets: string[];
  private readonly host: string;

  constructor(private readonly options: SmtpMailerOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new UpstreamError({
        upstream: 'smtp',
        code: 'VALIDATION',
        message: `CDFLOW_SMTP_URL: expected smtp:// or smtps://, got the protocol ${url.protocol}`,
      });
    }
    this.host = `${url.hostname}${url.port ? `:${url.port}` : ''}`;
    this.secrets = [url.password, decodeURIComponent(url.password)].filter((s) => s.length >= 3);
    const timeout = options.timeoutMs ?? 30_000;
    this.transport = createTransport({
      url: options.url,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      // nodemailer logs nothing unless asked; its debug output would carry the AUTH exchange.
      logger: false,
      debug: false,
    });
  }

  async send(mail: MailMessage): Promise<{ messageId: string }> {
    try {
      const info = await this.transport.sendMail({
        from: this.options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
      });
      return { messageId: String(info.messageId ?? '') };
    } catch (error) {
      throw this.refusal(error);
    }
  }

  /** Close the transport's connections. */
  close(): void {
    this.transport.close();
  }

  private refusal(error: unknown): UpstreamError {
    const e = (error ?? {}) as {
      code?: unknown;
      responseCode?: unknown;
      response?: unknown;
      message?: unknown;
    };
    const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
    const kind = typeof e.code === 'string' ? e.code : '';
    let code: UpstreamErrorCode;
    let retryable: boolean;
    if (kind === 'EAUTH' || responseCode === 535) {
      code = 'UNAUTHORIZED';
      retryable = false;
    } else if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
      code = 'UPSTREAM_UNAVAILABLE';
      retryable = true;
    } else if (responseCode !== undefined && responseCode >= 500) {
      code = 'VALIDATION';
      retryable = false;
    } else if (kind === 'ETIMEDOUT') {
      code = 'TIMEOUT';
      retryable = true;
    } else {
      code = 'NETWORK';
      retryable = true;
    }
    const said =
      typeof e.response === 'string' ? e.response : typeof e.message === 'string' ? e.message : kind;
    const hint =
      code === 'UNAUTHORIZED'
        ? 'Check the user and password in CDFLOW_SMTP_URL (not retried).'
        : retryable
          ? 'cdflow will retry later.'
          : 'Check the recipients and CDFLOW_MAIL_FROM (not retried).';
    return new UpstreamError({
      upstream: 'smtp',
      code,
      retryable,
      ...(responseCode === undefined ? {} : { status: responseCode }),
      message: this.scrub(`the SMTP server ${this.host} did not take the mail: ${said}. ${hint}`),
    });
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('[redacted]');
    return out;
  }
}
