/**
 * The robots' own signing algorithms, so a receiver can tell cdflow's messages from anyone else's:
 * - DingTalk: HMAC-SHA256 keyed with the secret over `timestamp + "\n" + secret` (timestamp in ms),
 *   base64, sent URL-encoded as `&timestamp=…&sign=…` in the robot URL;
 * - Feishu (Lark): HMAC-SHA256 keyed with `timestamp + "\n" + secret` over an empty message
 *   (timestamp in seconds), base64, sent as `timestamp` and `sign` in the JSON body;
 * - the generic webhook: `sha256=<hex HMAC-SHA256 of the raw body>` in X-Cdflow-Signature, like Jira's
 *   X-Hub-Signature.
 */
import { createHmac } from 'node:crypto';

/** DingTalk's `sign` for `timestampMs` (base64, not yet URL-encoded). */
export function dingtalkSignature(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** Feishu's `sign` for `timestampSeconds` (base64). */
export function feishuSignature(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('', 'utf8').digest('base64');
}

/** The generic webhook's X-Cdflow-Signature value for `body`. */
export function webhookBodySignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
