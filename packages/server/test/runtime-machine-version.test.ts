import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RuntimeHarness, releaseRequest, startRuntimeHarness } from './runtime-harness.js';

let h: RuntimeHarness;

beforeEach(async () => {
  h = await startRuntimeHarness({ start: false, upstreams: false });
});

afterEach(async () => {
  await h?.close();
});

describe('a snapshot written by an unknown machine version', () => {
  it('is refused with a clear error and never half-loaded or overwritten', async () => {
    const request = releaseRequest({ sql_info: [] });
    const { release } = await h.runtime.intake(request, 'release-system');
    // Another cdflow version wrote the database (e.g. a newer one ran on it); this one starts on it.
    await h.restart({ start: false });
    h.store.sqlite
      .prepare('update releases set machine_version = 999 where release_id = ?')
      .run(release.releaseId);
    const before = h.repo.getById(release.releaseId)!;

    expect(() => h.runtime.getRelease(release.releaseId)).toThrow(
      expect.objectContaining({ code: 'MACHINE_VERSION' }),
    );
    await expect(
      h.runtime.sendEvent(release.releaseId, { type: 'FINISH', by: 'ops' }, 'operator'),
    ).rejects.toMatchObject({ code: 'MACHINE_VERSION', message: expect.stringMatching(/999/) });
    await expect(h.runtime.intake(request, 'release-system')).rejects.toMatchObject({
      code: 'MACHINE_VERSION',
    });

    const after = h.repo.getById(release.releaseId)!;
    expect(after.revision).toBe(before.revision);
    expect(after.snapshot).toEqual(before.snapshot);
  });
});
