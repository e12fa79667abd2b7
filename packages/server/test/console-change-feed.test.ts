/**
 * The console's change feed reads a changed release only for a listener that wants it: with no page
 * open and nothing remembered by the person-wait clock, the runtime's commits cost no read.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ReleaseChangeFeed } from '../src/http/console/release-change-feed.js';
import type { ReleaseRuntimeApi, ReleaseView } from '../src/runtime/runtime-api.js';

function runtimeWithChanges() {
  let notify: (change: { releaseId: string }) => void = () => {};
  const reads: string[] = [];
  const runtime = {
    subscribe(listener: (change: { releaseId: string }) => void) {
      notify = listener;
      return () => {
        notify = () => {};
      };
    },
    async getRelease(releaseId: string) {
      reads.push(releaseId);
      return { releaseId } as unknown as ReleaseView;
    },
  } as unknown as ReleaseRuntimeApi;
  return { runtime, reads, change: (releaseId: string) => notify({ releaseId }) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('the console change feed', () => {
  it('reads nothing for changes no listener wants, and each wanted release once per burst', async () => {
    const { runtime, reads, change } = runtimeWithChanges();
    const feed = new ReleaseChangeFeed(runtime, { coalesceMs: 5, logger: pino({ level: 'silent' }) });
    const seen: string[] = [];
    let pageOpen = false;
    feed.on(
      (view) => seen.push(view.releaseId),
      (releaseId) => pageOpen || releaseId === 'rel-remembered',
    );
    change('rel-a');
    change('rel-a');
    await settle();
    expect(reads).toEqual([]);
    change('rel-remembered');
    await settle();
    expect(reads).toEqual(['rel-remembered']);
    pageOpen = true;
    change('rel-a');
    change('rel-a');
    change('rel-b');
    await settle();
    expect(reads).toEqual(['rel-remembered', 'rel-a', 'rel-b']);
    expect(seen).toEqual(['rel-remembered', 'rel-a', 'rel-b']);
    feed.stop();
  });
});
