/**
 * SQL items whose text comes from the SQL source (no `sql_content`): how a file is named
 * (`svn_path/svn_file@svn_version`, the key of `ReleaseContext.sqlTexts`), which files a request still
 * needs, and the request with the texts already read filled in. A file at a revision never changes, so a
 * text read once is the text of every item naming that file at that revision.
 */
import { contentHash } from './content-hash.js';
import type { SqlFileRef } from './ports/sql-source-port.js';
import type { NormalizedRequest, SqlItem, SqlItemAwaitingText, SqlText } from './release-types.js';
import type { DecodedSqlText } from './sql-text.js';

/** `svn_path/svn_file@svn_version` (slashes at the joins trimmed): how messages and `sqlTexts` name a file. */
export function sqlFileRefLabel(ref: SqlFileRef): string {
  const path = [ref.svnPath, ref.svnFile].map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '');
  return `${path.join('/')}@${ref.svnVersion.trim()}`;
}

/** A file still to read, and the SQL items that name it. */
export interface SqlFileToRead {
  /** `sqlFileRefLabel` of the file. */
  ref: string;
  file: SqlFileRef;
  sqlIds: string[];
}

/** The files the request's items without text name and `texts` does not hold, once each, in `seq` order. */
export function sqlFilesToRead(
  request: NormalizedRequest,
  texts: Readonly<Record<string, SqlText>> = {},
): SqlFileToRead[] {
  const files = new Map<string, SqlFileToRead>();
  const waiting = [...(request.sqlAwaitingText ?? [])].sort((a, b) => a.seq - b.seq);
  for (const item of waiting) {
    const ref = sqlFileRefLabel(item);
    if (texts[ref] !== undefined) continue;
    const known = files.get(ref);
    if (known) known.sqlIds.push(item.sqlId);
    else
      files.set(ref, {
        ref,
        file: { svnPath: item.svnPath, svnFile: item.svnFile, svnVersion: item.svnVersion },
        sqlIds: [item.sqlId],
      });
  }
  return [...files.values()];
}

/**
 * The request with every item awaiting text whose file `texts` holds moved into `sql` (text and hash
 * from the stored file), `sql` kept in `seq` order. Items whose file is not there yet stay awaiting.
 */
export function withSqlTexts(
  request: NormalizedRequest,
  texts: Readonly<Record<string, SqlText>> = {},
): NormalizedRequest {
  const waiting = request.sqlAwaitingText ?? [];
  if (waiting.length === 0) return request;
  const resolved: SqlItem[] = [];
  const still: SqlItemAwaitingText[] = [];
  for (const item of waiting) {
    const text = texts[sqlFileRefLabel(item)];
    if (text) resolved.push({ ...item, sql: text.text, hash: text.hash });
    else still.push(item);
  }
  if (resolved.length === 0) return request;
  return {
    ...request,
    sql: [...request.sql, ...resolved].sort((a, b) => a.seq - b.seq),
    sqlAwaitingText: still,
  };
}

/** What the release keeps of a file read from the SQL source (`decodeSqlText` decided its text). */
export function storedSqlText(decoded: DecodedSqlText, source: string, bytes: number): SqlText {
  return {
    text: decoded.text,
    hash: contentHash(decoded.text),
    encoding: decoded.encoding,
    bom: decoded.bom,
    source,
    bytes,
  };
}
