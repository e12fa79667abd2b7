/**
 * CMDB deploy API client (docs/upstreams.md, "CMDB dialect tasks"): find deploy targets, deploy a version with an
 * idempotency key, poll the deploy task. Header `access-token: <token>`.
 */
import {
  CdflowError,
  type CmdbDeployResult,
  type CmdbPort,
  type CmdbTarget,
  type CmdbTaskStatus,
  type Env,
} from '@cdflow/core';
import { httpClientTuning } from '../http/http-client-tuning.js';
import { type AdapterLogger, HttpClient, type HttpObserver, UpstreamError } from '../http/index.js';
import { normalizeCmdbTag, selectTarget } from './select-target.js';

export interface CmdbClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  retries?: number;
  logger?: AdapterLogger;
  /** Told after every HTTP attempt (metrics). */
  observer?: HttpObserver;
}

export interface CmdbDeployInput {
  version: string;
  operator: string;
  /** Idempotency key: the CMDB answers the same task for the same id, so a retry never deploys twice. */
  requestId: string;
}

export interface CmdbTask {
  taskId: string;
  status: CmdbTaskStatus;
  message: string | null;
}

const taskStatuses: ReadonlySet<string> = new Set(['pending', 'running', 'success', 'failed']);

export class CmdbClient implements CmdbPort {
  private readonly http: HttpClient;
  private readonly token: string;

  constructor(options: CmdbClientOptions) {
    this.token = options.token;
    this.http = new HttpClient({
      upstream: 'cmdb',
      baseUrl: options.baseUrl,
      ...httpClientTuning(options),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      headers: () => ({ 'access-token': options.token }),
    });
  }

  /** The deploy targets the code item's `tag` selects ("" means V1) among those of its svn path. */
  async findTargets(env: Env, item: { svnPath: string; tag: string }): Promise<CmdbTarget[]> {
    const wanted = normalizeCmdbTag(item.tag);
    return (await this.listTargets(env, item.svnPath)).filter((t) => normalizeCmdbTag(t.tag) === wanted);
  }

  /** Every deploy target of `svnPath` in `env` (one per tag, usually). */
  async listTargets(env: Env, svnPath: string): Promise<CmdbTarget[]> {
    const res = await this.http.request<unknown>({
      method: 'GET',
      path: 'api/v1/projects',
      searchParams: { env, svn_path: svnPath },
    });
    return this.parse('GET /api/v1/projects', res.body, (body) => {
      const data = isRecord(body) ? body.data : undefined;
      if (!Array.isArray(data)) throw new ShapeError('no "data" array', body);
      return data.map((row) => parseTarget(row));
    });
  }

  /** The single target the code item's `tag` selects ("" means V1); `NO_TARGET` when there is none. */
  async findTarget(env: Env, svnPath: string, tag: string): Promise<CmdbTarget> {
    return selectTarget(await this.listTargets(env, svnPath), tag, { env, svnPath });
  }

  async deploy(
    target: Pick<CmdbTarget, 'id'>,
    input: CmdbDeployInput,
  ): Promise<Extract<CmdbDeployResult, { kind: 'task' }>> {
    const res = await this.http.request<unknown>({
      method: 'POST',
      path: `api/v1/projects/${encodeURIComponent(String(target.id))}/upgrade`,
      json: { version: input.version, operator: input.operator, request_id: input.requestId },
      // Safe to repeat: the CMDB returns the existing task for a request_id it has seen.
      idempotent: true,
    });
    const task = this.parse('POST /api/v1/projects/{id}/upgrade', res.body, parseTask);
    return { kind: 'task', taskId: task.taskId, status: task.status };
  }

  async getTask(taskId: string): Promise<CmdbTask> {
    const res = await this.http.request<unknown>({
      method: 'GET',
      path: `api/v1/tasks/${encodeURIComponent(taskId)}`,
    });
    return this.parse('GET /api/v1/tasks/{task_id}', res.body, parseTask);
  }

  /** Validate an answer; a shape that breaks the contract becomes `BAD_RESPONSE` (token scrubbed). */
  private parse<T>(call: string, body: unknown, parser: (body: unknown) => T): T {
    try {
      return parser(body);
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      const text = JSON.stringify(err.body ?? null)
        .split(this.token)
        .join('[redacted]');
      throw new UpstreamError({
        upstream: 'cmdb',
        code: 'BAD_RESPONSE',
        body: JSON.parse(text) as unknown,
        message: `cmdb answered ${call} with ${err.message}; the CMDB does not follow cdflow's deploy contract (docs/upstreams.md#cmdb-dialect-tasks): put a shim in front of it.`,
      });
    }
  }
}

/** A 2xx answer whose body does not have the contract's shape (becomes an UpstreamError BAD_RESPONSE). */
class ShapeError extends CdflowError {
  constructor(
    what: string,
    readonly body: unknown,
  ) {
    super('BAD_RESPONSE', what);
    this.name = 'ShapeError';
  }
}

function parseTarget(row: unknown): CmdbTarget {
  if (
    !isRecord(row) ||
    typeof row.id !== 'number' ||
    typeof row.name !== 'string' ||
    typeof row.env !== 'string' ||
    typeof row.svn_path !== 'string'
  ) {
    throw new ShapeError('a target without id/name/env/svn_path', row);
  }
  return {
    id: row.id,
    name: row.name,
    env: row.env,
    // A target with no tag is the V1 target, like an item with tag "".
    tag: typeof row.tag === 'string' ? row.tag : '',
    svnPath: row.svn_path,
  };
}

function parseTask(body: unknown): CmdbTask {
  if (!isRecord(body)) throw new ShapeError('a body that is not an object', body);
  const taskId = typeof body.task_id === 'number' ? String(body.task_id) : body.task_id;
  if (typeof taskId !== 'string' || taskId === '') throw new ShapeError('no task_id', body);
  if (typeof body.status !== 'string' || !taskStatuses.has(body.status)) {
    throw new ShapeError(`an unknown task status ${JSON.stringify(body.status)}`, body);
  }
  const message = typeof body.message === 'string' && body.message !== '' ? body.message : null;
  return { taskId, status: body.status as CmdbTaskStatus, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
