/**
 * The console: who is signed in (GET /api/session; the sign-in form otherwise), the server's settings,
 * one live stream for every page, the language switch, and the page the address names.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiFailure, api, rememberCsrfToken } from './api/api-client.js';
import type { ConsoleSettings, Person } from './api/api-types.js';
import { LiveEvents, type LiveStatus } from './api/live-events.js';
import { AppContext, type AppState } from './app-context.js';
import {
  type Language,
  LanguageContext,
  languages,
  rememberLanguage,
  translator,
  useI18n,
} from './i18n/language.js';
import { ReleaseListPage } from './pages/release-list-page.js';
import { ReleasePage } from './pages/release-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { followInPage, routeOf, useLocation } from './router.js';

type Session =
  | { kind: 'loading' }
  | { kind: 'signed-out'; expired: boolean }
  | { kind: 'signed-in'; person: Person; settings: ConsoleSettings | null }
  | { kind: 'failed'; message: string };

function Header({
  person,
  status,
  onSignOut,
}: {
  person: Person | null;
  status: LiveStatus;
  onSignOut(): void;
}) {
  const { t, lang, setLang } = useI18n();
  return (
    <header class="top">
      <a class="brand" href="/ui/" onClick={(e) => followInPage(e, '/ui/')}>
        {t('app.title')}
      </a>
      {person !== null && <span class={`live ${status}`}>{t(`app.live.${status}`)}</span>}
      <span class="spacer" />
      <fieldset class="language">
        <legend>{t('app.language')}</legend>
        {languages.map((l) => (
          <button
            type="button"
            key={l}
            lang={l}
            aria-pressed={l === lang}
            class={l === lang ? 'chosen' : ''}
            onClick={() => setLang(l)}
          >
            {l === 'zh' ? '中文' : 'English'}
          </button>
        ))}
      </fieldset>
      {person !== null && (
        <>
          <span class="who" title={person.groups.join(', ')}>
            {t('app.signedInAs', { name: person.displayName })}
          </span>
          <button type="button" class="sign-out" onClick={onSignOut}>
            {t('app.signOut')}
          </button>
        </>
      )}
    </header>
  );
}

export function App({ initialLanguage }: { initialLanguage: Language }) {
  const [lang, setLangState] = useState(initialLanguage);
  const [session, setSession] = useState<Session>({ kind: 'loading' });
  const [status, setStatus] = useState<LiveStatus>('offline');
  const live = useMemo(() => new LiveEvents(), []);
  const where = useLocation();

  const i18n = useMemo(
    () => ({
      lang,
      t: translator(lang),
      setLang(next: Language) {
        rememberLanguage(next);
        setLangState(next);
      },
    }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);

  const signedIn = (person: Person) => {
    rememberCsrfToken(person.csrfToken ?? null);
    setSession({ kind: 'signed-in', person, settings: null });
    api.settings().then(
      (settings) => setSession({ kind: 'signed-in', person, settings }),
      (failure: unknown) => setSession({ kind: 'failed', message: String(failure) }),
    );
    live.start();
  };
  const signedOut = (expired: boolean) => {
    live.stop();
    rememberCsrfToken(null);
    setSession({ kind: 'signed-out', expired });
  };

  useEffect(() => {
    const unsubscribe = live.subscribe({ status: setStatus, sessionEnded: () => signedOut(true) });
    api.whoAmI().then(signedIn, (failure: unknown) => {
      if (failure instanceof ApiFailure && failure.status === 401) signedOut(false);
      else
        setSession({ kind: 'failed', message: failure instanceof Error ? failure.message : String(failure) });
    });
    return () => {
      unsubscribe();
      live.stop();
    };
  }, []);

  const signOut = () => {
    api.signOut().finally(() => signedOut(false));
  };

  const person = session.kind === 'signed-in' ? session.person : null;
  const route = routeOf(where.path);
  let page = <main>{i18n.t('app.loading')}</main>;
  if (session.kind === 'signed-out') page = <SignInPage expired={session.expired} onSignedIn={signedIn} />;
  if (session.kind === 'failed') {
    page = (
      <main>
        <p class="error" role="alert">
          {i18n.t('error.generic', { message: session.message })}
        </p>
        <button type="button" onClick={() => location.reload()}>
          {i18n.t('app.retry')}
        </button>
      </main>
    );
  }
  let state: AppState | null = null;
  if (session.kind === 'signed-in' && session.settings !== null) {
    state = { person: session.person, settings: session.settings, live, sessionEnded: () => signedOut(true) };
    page =
      route.page === 'release' ? (
        <ReleasePage releaseRef={route.ref} />
      ) : (
        <ReleaseListPage search={where.search} />
      );
  }

  return (
    <LanguageContext.Provider value={i18n}>
      <AppContext.Provider value={state}>
        <Header person={person} status={status} onSignOut={signOut} />
        {page}
      </AppContext.Provider>
    </LanguageContext.Provider>
  );
}
