import type { SqlFileRef } from '@cdflow/core';

/** The SQL item naming a seed file at a version (a revision, tag or sha). */
export const seedFileRef = (
  f: { svnPath: string; svnFile: string },
  svnVersion: string | number,
): SqlFileRef => ({
  svnPath: f.svnPath,
  svnFile: f.svnFile,
  svnVersion: String(svnVersion),
});
