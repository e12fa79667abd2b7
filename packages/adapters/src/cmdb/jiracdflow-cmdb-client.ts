/**
 * The original program's CMDB (dialect `jiracdflow`, docs/upstreams.md "CMDB dialect jiracdflow"): a search
 * by svn path — a JSON body on a GET — whose projects the client filters by the original's rules, and a
 * synchronous upgrade by GET whose `data.status` is `成功` or the failure's text. Header `access-token`.
 * No idempotency key and no tasks: a deploy is never retried by this client (repeating the GET deploys
 * again), and `deploy` answers the outcome itself.
 */
import {
  CdflowError,
  type CmdbDeployResult,
  type CmdbPort,
  type CmdbTarget,
  type Env,
  NonRetryableError,
} from '@cdflow/core';
import { httpClientTuning } from '../http/http-client-tuning.js';
import { type AdapterLogger, HttpClient, UpstreamError, type UpstreamErrorCode } from '../http/index.js';
import { statusErrorCode } from '../http/status-error-code.js';
import {
  type JiracdflowProjectItem,
  jiracdflowNameParts,
  normalizeJiracdflowPath,
  selectJiracdflowProjects,
} from './jiracdflow-project-match.js';

export interface JiracdflowCmdbClientOptions {
  /** The search URL (`search_url` of the original's configuration). */
  searchUrl: string;
  /** The upgrade URL; the project id is appended as it is (so it usually ends with `/`). */
  upgradeUrl: string;
  token: string;
  /** Per-attempt timeout of the search. Default 10 s. */
  timeoutMs?: number;
  /** Timeout of the synchronous upgrade, which answers when the deploy is done. Default 300 s. */
  upgradeTimeoutMs?: number;
  /** Retries of the search (a GET that changes nothing). The upgrade is never retried. */
  retries?: number;
  logger?: AdapterLogger;
  /** `size` of a search page (the original asks for 50). */
  pageSize?: number;
  /** How messages name the settings. Default `CMDB_SEARCH_URL`, `CMDB_UPGRADE_URL`. */
  settingNames?: { searchUrl?: string; upgradeUrl?: string };
}

/** The success status of an upgrade answer. */
export const jiracdflowSuccessStatus = '成功';

const maxSearchPages = 20;

interface Endpoint {
  http: HttpClient;
  /** Path relative to the origin, without the leading slash. */
  path: string;
}

export class JiracdflowCmdbClient implements CmdbPort {
  private readonly search: Endpoint;
  private readonly upgrade: Endpoint;
  private readonly pageSize: number;

