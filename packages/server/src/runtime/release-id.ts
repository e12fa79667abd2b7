/**
 * The stable id of a release, derived from its summary (the release system's unique key) and its
 * environment: a summary's UAT release and its production release are two releases. A UAT release's id
 * is the summary's alone, as it always was, so releases stored before production existed keep theirs.
 * Short and ASCII because it prefixes every idempotency key, which upstreams store (CMDB `request_id`).
 */
import { createHash } from 'node:crypto';
import type { Env } from '@cdflow/core';

export function releaseIdFor(summary: string, env: Env = 'UAT'): string {
  const key = env === 'UAT' ? summary : `${summary}\u0000${env}`;
  return `rel-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 20)}`;
}
