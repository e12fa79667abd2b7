/**
 * A release in a few short lines, for a person at a terminal: where it is, what moves it on, what
 * failed — instead of the 4 KB JSON of the query API. Used by the terminal story and the control API's
 * text views.
 */
import { waitInWords } from '@cdflow/core';
import type { HistoryEntry, ReleaseView } from '../runtime/runtime-api.js';

/** The release's name for a person: its Jira key once it has one. */
export const releaseLabel = (release: Pick<ReleaseView, 'key' | 'summary'>) => release.key ?? release.summary;

/** What moves the release on from where it is now, in words (core's `explainRelease`, as the API says it). */
export function waitingFor(release: Pick<ReleaseView, 'situation'>): string {
  return waitInWords(release.situation.waitsFor);
}

const oneLine = (text: string, max = 200) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function failureLine(release: Pick<ReleaseView, 'failure'>): string | null {
  const { failure } = release;
  return failure === null ? null : `failed (${failure.stage}): ${oneLine(failure.reason)}`;
}

/** `AC-1  configExecuting.awaitingConfirmation (Jira CONFIG执行中)  waits for ops: apply …` */
export function releaseLine(release: ReleaseView): string {
  return `${releaseLabel(release)}  ${release.step} (Jira ${release.jiraStatus})  ${waitingFor(release)}`;
}

/** One audit entry: time, who, what, and the move it made (or that it was refused). */
export function historyLine(entry: HistoryEntry): string {
  const time = entry.at.slice(11, 19);
  const move =
    entry.toState !== null && entry.toState !== entry.fromState
      ? `${entry.fromState ?? '∅'} → ${entry.toState}`
      : (entry.toState ?? '');
  const reason = (entry.detail as { reason?: unknown } | null)?.reason;
  const why = typeof reason === 'string' ? `  (${oneLine(reason, 160)})` : '';
  return `${time}  ${entry.source}/${entry.actor}  ${entry.event}${entry.accepted ? '' : ' REFUSED'}  ${move}${why}`.trimEnd();
}

/** An entry that neither moved the release nor was a person's, a refusal or a failure: a poll, an effect. */
function isRoutine(entry: HistoryEntry): boolean {
  if (!entry.accepted || (entry.toState !== null && entry.toState !== entry.fromState)) return false;
  if (entry.source === 'jira' || entry.source === 'operator' || entry.source === 'intake') return false;
  return typeof (entry.detail as { reason?: unknown } | null)?.reason !== 'string';
}

/** The control API's text view of one release: now, failure, then its history one line per entry. */
export function releaseStory(release: ReleaseView, history: readonly HistoryEntry[]): string {
  const lines = [
    `${releaseLabel(release)}  ${release.summary}  (${release.env}, iteration ${release.iteration})`,
    `now: ${release.step} (Jira ${release.jiraStatus}), ${waitingFor(release)}`,
  ];
  const failure = failureLine(release);
  if (failure !== null) lines.push(failure);
  for (const o of release.sqlOrders.filter((o) => o.iteration === release.iteration)) {
    const order = o.workflowId === null ? '' : ` (Archery order ${o.workflowId})`;
    lines.push(`sql ${o.sqlId}${order}: ${o.status}${o.error === null ? '' : `: ${oneLine(o.error)}`}`);
  }
  for (const d of release.deployments.filter((d) => d.iteration === release.iteration)) {
    lines.push(
      `deploy ${d.service} ${d.svnVersion}: ${d.status}${d.message === null ? '' : `: ${oneLine(d.message)}`}`,
    );
  }
  lines.push('history (moves, decisions and refusals; routine polls and effects counted):');
  let routine = 0;
  for (const entry of history) {
    if (isRoutine(entry)) {
      routine += 1;
      continue;
    }
    if (routine > 0) lines.push(`  … ${routine} routine step(s) without a move`);
    routine = 0;
    lines.push(`  ${historyLine(entry)}`);
  }
  if (routine > 0) lines.push(`  … ${routine} routine step(s) without a move`);
  return `${lines.join('\n')}\n`;
}
