/**
 * Where notifications go: mail through SMTP and chat robots (DingTalk, Feishu, WeCom, a generic JSON
 * webhook). Implementations live in @cdflow/adapters; the server delivers through its own notification
 * outbox, never from a release's effect queue. Failures throw (an UpstreamError with `retryable`).
 */
import type { ReleaseNotification } from '../release-notifications.js';

export interface MailMessage {
  to: string[];
  subject: string;
  /** Plain text, UTF-8. */
  text: string;
}

export interface MailPort {
  /** Hand the mail to the SMTP server; resolves with the server's message id once it accepted it. */
  send(mail: MailMessage): Promise<{ messageId: string }>;
}

export interface ChatMessage {
  /** Stable per notification and channel: receivers that can (the generic webhook) drop repeats by it. */
  idempotencyKey: string;
  title: string;
  /** Plain text lines; a robot renders them as it can (markdown paragraphs, a post, text). */
  lines: string[];
  /** The notification itself, for receivers that read structure (the generic JSON webhook). */
  notification: ReleaseNotification;
}

export interface ChatPort {
  /** `dingtalk`, `feishu`, `wecom` or `webhook`. */
  readonly kind: string;
  /** Post the message; resolves once the robot accepted it. */
  send(message: ChatMessage): Promise<void>;
}
