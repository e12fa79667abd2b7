/**
 * Archery SQL work orders over its REST API (hhyo/Archery 1.9–1.14), implementing core's `ArcheryPort`.
 * Traps handled here: `workflow_type` is sent as an integer, `is_offline_export: 0` always, datetimes as
 * naive local text, names at most 50 characters, look-ups by `workflow_id` (never the content row `id`),
 * and a submission is never blindly repeated: after an ambiguous failure the orders are re-read first.
 */
import type { ArcheryPort, ArcheryRouteLookup, ArcheryWorkOrderRef } from '@cdflow/core';
import {
  type AdapterLogger,
  HttpClient,
  type HttpObserver,
  type RequestOptions,
} from '../http/http-client.js';
import { isUpstreamError, UpstreamError } from '../http/upstream-error.js';
import { ArcheryInputError } from './archery-input-error.js';
import { ArcheryStatus, archeryStatusLabels, isArcheryStatus } from './archery-status.js';
import { ArcheryTokenSession } from './archery-token-session.js';
import type {
  ArcheryCheckRowWire,
  ArcheryInstanceResourceWire,
  ArcheryInstanceWire,
  ArcheryPage,
  ArcheryResourceGroupWire,
  ArcherySqlCheckWire,
  ArcheryWorkflowContentWire,
} from './archery-wire.js';
import { toNaiveLocalDateTime } from './naive-local-datetime.js';

export interface ArcheryClientOptions {
  baseUrl: string;
  username: string;
  password: string;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  /** Retries of retryable failures (and of a submission proven not to have landed). Default 2. */
  retries?: number;
  logger?: AdapterLogger;
  /** How long an instance's list of databases is kept before it is read again. Default 10 min. */
  databasesTtlMs?: number;
  /** Told after every HTTP attempt (metrics). */
  observer?: HttpObserver;
}

export interface ArcheryResourceGroup {
  groupId: number;
  groupName: string;
}

export interface ArcheryInstance {
  id: number;
  instanceName: string;
  dbType: string;
  host: string;
  /** The instance's own `db_name` (the default database of its connection; usually ""). */
  dbName: string;
  /** Resource groups the instance is linked to, when Archery lists them (`resource_group`). */
  resourceGroupIds: number[] | null;
}

export interface ArcherySqlCheckRow {
  id: number;
  /** 0 ok, 1 warning, 2 error. */
  errlevel: number;
  stage: string;
  stageStatus: string;
  errorMessage: string;
  sql: string;
  affectedRows: number;
}

export interface ArcherySqlCheckResult {
  warningCount: number;
  errorCount: number;
  isCritical: boolean;
  syntaxType: number;
  rows: ArcherySqlCheckRow[];
}

/** What the port submits: the order's name, route, SQL and its optional demand URL and backup flag. */
type ArcheryPortSubmitInput = Parameters<ArcheryPort['submitWorkOrder']>[0];

export interface ArcherySubmitInput extends ArcheryPortSubmitInput {
  /** Execution window; sent as naive local datetimes. */
  runDateStart?: Date;
  runDateEnd?: Date;
}

/** A work order as cdflow reads it: the port's reference plus the ids and context around it. */
export interface ArcheryWorkOrder extends ArcheryWorkOrderRef {
  /** The content row id (`id` in the list). Never use it to look an order up. */
  contentId: number;
  status: ArcheryStatus;
  statusLabel: string;
  groupName: string;
  instanceId: number;
  engineer: string;
  createTime: string;
  finishTime: string | null;
}

export interface ArcheryWorkOrderFilter {
  /** Archery matches `icontains`; the list is returned as Archery answers it (no exact narrowing). */
  workflowName?: string;
  workflowId?: number;
  status?: ArcheryStatus;
  dbName?: string;
  page?: number;
  size?: number;
}

const maxNameLength = 50;
const maxDbNameLength = 64;
const sqlWorkflowType = 2; // WorkflowType.SQL_REVIEW; Archery compares it as an integer
const maxAuditLevels = 10;
const pageSize = 100;

