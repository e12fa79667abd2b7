import { CdflowError } from '@cdflow/core';
import { expect } from 'vitest';
import { sqlSeedFiles } from '../../../sandbox/src/svn/index.js';
import { rejectionOf } from './rejection-of.js';
import { seedFileRef } from './seed-file-ref.js';

/** What the SQL source tests hand each source besides its own settings: a short timeout, 2 retries by default. */
export const sqlSourceTuning = (retries = 2) => ({ timeoutMs: 2000, retries });

/** The `CdflowError` a SQL source's fetch rejects with. */
export const fetchFailure = (promise: Promise<unknown>) => rejectionOf(promise, CdflowError);

/** The seed's `store_by_region` view at 2001 (a revision in SVN, a tag in GitLab). */
export const storeByRegionAt2001 = seedFileRef(sqlSeedFiles.storeByRegion, 2001);

/**
 * A fetch with wrong credentials: refused UNAUTHORIZED (401) in one call, not retried, saying what to check
 * and never showing the secret. Gives the error back for the source's own checks.
 */
export async function credentialsRefusal(
  fetching: Promise<unknown>,
  expected: { check: string; secret: string; calls: () => number },
): Promise<CdflowError> {
  const err = await fetchFailure(fetching);
  expect(err).toMatchObject({ code: 'UNAUTHORIZED', retryable: false, status: 401 });
  expect(err.message).toContain(expected.check);
  expect(JSON.stringify(err)).not.toContain(expected.secret);
  expect(expected.calls()).toBe(1);
  return err;
}
