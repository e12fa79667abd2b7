/**
 * An in-memory CMDB speaking cdflow's deploy contract (CONTRACTS.md "CMDB deploy API"): targets looked up
 * by env and svn path, deploys idempotent by `request_id`, and tasks that run for a set time and then
 * succeed or fail. It refuses what a real CMDB refuses: a missing or wrong token, a non-string version,
 * a reused `request_id` for another deploy, a second deploy while one runs on the same target.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  SimulatorBase,
  type SimulatorRequest,
  type SimulatorShell,
  startSimulator,
} from '../common/index.js';
import { type CmdbSeedTarget, cmdbSeedTargets } from './cmdb-seed.js';

export type CmdbSimTaskStatus = 'pending' | 'running' | 'success' | 'failed';

export interface CmdbSimulatorOptions {
  host?: string;
  /** How long a deploy task runs before it ends (pending for the first fifth). Default 1500 ms. */
  taskDurationMs?: number;
  /** The access token to accept; random by default. */
  token?: string;
  /** Targets to start with; default `cmdbSeedTargets`. */
  targets?: readonly CmdbSeedTarget[];
}

export interface CmdbSimTarget extends CmdbSeedTarget {
  id: number;
}

export interface CmdbSimDeploy {
  targetId: number;
  svnPath: string;
  version: string;
  operator: string;
  requestId: string;
  taskId: string;
  status: CmdbSimTaskStatus;
  message: string | null;
}

/** One request the simulator answered, with the time it arrived (to check back-off from the server side). */
export type CmdbSimRequest = SimulatorRequest;

interface DeployRecord {
  targetId: number;
  svnPath: string;
  version: string;
  operator: string;
  requestId: string;
  taskId: string;
  startedAt: number;
  ended?: { status: 'success' | 'failed'; message: string };
}

const firstTargetId = 12;

/** `requests()` and `answerLate(route, delayMs, times)` come from `SimulatorBase`. */
export class CmdbSimulator extends SimulatorBase {
  readonly credentials: { token: string };

  private readonly targetList: CmdbSimTarget[] = [];
  private readonly deployList: DeployRecord[] = [];
  private readonly outcomes = new Map<string, { outcome: 'success' | 'failed'; message?: string }>();
  private nextTargetId = firstTargetId;

  private constructor(
    shell: SimulatorShell,
    url: string,
    token: string,
    private readonly taskDurationMs: number,
  ) {
    super(url, shell);
    this.credentials = { token };
  }

  static async start(options: CmdbSimulatorOptions = {}): Promise<CmdbSimulator> {
    const token = options.token ?? `cmdb-sim-${randomBytes(12).toString('hex')}`;
    const sim = await startSimulator(
      options.host,
      (app, current: () => CmdbSimulator) => registerRoutes(app, token, current),
      (shell, url) => new CmdbSimulator(shell, url, token, options.taskDurationMs ?? 1500),
    );
    for (const target of options.targets ?? cmdbSeedTargets) sim.addTarget(target);
    return sim;
  }

  /** Add a deploy target; returns its id. */
  addTarget(target: CmdbSeedTarget): number {
    const id = this.nextTargetId++;
    this.targetList.push({ ...target, id });
    return id;
  }

  targets(): CmdbSimTarget[] {
    return this.targetList.map((t) => ({ ...t }));
  }

  /** How the deploys of `svnPath` end from now on (default success). Applies to tasks still running. */
  setOutcome(svnPath: string, outcome: 'success' | 'failed', message?: string): void {
    this.outcomes.set(svnPath, message === undefined ? { outcome } : { outcome, message });
  }

  /** Every deploy accepted (one per request_id), oldest first, with its task's current status. */
  deploys(): CmdbSimDeploy[] {
    return this.deployList.map((d) => {
      const { status, message } = this.taskState(d);
      return {
        targetId: d.targetId,
        svnPath: d.svnPath,
        version: d.version,
        operator: d.operator,
        requestId: d.requestId,
        taskId: d.taskId,
        status,
        message,
      };
    });
  }

  /** @internal */
  findTargets(env: string, svnPath: string): CmdbSimTarget[] {
    return this.targetList.filter((t) => t.env === env && t.svnPath === svnPath);
  }

  /** @internal */
  target(id: number): CmdbSimTarget | undefined {
    return this.targetList.find((t) => t.id === id);
  }

  /** @internal */
  deployByRequestId(requestId: string): DeployRecord | undefined {
    return this.deployList.find((d) => d.requestId === requestId);
  }

  /** @internal */
  deployByTaskId(taskId: string): DeployRecord | undefined {
    return this.deployList.find((d) => d.taskId === taskId);
  }

