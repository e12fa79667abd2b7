/**
 * From a Jira webhook body (untrusted, Server/Data Center shape) to the `JiraDelivery` the runtime
 * processes. The payload is only a hint: the runtime re-reads the issue before acting.
 */
import { createHash } from 'node:crypto';
import type { JiraDelivery } from '../runtime/runtime-api.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

const str = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null;

const record = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/**
 * Data Center sends no delivery id: the key is derived from what identifies one change (event, issue,
 * changelog id, timestamp); without those, from the raw bytes, so an identical redelivery still dedupes.
 */
export function parseJiraDelivery(payload: Record<string, unknown>, rawBody: Buffer): JiraDelivery {
  const issue = record(payload.issue);
  const changelog = record(payload.changelog);
  const user = record(payload.user);
  const webhookEvent = str(payload.webhookEvent) ?? '';
  const issueId = str(issue?.id);
  const changelogId = str(changelog?.id);
  const timestamp =
    typeof payload.timestamp === 'number' && Number.isFinite(payload.timestamp) ? payload.timestamp : null;

  // The status change is the item whose field is "status", at any position (the original read items[0]).
  const items = Array.isArray(changelog?.items) ? changelog.items : [];
  const statusItem = items.map(record).find((item) => item !== null && item.field === 'status') ?? null;
  const from = statusItem ? str(statusItem.fromString) : null;
  const to = statusItem ? str(statusItem.toString) : null;

  const dedupeKey =
    webhookEvent !== '' && issueId !== null && (changelogId !== null || timestamp !== null)
      ? sha256(`${webhookEvent}|${issueId}|${changelogId ?? ''}|${timestamp ?? ''}`)
      : sha256(rawBody);

  return {
    dedupeKey,
    webhookEvent,
    issueKey: str(issue?.key),
    statusChange: from !== null && to !== null ? { from, to } : null,
    user: str(user?.name) ?? str(user?.key),
    timestamp,
  };
}
