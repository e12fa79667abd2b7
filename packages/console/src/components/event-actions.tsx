/**
 * The decisions a person may take now: the release's accepted events that are person events, each a
 * button (labelled in the page's language, with the site's Jira transition name), with a reason field for
 * the events that take one. Sent as the signed-in person; the server checks the person's groups.
 */
import { useState } from 'preact/hooks';
import { ApiFailure, api } from '../api/api-client.js';
import type { Release } from '../api/api-types.js';
import { useApp } from '../app-context.js';
import { translateOr, useI18n } from '../i18n/language.js';

export function EventActions({ release, onSent }: { release: Release; onSent(release: Release): void }) {
  const { t } = useI18n();
  const { settings, person, sessionEnded } = useApp();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  const available = settings.personEvents.filter((e) => release.acceptedEvents.includes(e.type));
  const mine = new Set(person.groups.map((g) => g.toLowerCase()));
  const allowed = (groups: string[] | null) =>
    groups === null || person.via === 'operator-token' || groups.some((g) => mine.has(g.toLowerCase()));

  const send = async (type: string, takesReason: boolean) => {
    setBusy(type);
    setOutcome(null);
    try {
      const answer = await api.sendEvent(
        release.key ?? release.releaseId,
        type,
        takesReason ? reason.trim() : undefined,
      );
      setReason('');
      setOutcome({
        ok: true,
        text: t('actions.sent', { event: translateOr(t, `event.${type}`, type), name: person.name }),
      });
      onSent(answer);
    } catch (failure) {
      if (failure instanceof ApiFailure && failure.status === 401) return sessionEnded();
      const message = failure instanceof Error ? failure.message : String(failure);
      setOutcome({
        ok: false,
        text:
          failure instanceof ApiFailure && failure.status === 403
            ? t('error.forbidden', { message })
            : t('error.generic', { message }),
      });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="actions" aria-labelledby="actions-title">
      <h2 id="actions-title">{t('actions.title')}</h2>
      {available.length === 0 ? (
        <p class="muted">{t('actions.none')}</p>
      ) : (
        <>
          {available.some((e) => e.takesReason) && (
            <label class="reason">
              {t('actions.reason')}
              <textarea
                name="reason"
                rows={2}
                maxLength={4000}
                value={reason}
                onInput={(e) => setReason(e.currentTarget.value)}
              />
            </label>
          )}
          <div class="buttons">
            {available.map((e) => (
              <button
                type="button"
                key={e.type}
                data-event={e.type}
                class={e.type.includes('FAILED') ? 'danger' : 'primary'}
                disabled={busy !== null || !allowed(e.allowedGroups)}
                title={
                  e.allowedGroups === null
                    ? e.jiraTransition
                    : `${e.jiraTransition} — ${t('actions.onlyGroups', { groups: e.allowedGroups.join(', ') })}`
                }
                onClick={() => send(e.type, e.takesReason)}
              >
                {busy === e.type ? t('actions.busy') : translateOr(t, `event.${e.type}`, e.type)}
                <span class="transition">{e.jiraTransition}</span>
              </button>
            ))}
          </div>
        </>
      )}
      {outcome !== null && (
        <p class={outcome.ok ? 'notice' : 'error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
    </section>
  );
}
