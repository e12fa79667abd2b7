/**
 * Executes one effect through the ports and says what happened: an event to feed back to the machine,
 * or simply done. Every upstream side effect is guarded by its idempotency key or a look-up first, so
 * running an effect again after a crash or a retry never repeats it upstream.
 */
import type {
  ApolloPort,
  ArcheryPort,
  ArcheryStatus,
  CmdbPort,
  EffectResultEvent,
  JiraIssueContent,
  JiraPort,
  PolicyFindingSummary,
  ReleaseEffect,
  SqlItem,
} from '@cdflow/core';
import { mayMoveIssue, releaseStateOfJiraStatus } from '@cdflow/core';
import type { ServerConfig } from '../config/server-config.js';
import type { Semaphore } from './semaphore.js';

export interface RuntimePorts {
  jira: JiraPort;
  archery: ArcheryPort;
  cmdb: CmdbPort;
  /** Null when Apollo is not configured (config items are then confirmed by people). */
  apollo: ApolloPort | null;
}

export interface PolicyCheckInput {
  version: string | null;
  previousVersion: string | null;
  sql: SqlItem[];
}

/** The versioning policy gate (main.ts wires @cdflow/policy into it, see createPolicyGate). */
export type CheckPolicy = (input: PolicyCheckInput) => Promise<PolicyFindingSummary[]>;

export type EffectOutcome = { kind: 'event'; event: EffectResultEvent } | { kind: 'done'; detail?: unknown };

/** An effect that cannot run as asked (not an upstream failure): never retried. */
export class EffectPreconditionError extends Error {
  readonly code = 'EFFECT_PRECONDITION';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'EffectPreconditionError';
  }
}

/** Who cdflow says it is upstream (CMDB operator, Apollo modifier, Archery remarks). */
export const cdflowOperator = 'cdflow';

/** Archery statuses after which an order will never run: such an order is not reused. */
const failedFinal: ReadonlySet<ArcheryStatus> = new Set([
  'workflow_abort',
  'workflow_autoreviewwrong',
  'workflow_exception',
]);

export interface EffectExecutorOptions {
  ports: RuntimePorts;
  config: ServerConfig;
  checkPolicy: CheckPolicy;
  /** Serialises CMDB deploy starts across releases (config.timings.deployParallelism). */
  deploySlots: Semaphore;
  /** The Jira status the newest processed webhook of the issue showed cdflow, or null (none did). */
  lastSeenJiraStatus?: (issueKey: string) => string | null;
}

/**
 * cdflow's move would walk the issue back over a status a person may just have chosen: wait once for
 * their webhook (a newer decision then supersedes this move). After that, if a webhook did show cdflow
 * that status (the person's move was decided on), the machine's truth wins and the issue is walked back;
 * if none did, the move is left undone and the Jira reconciliation reads the status as their decision.
 */
export class JiraMoveDeferral extends Error {
  readonly code = 'JIRA_MOVE_DEFERRED';
  readonly retryable = true;
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'JiraMoveDeferral';
  }
}

export class EffectExecutor {
  constructor(private readonly options: EffectExecutorOptions) {}

