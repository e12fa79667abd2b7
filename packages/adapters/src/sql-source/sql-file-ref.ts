/**
 * What both SQL sources do with a release's SQL item before asking for it: check it names a file at a
 * version, split it into path segments (each URL-encoded on its own, so Chinese names and spaces work and
 * a `/` inside a name can never become a path separator), and name it `path/file@rev` in messages.
 */
import { CdflowError, type SqlFileRef } from '@cdflow/core';

/** `svn_path/svn_file@svn_version`, as messages name a SQL file. */
export function sqlFileLabel(ref: SqlFileRef): string {
  const path = [ref.svnPath, ref.svnFile].map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '');
  return `${path.join('/')}@${ref.svnVersion}`;
}

/** The path segments of `svn_path` then `svn_file`, decoded; refuses an item that names no file. */
export function sqlFileSegments(ref: SqlFileRef): { pathSegments: string[]; fileSegments: string[] } {
  const split = (value: string) => value.split('/').filter((s) => s !== '');
  const pathSegments = split(ref.svnPath ?? '');
  const fileSegments = split(ref.svnFile ?? '');
  if (fileSegments.length === 0) {
    throw invalidItem(ref, 'svn_file is empty: the item names no file');
  }
  if ([...pathSegments, ...fileSegments].some((s) => s === '.' || s === '..')) {
    throw invalidItem(ref, 'svn_path and svn_file may not contain "." or ".." segments');
  }
  if ((ref.svnVersion ?? '').trim() === '') {
    throw invalidItem(ref, 'svn_version is empty: cdflow reads a SQL file at a fixed version, never at HEAD');
  }
  return { pathSegments, fileSegments };
}

/** Each segment URL-encoded on its own, joined with `/`. */
export function encodeSegments(segments: readonly string[]): string {
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

export function invalidItem(ref: SqlFileRef, detail: string): CdflowError {
  return new CdflowError(
    'INVALID_REQUEST_ITEM',
    `SQL item ${sqlFileLabel(ref)}: ${detail}. Fix the item in the release request and send it again.`,
    { details: { svnPath: ref.svnPath, svnFile: ref.svnFile, svnVersion: ref.svnVersion } },
  );
}
