/**
 * An in-memory CMDB over one set of deploy targets, speaking two dialects on one server:
 * - `tasks`, cdflow's deploy contract (docs/upstreams.md, "CMDB dialect tasks"): targets looked up by env and svn
 *   path, deploys idempotent by `request_id`, tasks that run for a set time and then succeed or fail;
 * - `jiracdflow`, the original program's CMDB: a search by svn path (a JSON body on a GET) and a
 *   synchronous upgrade by GET whose `data.status` is `成功` or the failure's text.
 * It refuses what a real CMDB refuses: a missing or wrong token, a non-string version, a reused
 * `request_id` for another deploy, a second deploy while one runs on the same target.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  SimulatorBase,
  type SimulatorRequest,
  type SimulatorShell,
  startTokenSimulator,
} from '../common/index.js';
import {
  jiracdflowSearchPath,
  jiracdflowUpgradePath,
  registerJiracdflowRoutes,
} from './cmdb-jiracdflow-routes.js';
import { type CmdbSeedTarget, cmdbSeedSvnHost, cmdbSeedTargets } from './cmdb-seed.js';
import { type CmdbSimState, parseCmdbSimState } from './cmdb-sim-state.js';
import { registerTasksRoutes } from './cmdb-tasks-routes.js';

export type CmdbSimTaskStatus = 'pending' | 'running' | 'success' | 'failed';

export interface CmdbSimulatorOptions {
  host?: string;
  /** How long a tasks-dialect deploy runs before it ends (pending for the first fifth). Default 1500 ms. */
  taskDurationMs?: number;
  /** The access token to accept; random by default. */
  token?: string;
  /** Targets to start with; default `cmdbSeedTargets`. */
  targets?: readonly CmdbSeedTarget[];
  /**
   * Continue from `snapshotState()` of an earlier simulator: its targets (with their deployed versions),
   * deploys and upgrades (then `targets` is ignored). A task still running at the snapshot ends once its
   * duration has passed since it started, as if the CMDB had kept running.
   */
  state?: unknown;
}

export interface CmdbSimTarget extends Required<CmdbSeedTarget> {
  id: number;
}

/** A deploy the CMDB started: the target, what was asked of it, by whom, and the task that runs it. */
export interface CmdbStartedDeploy {
  targetId: number;
  svnPath: string;
  version: string;
  operator: string;
  requestId: string;
  taskId: string;
}

export interface CmdbSimDeploy extends CmdbStartedDeploy {
  status: CmdbSimTaskStatus;
  message: string | null;
}

/** One synchronous upgrade of the jiracdflow dialect. */
export interface CmdbSimUpgrade {
  targetId: number;
  name: string;
  svnPath: string;
  version: string;
  /** `成功`, or the failure's text (e.g. `失败: 镜像拉取超时`). */
  status: string;
  receivedAt: number;
}

/** One request the simulator answered, with the time it arrived (to check back-off from the server side). */
export type CmdbSimRequest = SimulatorRequest;

/** @internal */
export interface CmdbDeployRecord extends CmdbStartedDeploy {
  startedAt: number;
  ended?: { status: 'success' | 'failed'; message: string };
}

interface Outcome {
  outcome: 'success' | 'failed';
  message?: string;
}

const firstTargetId = 12;

/** `requests()` and `answerLate(route, delayMs, times)` come from `SimulatorBase`. */
export class CmdbSimulator extends SimulatorBase {
  readonly credentials: { token: string };
  /** The jiracdflow dialect's `search_url` (a JSON body on a GET). */
  readonly searchUrl: string;
  /** The jiracdflow dialect's `upgrade_url`: the target id is appended. */
  readonly upgradeUrl: string;

  private readonly targetList: CmdbSimTarget[] = [];
  private readonly deployList: CmdbDeployRecord[] = [];
  private readonly upgradeList: CmdbSimUpgrade[] = [];
  private readonly pathOutcomes = new Map<string, Outcome>();
  private readonly targetOutcomes = new Map<number, Outcome>();
  private nextTargetId = firstTargetId;

  private constructor(
    shell: SimulatorShell,
    url: string,
    token: string,
    private readonly taskDurationMs: number,
  ) {
    super(url, shell);
    this.credentials = { token };
    this.searchUrl = `${url}${jiracdflowSearchPath}`;
    this.upgradeUrl = `${url}${jiracdflowUpgradePath}`;
  }

  static async start(options: CmdbSimulatorOptions = {}): Promise<CmdbSimulator> {
    // Read before listening: a state that cannot be continued from leaves no server behind.
    const saved = options.state === undefined ? undefined : parseCmdbSimState(options.state);
    const sim = await startTokenSimulator(
      options,
      { prefix: 'cmdb-sim-', bytes: 12 },
      registerRoutes,
      (shell, url, token) => new CmdbSimulator(shell, url, token, options.taskDurationMs ?? 1500),
    );
    if (saved) sim.restore(saved);
    else for (const target of options.targets ?? cmdbSeedTargets) sim.addTarget(target);
    return sim;
  }

  /**
   * Plain JSON of the targets, deploys and upgrades; start a simulator with `{ state }` to continue. The
   * outcomes set with `setOutcome` are switches of this run and are not saved (nor is the token).
   */
  snapshotState(): CmdbSimState {
    return structuredClone({
      version: 1,
      targets: this.targetList,
      nextTargetId: this.nextTargetId,
      deploys: this.deployList,
      upgrades: this.upgradeList,
    });
  }

  private restore(state: CmdbSimState): void {
    const copy = structuredClone(state);
    this.targetList.splice(0, this.targetList.length, ...copy.targets);
    this.deployList.splice(0, this.deployList.length, ...copy.deploys);
    this.upgradeList.splice(0, this.upgradeList.length, ...copy.upgrades);
    this.nextTargetId = copy.nextTargetId;
  }