  async execute(
    effect: ReleaseEffect,
    release: { releaseId: string; issueKey: string | null; attempts?: number },
  ): Promise<EffectOutcome> {
    const { ports, config } = this.options;
    switch (effect.type) {
      case 'jira.ensureIssue': {
        const existing = await ports.jira.findIssueBySummary(
          effect.content.projectKey,
          effect.content.summary,
        );
        if (existing)
          return { kind: 'event', event: { type: 'ISSUE_READY', issueKey: existing.key, created: false } };
        const created = await ports.jira.createIssue({
          project: { key: effect.content.projectKey },
          issuetype: { name: effect.content.issueType || config.jira.issueType },
          summary: effect.content.summary,
          ...this.contentFields(effect.content),
        });
        return { kind: 'event', event: { type: 'ISSUE_READY', issueKey: created.key, created: true } };
      }
      case 'jira.updateFields': {
        const issueKey = requireIssue(release, effect.type);
        await ports.jira.updateFields(issueKey, this.contentFields(effect.content));
        return { kind: 'done' };
      }
      case 'jira.moveTo': {
        const issueKey = requireIssue(release, effect.type);
        const names = config.jira.names;
        const status = names.statuses[effect.state];
        const via = names.transitions[effect.via];
        const current = (await ports.jira.getIssue(issueKey)).status;
        const currentState = releaseStateOfJiraStatus(current, names);
        if (currentState !== null && !mayMoveIssue(currentState, effect.state, effect.via)) {
          if ((release.attempts ?? 0) === 0) {
            throw new JiraMoveDeferral(
              `Jira shows ${current}, beyond this move to ${status}: waiting for a person's webhook before walking it back`,
              config.timings.jiraMoveGraceMs,
            );
          }
          const seen = this.options.lastSeenJiraStatus?.(issueKey) ?? current;
          if (seen !== current) {
            return {
              kind: 'done',
              detail: {
                issueKey,
                expected: status,
                current,
                skipped: `Jira shows ${current}, which no webhook reported: left for the reconciliation to read as a person's decision`,
              },
            };
          }
        }
        const moved = await ports.jira.moveToStatus(issueKey, status, via);
        // Recorded in the audit trail: the webhook that echoes this move is recognised by the actor
        // (cdflow's Jira user) and because the issue then matches the release's mirror.
        return { kind: 'done', detail: { issueKey, expected: status, ...moved } };
      }
      case 'jira.comment': {
        const issueKey = requireIssue(release, effect.type);
        await ports.jira.comment(issueKey, effect.body);
        return { kind: 'done', detail: { issueKey } };
      }
      case 'policy.check': {
        const findings = await this.options.checkPolicy({
          version: effect.version,
          previousVersion: effect.previousVersion,
          sql: effect.sql,
        });
        return { kind: 'event', event: { type: 'POLICY_CHECKED', findings } };
      }
      case 'archery.submitOrder': {
        const { order } = effect;
        const existing = await ports.archery.findWorkOrders(order.workflowName);
        const reusable = existing.find(
          (o) => sameSql(o.sqlContent, order.sql) && o.dbName === order.dbName && !failedFinal.has(o.status),
        );
        const submitted =
          reusable ??
          (await ports.archery.submitWorkOrder({
            workflowName: order.workflowName,
            groupName: order.group,
            instanceName: order.instance,
            dbName: order.dbName,
            sql: order.sql,
          }));
        return {
          kind: 'event',
          event: {
            type: 'SQL_ORDER_SUBMITTED',
            sqlId: order.sqlId,
            workflowId: submitted.workflowId,
            status: submitted.status,
          },
        };
      }
      case 'archery.pollOrders': {
        const orders = [];
        for (const workflowId of effect.workflowIds) {
          const order = await ports.archery.getWorkOrder(workflowId);
          orders.push({ workflowId, status: order.status, error: order.error });
        }
        return { kind: 'event', event: { type: 'SQL_ORDERS_POLLED', orders } };
      }
      case 'archery.executeOrder': {
        let order = await ports.archery.getWorkOrder(effect.workflowId);
        if (order.status === 'workflow_manreviewing') {
          await ports.archery.auditPass(effect.workflowId, `cdflow auto mode: ${release.releaseId}`);
          order = await ports.archery.getWorkOrder(effect.workflowId);
        }
        // Only an order that passed review is executed; any other status means someone else acted.
        if (order.status !== 'workflow_review_pass') {
          return { kind: 'done', detail: { workflowId: effect.workflowId, skipped: order.status } };
        }
        await ports.archery.execute(effect.workflowId, 'auto');
        return { kind: 'done', detail: { workflowId: effect.workflowId, executed: true } };
      }
      case 'apollo.apply': {
        const apollo = ports.apollo;
        if (!apollo) {
          return {
            kind: 'event',
            event: {
              type: 'CONFIG_APPLY_FAILED',
              reason: 'Apollo is not configured (APOLLO_BASE_URL/APOLLO_TOKEN): apply apollo_info by hand.',
            },
          };
        }
        const namespaces = new Map<string, { appId: string; cluster: string; namespace: string }>();
        for (const item of effect.items) {
          await apollo.upsertItem(effect.env, item, cdflowOperator);
          const target = { appId: item.appId, cluster: item.cluster, namespace: item.namespace };
          namespaces.set(`${target.appId}/${target.cluster}/${target.namespace}`, target);
        }
        for (const target of namespaces.values()) {
          await apollo.publish(effect.env, target, {
            title: `cdflow ${release.releaseId}`,
            comment: `Published by cdflow for ${release.issueKey ?? release.releaseId}`,
            releasedBy: cdflowOperator,
          });
        }
        return { kind: 'event', event: { type: 'CONFIG_APPLIED' } };
      }
      case 'cmdb.deploy': {
        const targets = await ports.cmdb.findTargets(effect.env, {
          svnPath: effect.svnPath,
          tag: effect.tag,
        });
        const wanted = normaliseTag(effect.tag);
        const target = targets.length === 1 ? targets[0] : undefined;
        if (!target) {
          return {
            kind: 'event',
            event: {
              type: 'DEPLOY_FAILED',
              service: effect.service,
              attempt: effect.attempt,
              reason:
                targets.length === 0
                  ? `No CMDB deploy target for ${effect.svnPath} with tag ${wanted} in ${effect.env}: register it in the CMDB or fix the tag of the code item.`
                  : `Several CMDB deploy targets for ${effect.svnPath} with tag ${wanted} in ${effect.env} (${targets.map((t) => t.name).join(', ')}): cdflow will not guess which one to deploy.`,
            },
          };
        }
        const started = await this.options.deploySlots.use(() =>
          ports.cmdb.deploy(target, {
            version: effect.svnVersion,
            operator: cdflowOperator,
            requestId: effect.idempotencyKey,
          }),
        );
        if (started.kind === 'finished') {
          throw new EffectPreconditionError('a synchronous CMDB is not supported by this runtime yet');
        }
        return {
          kind: 'event',
          event: {
            type: 'DEPLOY_STARTED',
            service: effect.service,
            attempt: effect.attempt,
            taskId: started.taskId,
          },
        };
      }
      case 'cmdb.pollTasks': {
        const tasks = [];
        for (const t of effect.tasks) {
          const task = await ports.cmdb.getTask(t.taskId);
          tasks.push({ service: t.service, attempt: t.attempt, status: task.status, message: task.message });
        }
        return { kind: 'event', event: { type: 'DEPLOY_TASKS_POLLED', tasks } };
      }
      case 'timer.schedule':
      case 'timer.cancel':
        // Timers are rows written with the decision, never outbox entries.
        return { kind: 'done' };
    }
  }

