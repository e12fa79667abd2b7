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
  // A workflow post-function's delivery has no changelog: its `transition` names the move (from_status,
  // to_status, transitionName), and the transition's name tells apart two that join the same statuses.
  const transition = changelog === null ? record(payload.transition) : null;
  const from = statusItem ? str(statusItem.fromString) : str(transition?.from_status);
  const to = statusItem ? str(statusItem.toString) : str(transition?.to_status);
  const transitionName = str(transition?.transitionName);
  const transitionId = str(transition?.transitionId);

  // A post-function delivery is told apart from the issue event of the same change by its transition.
  const identity =
    transition === null
      ? `${webhookEvent}|${issueId}|${changelogId ?? ''}|${timestamp ?? ''}`
      : `${webhookEvent}|${issueId}||${timestamp ?? ''}|transition:${transitionId ?? ''}:${from ?? ''}>${to ?? ''}`;
  const dedupeKey =
    webhookEvent !== '' && issueId !== null && (changelogId !== null || timestamp !== null)
      ? sha256(identity)
      : sha256(rawBody);

  return {
    dedupeKey,
    webhookEvent,
    issueKey: str(issue?.key),
    statusChange: from !== null && to !== null ? { from, to } : null,
    ...(transitionName === null ? {} : { transitionName }),
    user: str(user?.name) ?? str(user?.key),
    timestamp,
  };
}
