/**
 * Reads a SQL file from Subversion over HTTP(S) (Apache mod_dav_svn): `GET {SVN_BASE_URL}/{svn_path}/
 * {svn_file}?p={svn_version}` with basic auth, the file as it was at that peg revision (it need not exist
 * at HEAD). Never `r=`: mod_dav_svn answers it with a redirect. Returns the raw bytes; core decodes them.
 */
import type { SqlFileRef } from '@cdflow/core';
import { httpClientTuning } from '../http/http-client-tuning.js';
import { HttpClient, UpstreamError } from '../http/index.js';
import { bodyBytes, HttpSqlSource, type SqlSourceOptions } from './http-sql-source.js';
import { encodeSegments, invalidItem, sqlFileLabel, sqlFileSegments } from './sql-file-ref.js';

/** The settings messages name (`settingNames`), by default `SVN_BASE_URL`, `SVN_USER`, `SVN_PASSWORD`. */
type SvnSetting = 'baseUrl' | 'user' | 'password';

export interface SvnSqlSourceOptions extends SqlSourceOptions<SvnSetting> {
  /** The repository root URL (`SVN_BASE_URL`), e.g. `https://svn.example.com/svn/repos`. */
  baseUrl: string;
  user: string;
  password: string;
}

export class SvnSqlSource extends HttpSqlSource<SvnSetting, SvnSqlSourceOptions> {
  readonly kind = 'svn';
  protected readonly http: HttpClient;

  constructor(options: SvnSqlSourceOptions) {
    super(options, { baseUrl: 'SVN_BASE_URL', user: 'SVN_USER', password: 'SVN_PASSWORD' });
    // Basic auth is sent on the first request: mod_dav_svn answers 401 to an anonymous one anyway.
    const authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`, 'utf8').toString('base64')}`;
    this.http = new HttpClient({
      upstream: 'svn',
      baseUrl: options.baseUrl,
      ...httpClientTuning(options),
      headers: () => ({ authorization }),
    });
  }

  async fetch(ref: SqlFileRef): Promise<Uint8Array> {
    const { pathSegments, fileSegments } = sqlFileSegments(ref);
    const revision = ref.svnVersion.trim();
    if (!/^\d+$/.test(revision)) {
      throw invalidItem(ref, `svn_version "${ref.svnVersion}" is not an SVN revision number`);
    }
    const label = sqlFileLabel(ref);
    const res = await this.getFile(
      { path: encodeSegments([...pathSegments, ...fileSegments]), searchParams: { p: revision } },
      (err) => this.explain(err, label, revision),
    );
    const type = headerText(res.headers['content-type']);
    // mod_dav_svn answers a directory with its HTML listing: that is not a SQL file.
    if (type.startsWith('text/html')) {
      throw new UpstreamError({
        upstream: 'svn',
        code: 'NOT_FOUND',
        status: res.status,
        retryable: false,
        message: `${label} is a directory in svn (${this.options.baseUrl}), not a file. Fix svn_path and svn_file of the item.`,
      });
    }
    return bodyBytes(res);
  }

  /** The HTTP client's error, reworded for the one reading a release: which file, and what to fix. */
  private explain(err: unknown, label: string, revision: string): unknown {
    if (!(err instanceof UpstreamError)) return err;
    const where = `svn (${this.options.baseUrl})`;
    const status = err.status === undefined ? {} : { status: err.status };
    // mod_dav_svn redirects a directory named without its trailing slash (cdflow never sends `r=`, the
    // only other redirect): that is not a SQL file either.
    if (err.status === 301 || err.status === 302) {
      return new UpstreamError({
        upstream: 'svn',
        code: 'NOT_FOUND',
        ...status,
        retryable: false,
        message: `${label} is a directory in ${where}, not a file. Fix svn_path and svn_file of the item.`,
      });
    }
    if (err.code === 'NOT_FOUND') {
      const dav = davHumanReadable(err.body);
      const message =
        dav?.errcode === '160006'
          ? `${label} cannot be read from ${where}: there is no revision ${revision} yet (${dav.text}). Check the item's svn_version.`
          : `${label} does not exist in ${where}: the path was not there at revision ${revision} (never added, or deleted by then)${dav ? ` (${dav.text})` : ''}. Check svn_path, svn_file and svn_version of the item.`;
      return new UpstreamError({ upstream: 'svn', code: 'NOT_FOUND', ...status, retryable: false, message });
    }
    if (err.code === 'UNAUTHORIZED') {
      return new UpstreamError({
        upstream: 'svn',
        code: 'UNAUTHORIZED',
        ...status,
        message: `${where} refused the credentials reading ${label} (401). Check ${this.settings.user} and ${this.settings.password}.`,
      });
    }
    if (err.code === 'FORBIDDEN') {
      return new UpstreamError({
        upstream: 'svn',
        code: 'FORBIDDEN',
        ...status,
        message: `${where} does not let ${this.settings.user} read ${label} (403, the SVN access rules): grant the user read access to the path, or set ${this.settings.user} to a user that has it.`,
      });
    }
    return err;
  }
}

function headerText(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.toLowerCase() ?? '';
}

/** mod_dav_svn's DAV XML error: `<m:human-readable errcode="160006">No such revision 9</m:human-readable>`. */
function davHumanReadable(body: unknown): { errcode: string; text: string } | undefined {
  if (typeof body !== 'string' || !body.includes('<D:error')) return undefined;
  const match = /<m:human-readable errcode="(\d+)">\s*([\s\S]*?)\s*<\/m:human-readable>/.exec(body);
  return match ? { errcode: match[1]!, text: match[2]!.replace(/\s+/g, ' ') } : undefined;
}