  /** @internal A deploy still running on the target, if any. */
  runningDeploy(targetId: number): DeployRecord | undefined {
    return this.deployList.find((d) => d.targetId === targetId && !isEnded(this.taskState(d).status));
  }

  /** @internal */
  startDeploy(
    target: CmdbSimTarget,
    input: { version: string; operator: string; requestId: string },
  ): DeployRecord {
    const record: DeployRecord = {
      targetId: target.id,
      svnPath: target.svnPath,
      version: input.version,
      operator: input.operator,
      requestId: input.requestId,
      taskId: randomUUID(),
      startedAt: Date.now(),
    };
    this.deployList.push(record);
    return record;
  }

  /** @internal The task's status now; the outcome is fixed the first time the task is seen ended. */
  taskState(d: DeployRecord): { status: CmdbSimTaskStatus; message: string | null } {
    if (d.ended) return d.ended;
    const elapsed = Date.now() - d.startedAt;
    if (elapsed >= this.taskDurationMs) {
      const outcome = this.outcomes.get(d.svnPath);
      const name = this.target(d.targetId)?.name ?? String(d.targetId);
      d.ended =
        outcome?.outcome === 'failed'
          ? {
              status: 'failed',
              message: outcome.message ?? `deploy of ${name} to version ${d.version} failed`,
            }
          : { status: 'success', message: outcome?.message ?? `${name} upgraded to version ${d.version}` };
      return d.ended;
    }
    return { status: elapsed < this.taskDurationMs / 5 ? 'pending' : 'running', message: null };
  }
}

function isEnded(status: CmdbSimTaskStatus): boolean {
  return status === 'success' || status === 'failed';
}

function fail(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).send({ error });
}

function registerRoutes(app: FastifyInstance, token: string, sim: () => CmdbSimulator): void {
  app.addHook('onRequest', async (request, reply) => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined || pattern.startsWith('/__sim/')) return;
    if (request.headers['access-token'] !== token) return fail(reply, 401, 'invalid or missing access-token');
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    return fail(reply, status, status === 500 ? 'internal error' : error.message);
  });
  app.setNotFoundHandler((request, reply) => fail(reply, 404, `no route ${request.method} ${request.url}`));

  app.get<{ Querystring: Record<string, string | undefined> }>('/api/v1/projects', async (request, reply) => {
    const { env, svn_path: svnPath } = request.query;
    if (!env) return fail(reply, 400, 'env is required');
    if (!svnPath) return fail(reply, 400, 'svn_path is required');
    const data = sim()
      .findTargets(env, svnPath)
      .map((t) => ({ id: t.id, name: t.name, env: t.env, tag: t.tag, svn_path: t.svnPath }));
    return { data };
  });

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/v1/projects/:id/upgrade',
    async (request, reply) => {
      const id = Number(request.params.id);
      const target = Number.isInteger(id) ? sim().target(id) : undefined;
      if (!target) return fail(reply, 404, `project ${request.params.id} not found`);
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return fail(reply, 400, 'body must be a JSON object with version, operator and request_id');
      }
      const { version, operator, request_id: requestId } = body as Record<string, unknown>;
      for (const [name, value] of [
        ['version', version],
        ['operator', operator],
        ['request_id', requestId],
      ] as const) {
        if (value === undefined || value === null || value === '')
          return fail(reply, 400, `${name} is required`);
        if (typeof value !== 'string') return fail(reply, 400, `${name} must be a string`);
      }
      const input = {
        version: version as string,
        operator: operator as string,
        requestId: requestId as string,
      };
      const seen = sim().deployByRequestId(input.requestId);
      if (seen) {
        if (seen.targetId !== target.id || seen.version !== input.version) {
          return fail(
            reply,
            409,
            `request_id ${input.requestId} was already used for project ${seen.targetId} version ${seen.version}`,
          );
        }
        return reply.code(202).send({ task_id: seen.taskId, status: sim().taskState(seen).status });
      }
      const running = sim().runningDeploy(target.id);
      if (running) {
        return fail(reply, 409, `project ${target.id} is already being upgraded by task ${running.taskId}`);
      }
      const record = sim().startDeploy(target, input);
      return reply.code(202).send({ task_id: record.taskId, status: 'pending' });
    },
  );

  app.get<{ Params: { taskId: string } }>('/api/v1/tasks/:taskId', async (request, reply) => {
    const record = sim().deployByTaskId(request.params.taskId);
    if (!record) return fail(reply, 404, `task ${request.params.taskId} not found`);
    const { status, message } = sim().taskState(record);
    return { task_id: record.taskId, status, message };
  });
}
