/**
 * A generic JSON webhook: the notification as JSON (`title`, `text`, `notification`), POSTed to any URL,
 * with `Idempotency-Key` (stable per notification and channel, so a receiver can drop a repeat after a
 * retry) and, when a secret is set, `X-Cdflow-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 * Any 2xx is accepted.
 */
import type { ChatMessage, ChatPort } from '@cdflow/core';
import { webhookBodySignature } from './chat-signatures.js';
import { type RobotEndpoint, type RobotOptions, robotEndpoint } from './robot-endpoint.js';

export const webhookSignatureHeader = 'x-cdflow-signature';

export class JsonWebhook implements ChatPort {
  readonly kind = 'webhook';
  private readonly endpoint: RobotEndpoint;

  constructor(private readonly options: RobotOptions) {
    this.endpoint = robotEndpoint('webhook', options);
  }

  async send(message: ChatMessage): Promise<void> {
    const payload = {
      title: message.title,
      text: message.lines.join('\n'),
      notification: message.notification,
    };
    const headers: Record<string, string> = { 'idempotency-key': message.idempotencyKey };
    // HttpClient sends JSON.stringify(json): the same bytes are signed here.
    if (this.options.secret)
      headers[webhookSignatureHeader] = webhookBodySignature(this.options.secret, JSON.stringify(payload));
    await this.endpoint.http.request<unknown>({
      method: 'POST',
      path: this.endpoint.path,
      searchParams: this.endpoint.query,
      json: payload,
      headers,
      allowEmpty: true,
      responseType: 'text',
    });
  }
}
