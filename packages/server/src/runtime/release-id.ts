/**
 * The stable id of a release, derived from its summary (the release system's unique key). Short and
 * ASCII because it prefixes every idempotency key, which upstreams store (CMDB `request_id`).
 */
import { createHash } from 'node:crypto';

export function releaseIdFor(summary: string): string {
  return `rel-${createHash('sha256').update(summary, 'utf8').digest('hex').slice(0, 20)}`;
}