export class ArcheryClient implements ArcheryPort {
  private readonly api: HttpClient;
  private readonly session: ArcheryTokenSession;
  private readonly groups = new Map<string, Promise<ArcheryResourceGroup>>();
  private readonly instances = new Map<string, Promise<ArcheryInstance>>();
  private readonly databases = new Map<number, { at: number; names: Promise<string[]> }>();
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(private readonly options: ArcheryClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 2;
    const common = {
      upstream: 'archery' as const,
      baseUrl: options.baseUrl,
      timeoutMs: this.timeoutMs,
      retries: this.retries,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.observer ? { observer: options.observer } : {}),
    };
    const auth = new HttpClient(common);
    this.session = new ArcheryTokenSession(auth, options.username, options.password);
    this.api = new HttpClient({ ...common, headers: () => this.session.authorization() });
  }

  /** Log in now (otherwise the first call does). */
  async login(): Promise<void> {
    await this.session.ensure();
  }

  /** Resource group by exact name, cached for the client's life. */
  findResourceGroup(groupName: string): Promise<ArcheryResourceGroup> {
    return cached(this.groups, groupName, async () => {
      const rows = await this.allPages<ArcheryResourceGroupWire>('api/v1/user/resourcegroup/', {});
      const row = rows.find((g) => g.group_name === groupName && !g.is_deleted);
      if (!row) {
        throw noTarget(
          `Archery has no resource group named "${groupName}" (found: ${rows.map((g) => g.group_name).join(', ') || 'none'}); fix the Archery routing or create the group.`,
        );
      }
      return { groupId: row.group_id, groupName: row.group_name };
    });
  }

  /** Instance by exact name (Archery filters `icontains`), cached for the client's life. */
  findInstance(instanceName: string): Promise<ArcheryInstance> {
    return cached(this.instances, instanceName, async () => {
      const rows = await this.allPages<ArcheryInstanceWire>('api/v1/instance/', {
        instance_name__icontains: instanceName,
      });
      const row = rows.find((i) => i.instance_name === instanceName);
      if (!row) {
        throw noTarget(
          `Archery has no instance named "${instanceName}"; fix the Archery routing or register the instance.`,
        );
      }
      return {
        id: row.id,
        instanceName: row.instance_name,
        dbType: row.db_type,
        host: row.host,
        dbName: typeof row.db_name === 'string' ? row.db_name : '',
        resourceGroupIds: Array.isArray(row.resource_group)
          ? row.resource_group.filter((g): g is number => typeof g === 'number')
          : null,
      };
    });
  }

  /**
   * The instance's databases, read from the instance itself (`POST /api/v1/instance/resource/`,
   * `resource_type: database`), kept `databasesTtlMs` (a database a DBA adds is seen soon after).
   */
  async instanceDatabases(instanceName: string): Promise<string[]> {
    const instance = await this.findInstance(instanceName);
    const ttl = this.options.databasesTtlMs ?? 10 * 60_000;
    const hit = this.databases.get(instance.id);
    if (hit && Date.now() - hit.at < ttl) return hit.names;
    const names = this.call<ArcheryInstanceResourceWire>({
      method: 'POST',
      path: 'api/v1/instance/resource/',
      json: { instance_id: instance.id, resource_type: 'database' },
      idempotent: true, // a read
    }).then((body) => (Array.isArray(body.result) ? body.result.filter((n) => typeof n === 'string') : []));
    this.databases.set(instance.id, { at: Date.now(), names });
    names.catch(() => this.databases.delete(instance.id));
    return names;
  }

  /** What Archery has for a route: the group, the instance (null when absent) and its databases. */
  async lookUpRoute(route: { groupName: string; instanceName: string }): Promise<ArcheryRouteLookup> {
    const absent = <T>(promise: Promise<T>): Promise<T | null> =>
      promise.catch((err: unknown) => {
        if (isUpstreamError(err) && err.code === 'NO_TARGET') return null;
        throw err;
      });
    const [group, instance] = await Promise.all([
      absent(this.findResourceGroup(route.groupName)),
      absent(this.findInstance(route.instanceName)),
    ]);
    return {
      group: group ? { id: group.groupId, name: group.groupName } : null,
      instance: instance
        ? {
            id: instance.id,
            name: instance.instanceName,
            defaultDbName: instance.dbName,
            groupIds: instance.resourceGroupIds,
          }
        : null,
      databases: instance ? await this.instanceDatabases(instance.instanceName) : [],
    };
  }

  /** Review SQL without submitting it (goInception rows: errlevel 0 ok / 1 warning / 2 error). */
  async sqlcheck(input: {
    instanceName: string;
    dbName: string;
    sql: string;
  }): Promise<ArcherySqlCheckResult> {
    const instance = await this.findInstance(input.instanceName);
    const body = await this.call<ArcherySqlCheckWire>({
      method: 'POST',
      path: 'api/v1/workflow/sqlcheck/',
      json: { instance_id: instance.id, db_name: input.dbName, full_sql: input.sql },
      idempotent: true, // a check changes nothing
    });
    return {
      warningCount: body.warning_count,
      errorCount: body.error_count,
      isCritical: body.is_critical,
      syntaxType: body.syntax_type,
      rows: (body.rows ?? []).map((r: ArcheryCheckRowWire) => ({
        id: r.id,
        errlevel: r.errlevel,
        stage: r.stage,
        stageStatus: r.stagestatus,
        errorMessage: r.errormessage,
        sql: r.sql,
        affectedRows: r.affected_rows,
      })),
    };
  }

  /**
   * Submit one SQL work order. The POST is never repeated blindly: after a failure whose outcome is
   * unknown, the orders with this name are re-read and one that landed is returned; the POST is repeated
   * only when Archery answered (429/5xx) and no such order exists.
   */
  async submitWorkOrder(input: ArcherySubmitInput): Promise<ArcheryWorkOrder> {
    const name = input.workflowName.trim();
    if (name.length === 0) throw new ArcheryInputError('workflowName', 'An Archery work order needs a name.');
    if ([...name].length > maxNameLength) {
      throw new ArcheryInputError(
        'workflowName',
        `Archery work order names are at most ${maxNameLength} characters; "${name}" has ${[...name].length}. Shorten the release summary or the naming rule.`,
      );
    }
    if (input.dbName.length === 0 || input.dbName.length > maxDbNameLength) {
      throw new ArcheryInputError(
        'dbName',
        `db_name must be 1–${maxDbNameLength} characters; got "${input.dbName}".`,
      );
    }
    if (input.sql.trim().length === 0)
      throw new ArcheryInputError('sql', `The SQL of work order "${name}" is empty.`);
    const [group, instance] = await Promise.all([
      this.findResourceGroup(input.groupName),
      this.findInstance(input.instanceName),
    ]);
    const workflow: Record<string, unknown> = {
      workflow_name: name,
      group_id: group.groupId,
      instance: instance.id,
      db_name: input.dbName,
      is_offline_export: 0, // required in practice: without it Archery's create() fails with a 500
    };
    if (input.demandUrl !== undefined) workflow.demand_url = input.demandUrl;
    if (input.isBackup !== undefined) workflow.is_backup = input.isBackup;
    if (input.runDateStart) workflow.run_date_start = toNaiveLocalDateTime(input.runDateStart);
    if (input.runDateEnd) workflow.run_date_end = toNaiveLocalDateTime(input.runDateEnd);
    const request: RequestOptions = {
      method: 'POST',
      path: 'api/v1/workflow/',
      json: { workflow, sql_content: input.sql },
      idempotent: false,
    };
    const before = new Set((await this.findWorkOrders(name)).map((o) => o.workflowId));
    const landed = async () =>
      (await this.findWorkOrders(name)).find(
        (o) => !before.has(o.workflowId) && o.dbName === input.dbName && o.sqlContent === input.sql.trim(),
      );

    for (let attempt = 0; ; attempt++) {
      try {
        return toWorkOrder(await this.call<ArcheryWorkflowContentWire>(request));
      } catch (err) {
        if (!isUpstreamError(err) || (!err.retryable && err.code !== 'BAD_RESPONSE')) throw err;
        const unanswered = err.code === 'TIMEOUT' || err.code === 'NETWORK';
        // A request that timed out may still be running upstream: give it time to land before looking.
        const checks = unanswered ? 4 : 1;
        for (let i = 0; i < checks; i++) {
          if (unanswered) await sleep(this.timeoutMs / 2);
          const order = await landed();
          if (order) {
            this.options.logger?.warn(
              { upstream: 'archery', workflowId: order.workflowId },
              'submission landed despite an error',
            );
            return order;
          }
        }
        if (unanswered || attempt >= this.retries) throw err;
        await sleep(Math.min(5_000, 250 * 2 ** attempt));
      }
    }
  }

  /** One page of orders as Archery lists them (newest first). */
  async listWorkOrders(filter: ArcheryWorkOrderFilter = {}): Promise<ArcheryPage<ArcheryWorkOrder>> {
    const page = await this.call<ArcheryPage<ArcheryWorkflowContentWire>>({
      method: 'GET',
      path: 'api/v1/workflow/',
      searchParams: {
        workflow__workflow_name__icontains: filter.workflowName,
        workflow_id: filter.workflowId,
        workflow__status: filter.status,
        workflow__db_name: filter.dbName,
        page: filter.page,
        size: filter.size,
      },
    });
    return { ...page, results: page.results.map(toWorkOrder) };
  }

  /** Orders named exactly `workflowName`, in submission order (oldest first). */
  async findWorkOrders(workflowName: string): Promise<ArcheryWorkOrder[]> {
    const rows = await this.allPages<ArcheryWorkflowContentWire>('api/v1/workflow/', {
      workflow__workflow_name__icontains: workflowName,
    });
    return rows
      .map(toWorkOrder)
      .filter((o) => o.workflowName === workflowName)
      .sort((a, b) => a.workflowId - b.workflowId);
  }

  /** Orders whose name contains `text` (Archery's icontains), in submission order (oldest first). */
  async findWorkOrdersContaining(text: string): Promise<ArcheryWorkOrder[]> {
    const rows = await this.allPages<ArcheryWorkflowContentWire>('api/v1/workflow/', {
      workflow__workflow_name__icontains: text,
    });
    return rows.map(toWorkOrder).sort((a, b) => a.workflowId - b.workflowId);
  }

  /** The order with this `workflow_id` (Archery has no detail endpoint: the list is filtered). */
  async getWorkOrder(workflowId: number): Promise<ArcheryWorkOrder> {
    const page = await this.listWorkOrders({ workflowId });
    const found = page.results.find((o) => o.workflowId === workflowId);
    if (!found) {
      throw new UpstreamError({
        upstream: 'archery',
        code: 'NOT_FOUND',
        status: 200,
        message: `Archery has no work order with workflow_id ${workflowId} visible to "${this.options.username}"; check the id and the user's resource groups.`,
      });
    }
    return found;
  }

  /**
   * Pass every remaining audit level as the service user. Driven by the order's status, so calling it again
   * after a failure passes only what is left.
   */
  async auditPass(workflowId: number, remark: string): Promise<void> {
    requireAuditRemark(remark);
    let order = await this.getWorkOrder(workflowId);
    for (let level = 0; order.status === ArcheryStatus.manreviewing; level++) {
      if (level >= maxAuditLevels) break;
      await this.audit(workflowId, remark, 'pass');
      order = await this.getWorkOrder(workflowId);
    }
    const passed: string[] = [
      ArcheryStatus.reviewPass,
      ArcheryStatus.timingtask,
      ArcheryStatus.queuing,
      ArcheryStatus.executing,
      ArcheryStatus.finish,
    ];
    if (!passed.includes(order.status)) {
      throw new UpstreamError({
        upstream: 'archery',
        code: 'CONFLICT',
        retryable: false,
        message:
          `Archery work order ${workflowId} is ${order.status} (${order.statusLabel}) after auditing; it cannot pass review. ${order.error ?? ''}`.trim(),
      });
    }
  }

  /**
   * Execute an order in review_pass/timingtask (auto: Archery's worker runs it; manual: a person already
   * did). A no-op for an order already queued, executing or ended by execution, so a retry is harmless.
   */
  async execute(workflowId: number, mode: 'auto' | 'manual'): Promise<void> {
    const order = await this.getWorkOrder(workflowId);
    const alreadyRun: string[] = [
      ArcheryStatus.queuing,
      ArcheryStatus.executing,
      ArcheryStatus.finish,
      ArcheryStatus.exception,
    ];
    if (alreadyRun.includes(order.status)) return;
    await this.call<{ msg: string }>({
      method: 'POST',
      path: 'api/v1/workflow/execute/',
      json: {
        engineer: this.options.username,
        workflow_id: workflowId,
        workflow_type: sqlWorkflowType,
        mode,
      },
      idempotent: false,
    });
  }

  /**
   * Cancel an order (`audit_type: cancel`): Archery lets only its submitter do it, so this cancels orders
   * the service user submitted. It ends `workflow_abort`. Not repeated: cancelling twice is refused.
   */
  async cancel(workflowId: number, remark: string): Promise<void> {
    requireAuditRemark(remark);
    await this.audit(workflowId, remark, 'cancel');
  }

  /**
   * One audit of an order as the service user. Not repeated: a repeated pass would pass the next level,
   * and cancelling twice is refused.
   */
  private async audit(workflowId: number, remark: string, auditType: 'pass' | 'cancel'): Promise<void> {
    await this.call<{ msg: string }>({
      method: 'POST',
      path: 'api/v1/workflow/audit/',
      json: {
        engineer: this.options.username,
        workflow_id: workflowId,
        audit_remark: remark,
        workflow_type: sqlWorkflowType,
        audit_type: auditType,
      },
      idempotent: false,
    });
  }

  /** Authenticated request: on a 401 refresh (or log in again) once and repeat once; never loop. */
  private async call<T>(request: RequestOptions): Promise<T> {
    await this.session.ensure();
    const used = this.session.currentAccess();
    try {
      return (await this.api.request<T>(request)).body;
    } catch (err) {
      if (!isUpstreamError(err) || err.code !== 'UNAUTHORIZED') throw err;
      this.options.logger?.debug({ upstream: 'archery' }, 'access token refused; refreshing');
      await this.session.recover(used);
      // A 401 means DRF refused before the view ran, so repeating even a POST cannot duplicate anything.
      return (await this.api.request<T>(request)).body;
    }
  }

  private async allPages<T>(path: string, searchParams: Record<string, string>): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const body = await this.call<ArcheryPage<T>>({
        method: 'GET',
        path,
        searchParams: { ...searchParams, page, size: pageSize },
      });
      out.push(...body.results);
      if (!body.next || body.results.length === 0) return out;
    }
  }
}