  constructor(private readonly options: JiracdflowCmdbClientOptions) {
    this.pageSize = options.pageSize ?? 50;
    const endpoint = (url: string, setting: string, timeoutMs: number | undefined): Endpoint => {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new CdflowError(
          'CONFIG_INVALID',
          `${setting} must be an absolute URL, got ${JSON.stringify(url)}.`,
          {
            details: { setting },
          },
        );
      }
      const http = new HttpClient({
        upstream: 'cmdb',
        baseUrl: parsed.origin,
        ...httpClientTuning({ timeoutMs, retries: options.retries, logger: options.logger }),
        headers: () => ({ 'access-token': options.token }),
      });
      return { http, path: parsed.pathname.replace(/^\//, '') };
    };
    this.search = endpoint(
      options.searchUrl,
      options.settingNames?.searchUrl ?? 'CMDB_SEARCH_URL',
      options.timeoutMs,
    );
    this.upgrade = endpoint(
      options.upgradeUrl,
      options.settingNames?.upgradeUrl ?? 'CMDB_UPGRADE_URL',
      options.upgradeTimeoutMs ?? 300_000,
    );
  }

  /** The projects the code item selects by the original's rules (`selectJiracdflowProjects`); [] when none. */
  async findTargets(env: Env, item: { svnPath: string; tag: string }): Promise<CmdbTarget[]> {
    const items = await this.searchProjects(env, item.svnPath);
    return selectJiracdflowProjects(items, { env, svnPath: item.svnPath, tag: item.tag }).map((p) => {
      const { env: nameEnv, tag } = jiracdflowNameParts(p.project.name);
      return { id: p.id, name: p.project.name, env: nameEnv, tag, svnPath: item.svnPath };
    });
  }

  /**
   * Every project the CMDB's search answers for the path (unfiltered): `{page, size, svn_path}` plus
   * `name: "UAT"` in UAT. Pages on while a page comes back full.
   */
  async searchProjects(env: Env, svnPath: string): Promise<JiracdflowProjectItem[]> {
    const found = new Map<number, JiracdflowProjectItem>();
    for (let page = 1; page <= maxSearchPages; page++) {
      const res = await this.search.http.request<unknown>({
        method: 'GET',
        path: this.search.path,
        json: {
          page,
          size: this.pageSize,
          svn_path: normalizeJiracdflowPath(svnPath),
          ...(env.toUpperCase() === 'UAT' ? { name: 'UAT' } : {}),
        },
      });
      const items = this.parse('search', res.body, parseSearchItems);
      const before = found.size;
      for (const item of items) found.set(item.id, item);
      // A CMDB that ignores `page` answers the same items again: stop when nothing new came.
      if (items.length < this.pageSize || found.size === before) break;
    }
    return [...found.values()];
  }

  /**
   * Upgrade one project to `version` and wait for the CMDB's answer: `data.status` `成功` is success,
   * anything else a failure with that text. Never retried here: a repeated upgrade GET deploys again.
   * A timeout leaves the outcome unknown (`TIMEOUT`, retryable: trying again redeploys the same version,
   * as the original did after a failure).
   */
  async deploy(
    target: Pick<CmdbTarget, 'id'> & Partial<Pick<CmdbTarget, 'name'>>,
    input: { version: string; operator?: string; requestId?: string },
  ): Promise<Extract<CmdbDeployResult, { kind: 'finished' }>> {
    const res = await this.upgrade.http.request<unknown>({
      method: 'GET',
      path: `${this.upgrade.path}${encodeURIComponent(String(target.id))}`,
      searchParams: { operation: 'upgrade', arg: input.version, size: 2000, page: 1 },
      idempotent: false,
    });
    const status = this.parse('upgrade', res.body, parseUpgradeStatus);
    return status === jiracdflowSuccessStatus
      ? { kind: 'finished', status: 'success', message: status }
      : { kind: 'finished', status: 'failed', message: status };
  }

  /** There are no tasks in this dialect: `deploy` answers the outcome. Always throws. */
  async getTask(taskId: string): Promise<never> {
    throw new NonRetryableError(
      `The jiracdflow CMDB deploys synchronously and has no task ${JSON.stringify(taskId)} to poll: deploy() answers the outcome (kind "finished").`,
    );
  }

  /** Validate an answer: a `code` other than 200 is the CMDB's refusal; a shape that breaks the contract is `BAD_RESPONSE`. */
  private parse<T>(call: 'search' | 'upgrade', body: unknown, parser: (body: unknown) => T): T {
    const scrubbed = () =>
      JSON.parse(
        JSON.stringify(body ?? null)
          .split(this.options.token)
          .join('[redacted]'),
      ) as unknown;
    if (isRecord(body) && body.code !== undefined && body.code !== 200) {
      const code = typeof body.code === 'number' ? body.code : Number.NaN;
      const msg =
        typeof body.msg === 'string' ? body.msg : typeof body.message === 'string' ? body.message : '';
      return fail({
        code: codeFromStatus(code),
        body: scrubbed(),
        message: `cmdb answered the ${call} with code ${String(body.code)}${msg ? `: ${msg}` : ''}.`,
      });
    }
    if (call === 'search' && (!isRecord(body) || body.code !== 200)) {
      return fail({
        code: 'BAD_RESPONSE',
        body: scrubbed(),
        message: `cmdb answered the search without "code": 200; ${this.options.searchUrl} does not look like the jiracdflow CMDB's search.`,
      });
    }
    try {
      return parser(body);
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      return fail({
        code: 'BAD_RESPONSE',
        body: scrubbed(),
        message: `cmdb answered the ${call} with ${err.message}; check CMDB_DIALECT and the CMDB URLs.`,
      });
    }
  }
}

function fail(input: { code: UpstreamErrorCode; body: unknown; message: string }): never {
  throw new UpstreamError({ upstream: 'cmdb', ...input });
}

/** The CMDB's body `code` read like an HTTP status. */
function codeFromStatus(code: number): UpstreamErrorCode {
  return code >= 400 ? statusErrorCode(code) : 'BAD_RESPONSE';
}

class ShapeError extends CdflowError {
  constructor(what: string) {
    super('BAD_RESPONSE', what);
    this.name = 'ShapeError';
  }
}

function parseSearchItems(body: unknown): JiracdflowProjectItem[] {
  const data = isRecord(body) ? body.data : undefined;
  const items = isRecord(data) ? data.items : undefined;
  if (!Array.isArray(items)) throw new ShapeError('no "data.items" array');
  return items.map((row: unknown) => {
    const project = isRecord(row) ? row.project : undefined;
    const id = isRecord(row)
      ? typeof row.id === 'string' && /^\d+$/.test(row.id)
        ? Number(row.id)
        : row.id
      : undefined;
    if (
      typeof id !== 'number' ||
      !Number.isInteger(id) ||
      !isRecord(project) ||
      typeof project.name !== 'string' ||
      typeof project.svn_path !== 'string'
    ) {
      throw new ShapeError('an item without id/project.name/project.svn_path');
    }
    const arg =
      isRecord(row) && (typeof row.arg === 'string' || typeof row.arg === 'number')
        ? String(row.arg)
        : undefined;
    return {
      id,
      ...(arg === undefined ? {} : { arg }),
      project: { name: project.name, svn_path: project.svn_path },
    };
  });
}

function parseUpgradeStatus(body: unknown): string {
  const data = isRecord(body) ? body.data : undefined;
  const status = isRecord(data) ? data.status : undefined;
  if (typeof status !== 'string' || status === '') throw new ShapeError('no "data.status"');
  return status;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
