/**
 * Where the text of a SQL item comes from when the request carries no `sql_content`: the file
 * `svn_path/svn_file` at revision `svn_version` in SVN (mod_dav_svn) or GitLab. Adapters return the raw
 * bytes; core decodes them (`decodeSqlText`) so the text and its hash are decided once and stored.
 */

export interface SqlFileRef {
  svnPath: string;
  svnFile: string;
  /** SVN revision (peg revision) or, for GitLab, the commit sha or ref. */
  svnVersion: string;
}

export interface SqlSourcePort {
  /** A name for messages and the history: `svn` or `gitlab`. */
  readonly kind: string;
  /**
   * The file's bytes at that revision. Throws a `CdflowError`-like error: code `NOT_FOUND` (not retried)
   * naming `path/file@rev` when the file did not exist there; `UNAUTHORIZED`/`FORBIDDEN` for a
   * configuration problem; retryable codes for network and 5xx faults.
   */
  fetch(ref: SqlFileRef): Promise<Uint8Array>;
}
