import type { CmdbTarget } from '@cdflow/core';
import { UpstreamError } from '../http/index.js';

/** The tag a code item means: "" (and whitespace) means V1; tags compare case-insensitively. */
export function normalizeCmdbTag(tag: string | null | undefined): string {
  const trimmed = (tag ?? '').trim();
  return trimmed === '' ? 'V1' : trimmed.toUpperCase();
}

/**
 * Pick the deploy target a code item's `tag` selects among the targets of one env and svn path.
 * Throws `UpstreamError` code `NO_TARGET` naming the svn path, the tag and the tags that exist when none
 * matches, and also when several match: deploying to a guessed one would be worse than stopping.
 */
export function selectTarget(
  targets: readonly CmdbTarget[],
  tag: string | null | undefined,
  where: { env?: string; svnPath?: string } = {},
): CmdbTarget {
  const wanted = normalizeCmdbTag(tag);
  const matches = targets.filter((t) => normalizeCmdbTag(t.tag) === wanted);
  const svnPath = where.svnPath ?? targets[0]?.svnPath ?? '(unknown svn path)';
  const envText = where.env ? ` in ${where.env}` : '';
  const requested =
    tag === undefined || tag === null || tag.trim() === '' ? `"" (meaning ${wanted})` : wanted;
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    const existing = [...new Set(targets.map((t) => normalizeCmdbTag(t.tag)))].sort();
    const known =
      existing.length === 0
        ? 'the CMDB has no target at all for this svn path'
        : `tags that exist: ${existing.join(', ')}`;
    throw new UpstreamError({
      upstream: 'cmdb',
      code: 'NO_TARGET',
      retryable: false,
      message: `No CMDB deploy target for ${svnPath}${envText} with tag ${requested}; ${known}. Fix the code item's tag or add the target in the CMDB.`,
    });
  }
  throw new UpstreamError({
    upstream: 'cmdb',
    code: 'NO_TARGET',
    retryable: false,
    message: `Several CMDB deploy targets for ${svnPath}${envText} have tag ${requested} (${matches
      .map((t) => `${t.id} ${t.name}`)
      .join(', ')}); cdflow will not guess which one to deploy. Remove the duplicate in the CMDB.`,
  });
}
