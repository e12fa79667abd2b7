/** The small marks of a release: its state (with the site's Jira status) and how long it waits on a person. */
import type { Release } from '../api/api-types.js';
import { translateOr, useI18n } from '../i18n/language.js';
import { durationText, timeText } from './time-text.js';

export function StateBadge({ release }: { release: Pick<Release, 'state' | 'step' | 'jiraStatus'> }) {
  const { t } = useI18n();
  const top = release.state.split('.')[0];
  return (
    <span
      class={`state-badge state-${top}${release.state.endsWith('.failed') ? ' failed' : ''}`}
      title={release.step}
    >
      {translateOr(t, `state.${release.state}`, release.state)}
      <span class="jira-status">{release.jiraStatus}</span>
    </span>
  );
}

/** Whether the release has waited on a person longer than the threshold, now (it ages between events). */
export function isStuck(
  release: Pick<Release, 'waitingSince'>,
  stuckAfterMinutes: number,
  now: number,
): boolean {
  if (release.waitingSince === null) return false;
  return now - Date.parse(release.waitingSince) > stuckAfterMinutes * 60_000;
}

export function WaitBadge({
  release,
  stuckAfterMinutes,
  now,
}: {
  release: Pick<Release, 'waitingSince' | 'stuck'>;
  stuckAfterMinutes: number;
  now: number;
}) {
  const { t, lang } = useI18n();
  if (release.waitingSince === null) return null;
  const duration = durationText(t, now - Date.parse(release.waitingSince));
  const stuck = isStuck(release, stuckAfterMinutes, now);
  return (
    <span
      class={stuck ? 'wait-badge stuck' : 'wait-badge'}
      title={t('stuck.title', { since: timeText(lang, release.waitingSince), minutes: stuckAfterMinutes })}
    >
      {stuck ? t('stuck.badge', { duration }) : t('waiting.badge', { duration })}
    </span>
  );
}