function toWorkOrder(row: ArcheryWorkflowContentWire): ArcheryWorkOrder {
  const status = row.workflow?.status;
  if (!isArcheryStatus(status)) {
    throw new UpstreamError({
      upstream: 'archery',
      code: 'BAD_RESPONSE',
      body: { workflow_id: row.workflow_id, status },
      message: `Archery answered work order ${row.workflow_id} with an unknown status "${String(status)}"; cdflow knows the nine statuses of Archery 1.9–1.14.`,
    });
  }
  return {
    workflowId: row.workflow_id,
    contentId: row.id,
    workflowName: row.workflow.workflow_name,
    status,
    statusLabel: archeryStatusLabels[status],
    dbName: row.workflow.db_name,
    sqlContent: row.sql_content,
    error: failureReason(status, row),
    finishedAt: row.workflow.finish_time ?? null,
    groupName: row.workflow.group_name,
    instanceId: row.workflow.instance,
    engineer: row.workflow.engineer,
    createTime: row.workflow.create_time,
    finishTime: row.workflow.finish_time,
  };
}

/** The readable reason of a failed order, from the rows Archery kept. */
function failureReason(status: ArcheryStatus, row: ArcheryWorkflowContentWire): string | null {
  const messages = (text: string, minLevel: number) => {
    try {
      const rows = JSON.parse(text) as Array<{ errlevel?: number; errormessage?: string }>;
      return rows
        .filter((r) => (r.errlevel ?? 0) >= minLevel && r.errormessage && r.errormessage !== 'None')
        .map((r) => r.errormessage as string);
    } catch {
      return [];
    }
  };
  if (status === ArcheryStatus.exception) {
    const found = messages(row.execute_result, 2);
    return found.length > 0 ? found.join('; ') : archeryStatusLabels[status];
  }
  if (status === ArcheryStatus.autoreviewwrong) {
    const found = messages(row.review_content, 2);
    return found.length > 0 ? found.join('; ') : archeryStatusLabels[status];
  }
  if (status === ArcheryStatus.abort) return archeryStatusLabels[status];
  return null;
}

function noTarget(message: string): UpstreamError {
  return new UpstreamError({ upstream: 'archery', code: 'NO_TARGET', retryable: false, message });
}

/** Archery refuses a blank audit_remark: refuse it before asking. */
function requireAuditRemark(remark: string): void {
  if (remark.trim().length === 0)
    throw new ArcheryInputError('remark', 'Archery refuses a blank audit_remark.');
}

/** Cache a look-up by key; a failed look-up is forgotten so the next call asks again. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  const hit = cache.get(key);
  if (hit) return hit;
  const promise = load();
  cache.set(key, promise);
  promise.catch(() => cache.delete(key));
  return promise;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
