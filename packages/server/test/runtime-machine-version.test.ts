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
    await h.database.sql('update releases set machine_version = 999 where release_id = ?', [
      release.releaseId,
    ]);
    const before = (await h.store.getById(release.releaseId))!;

    await expect(h.runtime.getRelease(release.releaseId)).rejects.toMatchObject({ code: 'MACHINE_VERSION' });
    await expect(
      h.runtime.sendEvent(release.releaseId, { type: 'FINISH', by: 'ops' }, 'operator'),
    ).rejects.toMatchObject({ code: 'MACHINE_VERSION', message: expect.stringMatching(/999/) });
    await expect(h.runtime.intake(request, 'release-system')).rejects.toMatchObject({
      code: 'MACHINE_VERSION',
    });

    const after = (await h.store.getById(release.releaseId))!;
    expect(after.revision).toBe(before.revision);
    expect(after.snapshot).toEqual(before.snapshot);
  });
});
