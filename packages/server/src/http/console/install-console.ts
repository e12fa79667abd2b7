/**
 * Everything the web console needs from the server: the live feed of release changes, the person-wait
 * clock (stuck releases), GET /api/events, GET /api/console/settings and the built console itself.
 * Returns what the release routes use to annotate their answers.
 */
import type { ReleaseView } from '../../runtime/runtime-api.js';
import type { PeopleAuth } from '../auth/people-auth.js';
import type { CdflowApp, RouteContext } from '../route-context.js';
import { registerConsoleAssets } from './console-assets.js';
import { registerConsoleSettingsRoute } from './console-settings-route.js';
import { PersonWaitClock, type WaitingView } from './person-wait-clock.js';
import { ReleaseChangeFeed } from './release-change-feed.js';
import { registerReleaseEventStream } from './release-event-stream.js';

export interface LiveReleases {
  /** The release with `waitingSince` and `stuck`, as every release answer carries it. */
  annotate(view: ReleaseView): Promise<WaitingView>;
}

export interface InstallConsoleOptions {
  /** Changes of one release within this window make one event (default 100 ms). */
  coalesceMs?: number;
  /** Heartbeat comment interval of GET /api/events (default 15 s). */
  heartbeatMs?: number;
}

export async function installConsole(
  app: CdflowApp,
  context: RouteContext & { people: PeopleAuth },
  options: InstallConsoleOptions = {},
): Promise<LiveReleases> {
  const feed = new ReleaseChangeFeed(context.runtime, {
    coalesceMs: options.coalesceMs ?? 100,
    logger: app.log,
  });
  app.addHook('onClose', async () => feed.stop());
  const clock = new PersonWaitClock(context.runtime, context.config.console.stuckAfterMinutes * 60_000);
  // The clock hears of a change before the stream annotates it (only of releases it remembers).
  feed.on(
    (view) => clock.observe(view),
    (releaseId) => clock.remembers(releaseId),
  );
  const annotate = (view: ReleaseView) => clock.annotate(view);

  registerReleaseEventStream(app, {
    people: context.people,
    feed,
    annotate,
    heartbeatMs: options.heartbeatMs ?? 15_000,
  });
  registerConsoleSettingsRoute(app, context);
  await registerConsoleAssets(app, context);
  return { annotate };
}
