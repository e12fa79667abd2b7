/**
 * One release: its state in the diagram, the decisions a person may take now, the plan with reasons,
 * the SQL orders (linked to Archery), the deployments and the history. The live stream keeps it current.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, api } from '../api/api-client.js';
import type { HistoryEntry, Release } from '../api/api-types.js';
import { useApp } from '../app-context.js';
import { EventActions } from '../components/event-actions.js';
import { HistoryTimeline } from '../components/history-timeline.js';
import { StateBadge, WaitBadge } from '../components/release-badges.js';
import { DeploymentsSection, PlanSection, SqlOrdersSection } from '../components/release-sections.js';
import { SituationSection } from '../components/release-situation.js';
import { timeText } from '../components/time-text.js';
import { stuckCheckMs, useNow } from '../components/use-now.js';
import { type MachineGraph, machineGraph, productStateOf } from '../diagram/machine-graph.js';
import { StateDiagram } from '../diagram/state-diagram.js';
import { useI18n } from '../i18n/language.js';
import { followInPage } from '../router.js';

let graphOnce: Promise<MachineGraph> | null = null;
/** The machine does not change while the server runs: read and lay it out once per page load. */
function loadGraph(): Promise<MachineGraph> {
  graphOnce ??= api.machine().then((m) => machineGraph(m.definition, m.mermaid));
  graphOnce.catch(() => {
    graphOnce = null;
  });
  return graphOnce;
}

export function ReleasePage({ releaseRef }: { releaseRef: string }) {
  const { t, lang } = useI18n();
  const { settings, live, sessionEnded } = useApp();
  const now = useNow(stuckCheckMs(settings.stuckAfterMinutes));
  const [release, setRelease] = useState<Release | null>(null);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [graph, setGraph] = useState<MachineGraph | null>(null);
  const [error, setError] = useState<string | null>(null);
  const historyTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const releaseId = useRef<string | null>(null);

  const fail = (failure: unknown) => {
    if (failure instanceof ApiFailure && failure.status === 401) return sessionEnded();
    if (failure instanceof ApiFailure && failure.status === 404)
      return setError(t('release.notFound', { ref: releaseRef }));
    setError(failure instanceof Error ? failure.message : String(failure));
  };
  const loadHistory = () => api.history(releaseRef).then((h) => setHistory(h.items), fail);
  const loadRelease = () =>
    api.release(releaseRef).then((r) => {
      releaseId.current = r.releaseId;
      setRelease(r);
      setError(null);
    }, fail);

  useEffect(() => {
    setRelease(null);
    setHistory([]);
    loadRelease();
    loadHistory();
    loadGraph().then(setGraph, fail);
    const unsubscribe = live.subscribe({
      open: () => {
        loadRelease();
        loadHistory();
      },
      release: (changed) => {
        if (changed.releaseId !== releaseId.current) return;
        setRelease(changed);
        // The history follows the change; one read per burst.
        historyTimer.current ??= setTimeout(() => {
          historyTimer.current = null;
          loadHistory();
        }, 150);
      },
    });
    return () => {
      unsubscribe();
      if (historyTimer.current !== null) clearTimeout(historyTimer.current);
      historyTimer.current = null;
    };
  }, [releaseRef, live]);

  if (error !== null && release === null) {
    return (
      <main class="release">
        <p class="error" role="alert">
          {error}
        </p>
      </main>
    );
  }
  if (release === null) return <main class="release">{t('app.loading')}</main>;

  const jiraLink =
    release.key === null ? null : `${settings.jiraUrl.replace(/\/+$/, '')}/browse/${release.key}`;
  return (
    <main class="release" data-release={release.releaseId} data-state={release.state}>
      <p>
        <a href="/ui/" onClick={(e) => followInPage(e, '/ui/')}>
          {t('app.back')}
        </a>
      </p>
      <header class="release-head">
        <h1>{release.summary}</h1>
        <div class="facts">
          <StateBadge release={release} />
          <WaitBadge release={release} stuckAfterMinutes={settings.stuckAfterMinutes} now={now} />
          <span>
            {t('release.jira')}:{' '}
            {jiraLink === null ? (
              '—'
            ) : (
              <a href={jiraLink} target="_blank" rel="noreferrer">
                {release.key}
              </a>
            )}
          </span>
          <span>
            {t('release.project')}: {release.project} · {release.env}
          </span>
          <span>
            {t('release.iteration')}: {release.iteration}
          </span>
          <span>
            {t('release.step')}: <code>{release.step}</code>
          </span>
          <span title={release.createdAt}>
            {t('release.updated')}: {timeText(lang, release.updatedAt)}
          </span>
        </div>
        {release.failure !== null && (
          <p class="error failure">
            {t('release.failure', { stage: release.failure.stage })}: {release.failure.reason}
          </p>
        )}
        {release.warnings.length > 0 && (
          <details class="warnings">
            <summary>
              {t('release.warnings')} ({release.warnings.length})
            </summary>
            <ul>
              {release.warnings.map((w) => (
                <li key={`${w.ruleId}-${w.location}`}>
                  {w.ruleId} {w.location}: {w.message}
                </li>
              ))}
            </ul>
          </details>
        )}
      </header>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <SituationSection release={release} />
      <EventActions release={release} onSent={setRelease} />
      <section class="diagram" aria-labelledby="diagram-title">
        <h2 id="diagram-title">{t('diagram.title')}</h2>
        {graph === null ? (
          <p>{t('app.loading')}</p>
        ) : (
          <StateDiagram
            graph={graph}
            settings={settings}
            current={productStateOf(release.state)}
            acceptedEvents={release.acceptedEvents}
          />
        )}
      </section>
      <div class="columns">
        <div>
          <PlanSection release={release} />
          <SqlOrdersSection orders={release.sqlOrders} />
          <DeploymentsSection deployments={release.deployments} />
        </div>
        <div>
          <HistoryTimeline entries={history} />
        </div>
      </div>
    </main>
  );
}
