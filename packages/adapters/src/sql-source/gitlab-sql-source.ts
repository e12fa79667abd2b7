/**
 * Reads a SQL file from GitLab (the original program's later versions): `GET {GITLAB_BASE_URL}/api/v4/
 * projects/{id}/repository/files/{url-encoded path}/raw?ref={svn_version}` with `PRIVATE-TOKEN`. The
 * repository is the first segment of the item's `svn_path`, mapped to a project id by configuration; the
 * file path is the rest of `svn_path` plus `svn_file`; the ref (a sha, tag or branch) is `svn_version`.
 * Returns the raw bytes (GitLab labels every text blob UTF-8, whatever it holds); core decodes them.
 */
import { CdflowError, type SqlFileRef } from '@cdflow/core';
import { httpClientTuning } from '../http/http-client-tuning.js';
import { HttpClient, UpstreamError } from '../http/index.js';
import { bodyBytes, HttpSqlSource, type SqlSourceOptions } from './http-sql-source.js';
import { invalidItem, sqlFileLabel, sqlFileSegments } from './sql-file-ref.js';

/** The settings messages name (`settingNames`), by default `GITLAB_BASE_URL`, `GITLAB_TOKEN`, `GITLAB_PROJECTS`. */
type GitLabSetting = 'baseUrl' | 'token' | 'projects';

export interface GitLabSqlSourceOptions extends SqlSourceOptions<GitLabSetting> {
  /** GitLab's root URL (`GITLAB_BASE_URL`), e.g. `https://gitlab.example.com`; `/api/v4` is appended. */
  baseUrl: string;
  /** A personal, project or group access token with `read_repository` (or `read_api`). */
  token: string;
  /** Repository name (first segment of `svn_path`) → GitLab project id. */
  projects: Readonly<Record<string, number>>;
}

export class GitLabSqlSource extends HttpSqlSource<GitLabSetting, GitLabSqlSourceOptions> {
  readonly kind = 'gitlab';
  protected readonly http: HttpClient;

  constructor(options: GitLabSqlSourceOptions) {
    super(options, { baseUrl: 'GITLAB_BASE_URL', token: 'GITLAB_TOKEN', projects: 'GITLAB_PROJECTS' });
    for (const [repository, id] of Object.entries(options.projects)) {
      if (!Number.isInteger(id) || id <= 0) {
        throw new CdflowError(
          'CONFIG_INVALID',
          `${this.settings.projects}: the GitLab project id of repository "${repository}" must be a positive integer, got ${JSON.stringify(id)}.`,
          { details: { setting: this.settings.projects, repository } },
        );
      }
    }
    this.http = new HttpClient({
      upstream: 'gitlab',
      baseUrl: options.baseUrl,
      ...httpClientTuning(options),
      headers: () => ({ 'private-token': options.token }),
    });
  }

  async fetch(ref: SqlFileRef): Promise<Uint8Array> {
    const { pathSegments, fileSegments } = sqlFileSegments(ref);
    const [repository, ...inRepository] = pathSegments;
    if (repository === undefined) {
      throw invalidItem(ref, 'svn_path is empty: its first segment names the GitLab repository');
    }
    const projectId = this.options.projects[repository];
    if (projectId === undefined) {
      const known = Object.keys(this.options.projects).sort();
      throw new CdflowError(
        'CONFIG_INVALID',
        `SQL item ${sqlFileLabel(ref)}: repository "${repository}" (the first segment of svn_path) has no GitLab project id in ${this.settings.projects} (${known.length === 0 ? 'it is empty' : `it maps ${known.join(', ')}`}). Add "${repository}": <project id> to ${this.settings.projects}.`,
        { details: { setting: this.settings.projects, repository } },
      );
    }
    const filePath = [...inRepository, ...fileSegments].join('/');
    const label = sqlFileLabel(ref);
    const res = await this.getFile(
      {
        // The file path is one URL segment: its slashes are encoded too (%2F), as GitLab requires.
        path: `api/v4/projects/${projectId}/repository/files/${encodeURIComponent(filePath)}/raw`,
        searchParams: { ref: ref.svnVersion.trim() },
      },
      (err) => this.explain(err, { label, repository, projectId, filePath, gitRef: ref.svnVersion.trim() }),
    );
    return bodyBytes(res);
  }

  private explain(
    err: unknown,
    file: { label: string; repository: string; projectId: number; filePath: string; gitRef: string },
  ): unknown {
    if (!(err instanceof UpstreamError)) return err;
    const project = `GitLab project ${file.projectId} (repository "${file.repository}" in ${this.settings.projects})`;
    const status = err.status === undefined ? {} : { status: err.status };
    const refuse = (code: 'NOT_FOUND' | 'UNAUTHORIZED' | 'FORBIDDEN', message: string) =>
      new UpstreamError({ upstream: 'gitlab', code, ...status, body: err.body, retryable: false, message });
    if (err.code === 'NOT_FOUND') {
      const what = gitlabMessage(err.body);
      if (what === '404 Project Not Found') {
        return refuse(
          'NOT_FOUND',
          `${file.label}: ${project} does not exist at ${this.options.baseUrl}, or the user of ${this.settings.token} is not a member of it. Fix ${this.settings.projects} or the project's members.`,
        );
      }
      if (what === '404 Commit Not Found') {
        return refuse(
          'NOT_FOUND',
          `${file.label}: ${project} has no commit, tag or branch "${file.gitRef}". Check the item's svn_version.`,
        );
      }
      return refuse(
        'NOT_FOUND',
        `${file.label} does not exist in ${project} at ${file.gitRef}: no file ${file.filePath} in that commit. Check svn_path, svn_file and svn_version of the item.`,
      );
    }
    if (err.code === 'UNAUTHORIZED') {
      return refuse(
        'UNAUTHORIZED',
        `GitLab (${this.options.baseUrl}) refused the token reading ${file.label} (401). Check ${this.settings.token}: it may be wrong, expired or revoked.`,
      );
    }
    if (err.code === 'FORBIDDEN') {
      return refuse(
        'FORBIDDEN',
        `GitLab (${this.options.baseUrl}) does not let ${this.settings.token} read ${file.label} from ${project} (403): give the token the read_repository scope and its user at least Reporter access.`,
      );
    }
    return err;
  }
}

/** GitLab's error text: `{"message":"404 File Not Found"}` (or `{"error":"…"}`). */
function gitlabMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const value = record.message ?? record.error;
  return typeof value === 'string' ? value : undefined;
}