  /** Add a deploy target; returns its id. */
  addTarget(target: CmdbSeedTarget): number {
    const id = this.nextTargetId++;
    this.targetList.push({
      name: target.name,
      env: target.env,
      tag: target.tag,
      svnPath: target.svnPath,
      svnUrl: target.svnUrl ?? `${cmdbSeedSvnHost}/${target.svnPath}`,
      version: target.version ?? '1',
      id,
    });
    return id;
  }

  targets(): CmdbSimTarget[] {
    return this.targetList.map((t) => ({ ...t }));
  }

  /**
   * How deploys end from now on (default success), in both dialects: `key` is an svn path (every target
   * of it), a target name or a target id (that target only; it wins over its path). Applies to tasks
   * still running. In the jiracdflow dialect a failure answers `message` as `data.status` (default `失败`).
   */
  setOutcome(key: string | number, outcome: 'success' | 'failed', message?: string): void {
    const value: Outcome = message === undefined ? { outcome } : { outcome, message };
    const target = this.targetList.find((t) => t.id === key || t.name === key);
    if (target) this.targetOutcomes.set(target.id, value);
    else this.pathOutcomes.set(String(key), value);
  }

  /** Every tasks-dialect deploy accepted (one per request_id), oldest first, with its task's status. */
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

  /** Every jiracdflow-dialect upgrade answered, oldest first. */
  upgrades(): CmdbSimUpgrade[] {
    return this.upgradeList.map((u) => ({ ...u }));
  }

  /** @internal */
  findTargets(env: string, svnPath: string): CmdbSimTarget[] {
    return this.targetList.filter((t) => t.env === env && t.svnPath === svnPath);
  }

  /** @internal */
  allTargets(): readonly CmdbSimTarget[] {
    return this.targetList;
  }

  /** @internal */
  target(id: number): CmdbSimTarget | undefined {
    return this.targetList.find((t) => t.id === id);
  }

  /** @internal */
  deployByRequestId(requestId: string): CmdbDeployRecord | undefined {
    return this.deployList.find((d) => d.requestId === requestId);
  }

  /** @internal */
  deployByTaskId(taskId: string): CmdbDeployRecord | undefined {
    return this.deployList.find((d) => d.taskId === taskId);
  }

  /** @internal A deploy still running on the target, if any. */
  runningDeploy(targetId: number): CmdbDeployRecord | undefined {
    return this.deployList.find((d) => d.targetId === targetId && !isEnded(this.taskState(d).status));
  }

  /** @internal */
  startDeploy(
    target: CmdbSimTarget,
    input: { version: string; operator: string; requestId: string },
  ): CmdbDeployRecord {
    const record: CmdbDeployRecord = {
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

  /** @internal The jiracdflow dialect's synchronous upgrade: done when answered. */
  upgrade(target: CmdbSimTarget, version: string): CmdbSimUpgrade {
    const outcome = this.outcomeOf(target);
    const status = outcome?.outcome === 'failed' ? (outcome.message ?? '失败') : '成功';
    if (status === '成功') target.version = version;
    const record: CmdbSimUpgrade = {
      targetId: target.id,
      name: target.name,
      svnPath: target.svnPath,
      version,
      status,
      receivedAt: Date.now(),
    };
    this.upgradeList.push(record);
    return { ...record };
  }

  /** @internal The task's status now; the outcome is fixed the first time the task is seen ended. */
  taskState(d: CmdbDeployRecord): { status: CmdbSimTaskStatus; message: string | null } {
    if (d.ended) return d.ended;
    const elapsed = Date.now() - d.startedAt;
    if (elapsed >= this.taskDurationMs) {
      const target = this.target(d.targetId);
      const outcome = target ? this.outcomeOf(target) : this.pathOutcomes.get(d.svnPath);
      const name = target?.name ?? String(d.targetId);
      d.ended =
        outcome?.outcome === 'failed'
          ? {
              status: 'failed',
              message: outcome.message ?? `deploy of ${name} to version ${d.version} failed`,
            }
          : { status: 'success', message: outcome?.message ?? `${name} upgraded to version ${d.version}` };
      if (d.ended.status === 'success' && target) target.version = d.version;
      return d.ended;
    }
    return { status: elapsed < this.taskDurationMs / 5 ? 'pending' : 'running', message: null };
  }

  private outcomeOf(target: CmdbSimTarget): Outcome | undefined {
    return this.targetOutcomes.get(target.id) ?? this.pathOutcomes.get(target.svnPath);
  }
}

function isEnded(status: CmdbSimTaskStatus): boolean {
  return status === 'success' || status === 'failed';
}

function registerRoutes(app: FastifyInstance, token: string, sim: () => CmdbSimulator): void {
  // Each dialect words its refusals its own way: tasks `{"error"}`, jiracdflow `{"code","msg"}`.
  const refuse = (url: string, status: number, text: string) =>
    url.startsWith('/api/project/') ? { code: status, msg: text, data: null } : { error: text };

  app.addHook('onRequest', async (request, reply) => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined || pattern.startsWith('/__sim/')) return;
    if (request.headers['access-token'] !== token) {
      return reply.code(401).send(refuse(request.url, 401, 'invalid or missing access-token'));
    }
  });
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    return reply
      .code(status)
      .send(refuse(request.url, status, status === 500 ? 'internal error' : error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(refuse(request.url, 404, `no route ${request.method} ${request.url}`)),
  );

  registerTasksRoutes(app, sim);
  registerJiracdflowRoutes(app, sim);
}
