/**
 * Verification of Jira's webhook signature (Jira 10+): `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the
 * raw body>` with the shared secret. Checks its arguments, compares lengths, then `timingSafeEqual`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const signaturePattern = /^sha256=([0-9a-f]{64})$/i;

export function signWebhookBody(rawBody: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function verifyWebhookSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (header === undefined || secret.length === 0) return false;
  const match = signaturePattern.exec(header.trim());
  if (!match) return false;
  const presented = Buffer.from(match[1]!.toLowerCase(), 'hex');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  if (presented.length !== expected.length) return false;
  return timingSafeEqual(presented, expected);
}
