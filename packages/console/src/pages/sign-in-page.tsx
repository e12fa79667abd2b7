/** The sign-in form: the Jira user name and password go to POST /api/session, which asks Jira once. */
import { useState } from 'preact/hooks';
import { ApiFailure, api } from '../api/api-client.js';
import type { Person } from '../api/api-types.js';
import { TextField } from '../components/form-fields.js';
import { translateOr, useI18n } from '../i18n/language.js';

export function SignInPage({ expired, onSignedIn }: { expired: boolean; onSignedIn(person: Person): void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(username.trim(), password));
    } catch (failure) {
      // Known refusals in the page's language; anything else as the server said it.
      setError(
        failure instanceof ApiFailure
          ? translateOr(t, `error.${failure.reason}`, failure.message)
          : String(failure),
      );
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        {expired && <p class="notice">{t('signIn.expired')}</p>}
        <TextField
          label={t('signIn.username')}
          name="username"
          autocomplete="username"
          required
          value={username}
          onValue={setUsername}
        />
        <TextField
          label={t('signIn.password')}
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('signIn.busy') : t('signIn.submit')}
        </button>
        <p class="hint">{t('signIn.hint')}</p>
      </form>
    </main>
  );
}
