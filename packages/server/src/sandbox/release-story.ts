/**
 * The terminal's story of sandbox mode: one line whenever a release moves to another step or fails
 * (from the runtime's `subscribe` hook), so a newcomer sees what happens while the request logs go to
 * the log file.
 */
import type { ReleaseRuntimeApi } from '../runtime/runtime-api.js';
import { failureLine, releaseLabel, waitingFor } from './release-lines.js';

export async function tellReleaseStory(
  runtime: Pick<ReleaseRuntimeApi, 'subscribe' | 'getRelease' | 'listReleases'>,
  say: (line: string) => void,
): Promise<() => void> {
  const told = new Map<string, { step: string; failure: string | null; label: string }>();
  // Releases from before a restart are not new: only their next move is told.
  for (let offset = 0; ; offset += 200) {
    const page = await runtime.listReleases({ limit: 200, offset });
    for (const r of page.items) {
      told.set(r.releaseId, { step: r.step, failure: failureLine(r), label: releaseLabel(r) });
    }
    if (page.items.length < 200) break;
  }
  // Each change is read after the one before it is told, so the lines keep the order of the changes.
  let telling: Promise<void> = Promise.resolve();
  return runtime.subscribe(({ releaseId }) => {
    telling = telling.then(() => tell(releaseId)).catch(() => undefined);
  });

  async function tell(releaseId: string): Promise<void> {
    const release = await runtime.getRelease(releaseId);
    if (release === null) return;
    const before = told.get(releaseId);
    const label = releaseLabel(release);
    const failure = failureLine(release);
    const time = new Date().toTimeString().slice(0, 8);
    if (before === undefined) {
      say(`${time}  ${label}  new release "${release.summary}": ${release.step}, ${waitingFor(release)}`);
    } else {
      if (before.label !== label) say(`${time}  ${label}  Jira issue created for "${release.summary}"`);
      if (before.step !== release.step) {
        say(`${time}  ${label}  → ${release.step} (Jira ${release.jiraStatus}): ${waitingFor(release)}`);
      }
    }
    if (failure !== null && failure !== before?.failure) say(`${time}  ${label}  ${failure}`);
    told.set(releaseId, { step: release.step, failure, label });
  }
}
