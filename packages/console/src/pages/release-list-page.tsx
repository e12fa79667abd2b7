/**
 * Every release, newest first, filtered by state, project and environment and searched by summary or
 * Jira key (the filters live in the address). Rows change in place as the live stream reports changes;
 * a release that waits on a person too long is marked stuck.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiFailure, api, type ListQuery } from '../api/api-client.js';
import type { Release, ReleaseList } from '../api/api-types.js';
import { useApp } from '../app-context.js';
import { ColumnHeads } from '../components/column-heads.js';
import { SelectField, TextField } from '../components/form-fields.js';
import { isStuck, StateBadge, WaitBadge } from '../components/release-badges.js';
import { durationText, timeText } from '../components/time-text.js';
import { stuckCheckMs, useNow } from '../components/use-now.js';
import { translateOr, useI18n } from '../i18n/language.js';
import { followInPage, navigate, releasePath } from '../router.js';

const pageSize = 50;
const stateOptions = [
  'sqlPending',
  'sqlPending.failed',
  'sqlExecuting',
  'configExecuting',
  'codeExecuting',
  'uatComplete',
  'fixing',
  'prodUpgrade',
  'closed',
];

interface Filters {
  state: string;
  project: string;
  env: string;
  q: string;
  page: number;
}

function filtersOf(search: string): Filters {
  const params = new URLSearchParams(search);
  return {
    state: params.get('state') ?? '',
    project: params.get('project') ?? '',
    env: params.get('env') ?? '',
    q: params.get('q') ?? '',
    page: Math.max(1, Number(params.get('page') ?? '1') || 1),
  };
}

function searchOf(filters: Filters): string {
  const params = new URLSearchParams();
  for (const name of ['state', 'project', 'env', 'q'] as const)
    if (filters[name] !== '') params.set(name, filters[name]);
  if (filters.page > 1) params.set('page', String(filters.page));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export function ReleaseListPage({ search }: { search: string }) {
  const { t, lang } = useI18n();
  const { settings, live, sessionEnded } = useApp();
  const now = useNow(stuckCheckMs(settings.stuckAfterMinutes));
  const filters = useMemo(() => filtersOf(search), [search]);
  const [typed, setTyped] = useState(filters.q);
  const [list, setList] = useState<ReleaseList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const load = useRef<() => void>(() => undefined);
  // The list as rendered, for the live listener (a state updater runs later, not when it is called).
  const shown = useRef<ReleaseList | null>(null);
  shown.current = list;

  const setFilters = (next: Partial<Filters>) => {
    navigate(`/ui/${searchOf({ ...filters, page: 1, ...next })}`, { replace: true });
  };
  /** A filter's field: its name, its value from the address, and the filter a new value sets. */
  const filterField = (name: 'state' | 'project' | 'env', clean = (value: string) => value) => ({
    name,
    value: filters[name],
    onValue: (value: string) => {
      const next: Partial<Filters> = {};
      next[name] = clean(value);
      setFilters(next);
    },
  });

  load.current = () => {
    const query: ListQuery = {
      limit: pageSize,
      offset: (filters.page - 1) * pageSize,
      ...(filters.state !== '' ? { state: filters.state } : {}),
      ...(filters.project !== '' ? { project: filters.project } : {}),
      ...(filters.env !== '' ? { env: filters.env } : {}),
      ...(filters.q.trim() !== '' ? { q: filters.q.trim() } : {}),
    };
    api.releases(query).then(
      (answer) => {
        setList(answer);
        setError(null);
      },
      (failure: unknown) => {
        if (failure instanceof ApiFailure && failure.status === 401) sessionEnded();
        else setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
  };

  useEffect(() => load.current(), [filters]);

  // Typing in the search box waits for a pause before it asks the server.
  useEffect(() => {
    if (typed === filters.q) return;
    const timer = setTimeout(() => setFilters({ q: typed }), 250);
    return () => clearTimeout(timer);
  }, [typed]);

  useEffect(() => {
    const refetchSoon = () => {
      if (refetchTimer.current !== null) return;
      refetchTimer.current = setTimeout(() => {
        refetchTimer.current = null;
        load.current();
      }, 400);
    };
    const unsubscribe = live.subscribe({
      open: () => load.current(),
      release: (changed: Release) => {
        const onPage = shown.current?.items.some((r) => r.releaseId === changed.releaseId) ?? false;
        if (onPage) {
          setList((current) =>
            current === null
              ? current
              : {
                  ...current,
                  items: current.items.map((r) => (r.releaseId === changed.releaseId ? changed : r)),
                },
          );
        }
        // A new release, or one that may have left or joined the filtered list: ask again, once per burst.
        if (!onPage || filters.state !== '' || filters.q !== '') refetchSoon();
      },
    });
    return () => {
      unsubscribe();
      if (refetchTimer.current !== null) clearTimeout(refetchTimer.current);
      refetchTimer.current = null;
    };
  }, [live, filters]);

  const pages = list === null ? 1 : Math.max(1, Math.ceil(list.total / pageSize));
  const stuckCount = list?.items.filter((r) => isStuck(r, settings.stuckAfterMinutes, now)).length ?? 0;
  const any = ['', t('list.any')] as const;
  const stateChoices = [any, ...stateOptions.map((s) => [s, translateOr(t, `state.${s}`, s)] as const)];
  const envChoices = [any, ['UAT', 'UAT'] as const, ['PRO', 'PRO'] as const];

  return (
    <main class="release-list">
      <form class="filters" aria-label={t('list.filters')} onSubmit={(e) => e.preventDefault()}>
        <TextField
          label={t('list.search')}
          name="q"
          type="search"
          value={typed}
          maxLength={200}
          onValue={setTyped}
        />
        <SelectField label={t('list.state')} {...filterField('state')} options={stateChoices} />
        <TextField
          label={t('list.project')}
          {...filterField('project', (v) => v.trim())}
          maxLength={64}
          on="change"
        />
        <SelectField label={t('list.env')} {...filterField('env')} options={envChoices} />
      </form>

      {error !== null && (
        <p class="error" role="alert">
          {t('error.generic', { message: error })}
        </p>
      )}
      {list === null && error === null && <p>{t('app.loading')}</p>}
      {list !== null && (
        <>
          <p class="count">
            {t('list.count', { count: list.total })}
            {stuckCount > 0 && (
              <span class="wait-badge stuck">
                {' · '}
                {t('list.stuckCount', {
                  count: stuckCount,
                  duration: durationText(t, settings.stuckAfterMinutes * 60_000),
                })}
              </span>
            )}
          </p>
          {list.items.length === 0 ? (
            <p class="empty">{t('list.empty')}</p>
          ) : (
            <table class="releases">
              <ColumnHeads
                labels={[
                  t('list.key'),
                  t('list.summary'),
                  t('list.project'),
                  t('list.stateColumn'),
                  t('list.iteration'),
                  t('list.updated'),
                ]}
              />
              <tbody>
                {list.items.map((release) => {
                  const ref = release.key ?? release.releaseId;
                  const stuck = isStuck(release, settings.stuckAfterMinutes, now);
                  return (
                    <tr
                      key={release.releaseId}
                      class={stuck ? 'stuck' : ''}
                      data-release={release.releaseId}
                      data-state={release.state}
                    >
                      <td>
                        <a href={releasePath(ref)} onClick={(e) => followInPage(e, releasePath(ref))}>
                          {release.key ?? '—'}
                        </a>
                      </td>
                      <td class="summary">
                        <a href={releasePath(ref)} onClick={(e) => followInPage(e, releasePath(ref))}>
                          {release.summary}
                        </a>
                      </td>
                      <td>
                        {release.project} · {release.env}
                      </td>
                      <td>
                        <StateBadge release={release} />{' '}
                        <WaitBadge
                          release={release}
                          stuckAfterMinutes={settings.stuckAfterMinutes}
                          now={now}
                        />
                      </td>
                      <td>{release.iteration}</td>
                      <td title={timeText(lang, release.updatedAt)}>
                        {durationText(t, now - Date.parse(release.updatedAt))}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {pages > 1 && (
            <nav class="pager">
              <button
                type="button"
                disabled={filters.page <= 1}
                onClick={() => setFilters({ page: filters.page - 1 })}
              >
                {t('list.previous')}
              </button>
              <span>{t('list.page', { page: filters.page, pages })}</span>
              <button
                type="button"
                disabled={filters.page >= pages}
                onClick={() => setFilters({ page: filters.page + 1 })}
              >
                {t('list.next')}
              </button>
            </nav>
          )}
        </>
      )}
    </main>
  );
}
