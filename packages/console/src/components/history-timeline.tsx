/** The release's history as a timeline: when, who (the authenticated actor), what, from which state to which. */
import { useState } from 'preact/hooks';
import type { HistoryEntry } from '../api/api-types.js';
import { useI18n } from '../i18n/language.js';
import { timeText } from './time-text.js';

/** Entries cdflow writes for its own steps (effects, timers), hidden on request. */
const automatic = new Set(['runner', 'system']);

export function HistoryTimeline({ entries }: { entries: HistoryEntry[] }) {
  const { t, lang } = useI18n();
  const [hideAuto, setHideAuto] = useState(false);
  const shown = (hideAuto ? entries.filter((e) => !automatic.has(e.source)) : entries).slice().reverse();
  return (
    <section class="history" aria-labelledby="history-title">
      <h2 id="history-title">{t('history.title')}</h2>
      <label class="toggle">
        <input type="checkbox" checked={hideAuto} onChange={(e) => setHideAuto(e.currentTarget.checked)} />{' '}
        {t('history.hideAuto')}
      </label>
      <ol class="timeline">
        {shown.map((entry) => (
          <li
            key={entry.seq}
            class={`source-${entry.source}${entry.accepted ? '' : ' refused'}`}
            data-event={entry.event}
            data-actor={entry.actor}
          >
            <time dateTime={entry.at}>{timeText(lang, entry.at)}</time>
            <span class="actor" title={entry.source}>
              {entry.actor}
            </span>
            <span class="event">{entry.event}</span>
            {entry.fromState !== entry.toState && (
              <span class="move">
                {entry.fromState ?? '∅'} → {entry.toState ?? '∅'}
              </span>
            )}
            {!entry.accepted && <span class="refused-mark">{t('history.refused')}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
