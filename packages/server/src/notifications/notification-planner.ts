/**
 * Turns core's notifications into outbox rows: which channels a notification goes to (the per-event
 * toggles, the project's recipients and channels, each channel's own events), its idempotency key per
 * channel, and the rendered mail or chat text, so a retry sends exactly what the first attempt sent.
 */
import {
  type JiraWorkflowNames,
  jiraStatusForState,
  type NotificationTextInput,
  notificationChat,
  notificationMail,
  type ReleaseNotification,
} from '@cdflow/core';
import type { NotificationSettings, ProjectNotificationSetting } from '../config/notification-settings.js';
import type { NotificationInput } from './notification-outbox.js';

export interface PlannerContext {
  settings: NotificationSettings;
  names: JiraWorkflowNames;
  /** Where people open a Jira issue (the console's jiraUrl, else JIRA_BASE_URL). */
  jiraUrl: string;
}

/** `2026-01-05 10:00:00` in the configured time zone (the original mail's format). */
export function formatTime(at: number | string, timeZone: string): string {
  const date = new Date(at);
  // Swedish formats dates as ISO-like `YYYY-MM-DD HH:mm:ss`.
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(date);
}

/** The stable part of every key of this notification: per decision, or per wait for a stuck one. */
export function notificationKey(n: ReleaseNotification): string {
  if (n.revision !== null) return `${n.releaseId}:r${n.revision}:${n.kind}`;
  return `${n.releaseId}:stuck:${n.waitingSince ?? ''}`;
}

function projectSetting(settings: NotificationSettings, project: string): ProjectNotificationSetting {
  return settings.projects[project] ?? settings.projects['*'] ?? { mail: [], channels: null };
}

/** The outbox rows of `notification` (none when its kind is switched off or nobody is configured). */
export function planNotification(
  notification: ReleaseNotification,
  context: PlannerContext,
  times: { now: number; startedAt: string | null },
): NotificationInput[] {
  const { settings } = context;
  if (!settings.events[notification.kind]) return [];
  const project = projectSetting(settings, notification.project);
  const text: NotificationTextInput = {
    notification,
    statusName: jiraStatusForState(notification.state, context.names),
    startedAt: times.startedAt === null ? null : formatTime(times.startedAt, settings.timeZone),
    at: formatTime(times.now, settings.timeZone),
    issueUrl: notification.issueKey ? `${context.jiraUrl}/browse/${notification.issueKey}` : null,
  };
  const key = notificationKey(notification);
  const rows: NotificationInput[] = [];
  const base = { releaseId: notification.releaseId, kind: notification.kind };
  if (settings.mail && project.mail.length > 0 && settings.mail.events.includes(notification.kind)) {
    const mail = notificationMail(text);
    rows.push({
      ...base,
      idempotencyKey: `${key}:mail`,
      channel: 'mail',
      payload: { via: 'mail', mail: { to: project.mail, subject: mail.subject, text: mail.text } },
    });
  }
  const chosen = project.channels ?? settings.channels.map((c) => c.id);
  const chat = notificationChat(text);
  for (const channel of settings.channels) {
    if (!chosen.includes(channel.id) || !channel.events.includes(notification.kind)) continue;
    const idempotencyKey = `${key}:chat:${channel.id}`;
    rows.push({
      ...base,
      idempotencyKey,
      channel: `chat:${channel.id}`,
      payload: {
        via: 'chat',
        message: { idempotencyKey, title: chat.title, lines: chat.lines, notification },
      },
    });
  }
  return rows;
}