  private contentFields(content: JiraIssueContent): Record<string, unknown> {
    const ids = this.options.config.jira.fields;
    return {
      [ids.functionList]: content.functionList,
      [ids.upgradeType]: { value: content.upgradeType },
      [ids.sql]: content.sql,
      [ids.config]: content.config,
      [ids.apollo]: content.apollo,
      [ids.code]: content.code,
    };
  }
}

/** What the machine hears when an effect fails for good. */
export function failureEventFor(effect: ReleaseEffect, reason: string): EffectResultEvent {
  switch (effect.type) {
    case 'archery.submitOrder':
      return { type: 'SQL_SUBMIT_FAILED', sqlId: effect.order.sqlId, reason };
    case 'apollo.apply':
      return { type: 'CONFIG_APPLY_FAILED', reason };
    case 'cmdb.deploy':
      return { type: 'DEPLOY_FAILED', service: effect.service, attempt: effect.attempt, reason };
    default:
      return {
        type: 'EFFECT_FAILED',
        effectType: effect.type,
        idempotencyKey: effect.idempotencyKey,
        reason,
      };
  }
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Retryable: the upstream said so (`UpstreamError.retryable`), or the network failed. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retryable?: unknown; code?: unknown };
  if (typeof e.retryable === 'boolean') return e.retryable;
  return typeof e.code === 'string' && networkCodes.has(e.code);
}

/** A one-line, secret-free description of a failure for the audit trail and the machine. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}

function requireIssue(release: { releaseId: string; issueKey: string | null }, effectType: string): string {
  if (release.issueKey) return release.issueKey;
  throw new EffectPreconditionError(
    `${effectType} for release ${release.releaseId} has no Jira issue yet: jira.ensureIssue must succeed first.`,
  );
}

function normaliseTag(tag: string): string {
  return (tag.trim() || 'V1').toUpperCase();
}

function sameSql(a: string, b: string): boolean {
  return a.replace(/\r\n/g, '\n').trim() === b.replace(/\r\n/g, '\n').trim();
}
