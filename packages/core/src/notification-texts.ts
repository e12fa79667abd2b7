/**
 * What a notification says, as mail and as a chat message. The completion mail keeps the original
 * program's mail (subject "升级工单: <summary>", "Dear All:", the upgrade's start and end time, the
 * upgrader, then the upgraded content: one "service  升级版本: version" line per deployed service, or
 * "无代码升级，SQL 或配置已升级到 <env> 环境" when no code was deployed); cdflow adds the SQL files and
 * configuration items it applied and the Jira link. Times are formatted by the host (its time zone).
 */
import type { ReleaseNotification, UpgradedContent, WaitingOn } from './release-notifications.js';

export interface NotificationTextInput {
  notification: ReleaseNotification;
  /** The site's Jira status name of the release's state (e.g. UAT升级完成). */
  statusName: string;
  /** When the upgrade began and when this happened, already formatted (`2026-01-05 10:00:00`). */
  startedAt: string | null;
  at: string;
  /** Link to the Jira issue, when it exists. */
  issueUrl: string | null;
}

export interface MailText {
  subject: string;
  text: string;
}

export interface ChatText {
  title: string;
  /** One line each; plain text, a robot may render them as markdown paragraphs. */
  lines: string[];
}

const waiters: Record<WaitingOn, string> = {
  dba: 'the DBA (DBA)',
  ops: 'ops (运维)',
  developers: 'the developers (开发/运维)',
  approvers: 'the production approvers (审批)',
};

const stageNames: Record<string, string> = {
  sql: 'SQL',
  config: 'configuration (配置)',
  code: 'code deploy (代码)',
  policy: 'versioning policy (版本规范)',
  jira: 'Jira',
};

const headlines: Record<ReleaseNotification['kind'], string> = {
  completed: '升级完成',
  failed: '升级失败',
  waiting: '待处理',
  stuck: '等待超时',
};

/** The original's content lines: one per deployed service, the name padded to 25 columns. */
export function upgradedLines(content: UpgradedContent, env: string): string[] {
  if (content.code.length === 0) return [`无代码升级，SQL 或配置已升级到 ${env} 环境`];
  return content.code.map((c) => `${c.service.padEnd(25)} 升级版本: ${c.version}`);
}

function extraContent(content: UpgradedContent): string[] {
  const lines: string[] = [];
  if (content.sql.length > 0) {
    lines.push('', 'SQL:');
    for (const s of content.sql)
      lines.push(`  ${s.file}${s.workflowId === null ? '' : ` (Archery #${s.workflowId})`}`);
  }
  if (content.config.length > 0) {
    lines.push('', 'Configuration:');
    for (const c of content.config) lines.push(`  ${c}`);
  }
  return lines;
}

function reference(input: NotificationTextInput): string {
  const n = input.notification;
  const key = n.issueKey ?? n.releaseId;
  return `${key} · ${n.env} · iteration ${n.iteration} · ${input.statusName}`;
}

function bodyLines(input: NotificationTextInput): string[] {
  const n = input.notification;
  switch (n.kind) {
    case 'completed': {
      const content = n.upgraded ?? { code: [], sql: [], config: [] };
      return [
        `1. Upgrade start time:  ${input.startedAt ?? input.at}`,
        `2. Upgrade end   time:  ${input.at}`,
        '3. Upgrader: API',
        '4. The following content has been upgraded:',
        '',
        ...upgradedLines(content, n.env),
        ...extraContent(content),
      ];
    }
    case 'failed':
      return [
        `1. Failed at: ${input.at}`,
        `2. Stage: ${stageNames[n.failure?.stage ?? ''] ?? n.failure?.stage ?? n.state}`,
        `3. Status: ${input.statusName}`,
        '4. Reason:',
        '',
        n.failure?.reason ?? 'no reason was recorded',
      ];
    case 'waiting':
      return [
        `1. Since: ${input.at}`,
        `2. Status: ${input.statusName}`,
        `3. Waiting for ${waiters[n.waitingOn ?? 'developers']} to act.`,
      ];
    case 'stuck':
      return [
        `1. Waiting since: ${n.waitingSince ?? input.at}`,
        `2. Status: ${input.statusName}`,
        `3. Waiting for ${waiters[n.waitingOn ?? 'developers']} longer than expected: please look at it.`,
        ...(n.failure ? ['4. Last failure:', '', n.failure.reason] : []),
      ];
  }
}

/** The mail of a notification (plain text, UTF-8). */
export function notificationMail(input: NotificationTextInput): MailText {
  const n = input.notification;
  const subject =
    n.kind === 'completed' ? `升级工单: ${n.summary}` : `升级工单: ${n.summary} ${headlines[n.kind]}`;
  const lines = ['Dear All:', '', ...bodyLines(input), '', reference(input)];
  if (input.issueUrl) lines.push(input.issueUrl);
  return { subject, text: `${lines.join('\n')}\n` };
}

/** The chat message of a notification (DingTalk, Feishu, WeCom, a generic webhook). */
export function notificationChat(input: NotificationTextInput): ChatText {
  const n = input.notification;
  const lines = [reference(input), ...bodyLines(input).filter((l) => l !== '')];
  if (input.issueUrl) lines.push(input.issueUrl);
  return { title: `[cdflow] ${n.summary} ${headlines[n.kind]}`, lines };
}
