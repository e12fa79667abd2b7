/**
 * Where the release is and why, as the server explains it: the step and what it waits for in words, an
 * upstream that keeps failing (since when, tries, next try, last error), and a policy refusal's findings.
 */
import type { Release } from '../api/api-types.js';
import { useI18n } from '../i18n/language.js';
import { timeText } from './time-text.js';

export function SituationSection({ release }: { release: Pick<Release, 'situation'> }) {
  const { t, lang } = useI18n();
  const { situation } = release;
  const wait = situation.waitsFor;
  const failing = wait?.kind === 'upstream' && wait.attempts > 0 ? wait : null;
  const findings = situation.lastFailure?.findings ?? [];
  return (
    <section class="situation" aria-labelledby="situation-title">
      <h2 id="situation-title">{t('situation.title')}</h2>
      <p class="situation-summary">{situation.summary}</p>
      {failing !== null && (
        <dl class="situation-upstream">
          <dt>{t('situation.upstream')}</dt>
          <dd>{failing.upstream}</dd>
          <dt>{t('situation.since')}</dt>
          <dd title={failing.since ?? ''}>{failing.since === null ? '—' : timeText(lang, failing.since)}</dd>
          <dt>{t('situation.attempts')}</dt>
          <dd>{failing.attempts}</dd>
          <dt>{t('situation.nextTry')}</dt>
          <dd title={failing.nextTryAt ?? ''}>
            {failing.nextTryAt === null ? '—' : timeText(lang, failing.nextTryAt)}
          </dd>
          <dt>{t('situation.lastError')}</dt>
          <dd class="error-text">{failing.lastError ?? '—'}</dd>
        </dl>
      )}
      {findings.length > 0 && (
        <>
          <h3>{t('situation.findings')}</h3>
          <ul class="situation-findings">
            {findings.map((f) => (
              <li key={`${f.ruleId}-${f.location}`}>
                <code>{f.ruleId}</code> {f.location}: {f.message}
                {f.suggestion ? ` (${t('situation.fix', { fix: f.suggestion })})` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
