/**
 * Archery's SQL work orders in memory: submission with review, multi-level audit, execution (auto in the
 * background, manual at once) and the nine statuses with only their real transitions. HTTP-free: the
 * simulator's routes validate bodies and call this; refusals are thrown as `ArcheryRefusal`.
 */
import type { ArcheryStatus } from '@cdflow/core';
import { ArcheryCheckRules } from './archery-check-rules.js';
import { ArcheryRefusal, djangoServerErrorPage, errorsRefusal } from './archery-refusal.js';
import type { ArcherySeed, ArcherySeedUser } from './archery-seed.js';
import { type ArcheryReviewRow, reviewSql } from './archery-sql-review.js';
import { naiveLocalTime, parseNaiveLocalTime } from './naive-local-time.js';

/** The nine statuses, as cdflow's contract names them (core's `ArcheryStatus`). */
export type ArcherySimStatus = ArcheryStatus;

/** WorkflowAudit.current_status: 0 待审核, 1 审核通过, 2 审核不通过, 3 审核取消. */
type AuditStatus = 0 | 1 | 2 | 3;

export interface SimWorkOrder {
  workflowId: number;
  /** SqlWorkflowContent row id: a different sequence from `workflowId`, as in a real database. */
  contentId: number;
  workflowName: string;
  demandUrl: string;
  groupId: number;
  groupName: string;
  instanceId: number;
  dbName: string;
  syntaxType: number;
  isBackup: boolean;
  engineer: string;
  engineerDisplay: string;
  status: ArcherySimStatus;
  auditAuthGroups: string;
  runDateStart: string | null;
  runDateEnd: string | null;
  createTime: string;
  finishTime: string | null;
  isManual: number;
  isOfflineExport: number;
  sqlContent: string;
  reviewContent: string;
  executeResult: string;
  audit: { levels: number[]; index: number; status: AuditStatus };
  /** Set by `dba.fail`: the next execution ends in workflow_exception with this message. */
  failWith: string | null;
}

/** What `snapshotState()` keeps of the book: plain JSON, enough to continue after a restart. */
export interface ArcheryBookState {
  nextWorkflowId: number;
  nextContentId: number;
  orders: SimWorkOrder[];
}

export interface ArcheryBookOptions {
  executeDelayMs: number;
  /** Archery's `ban_self_audit` setting: a submitter may not pass their own order. */
  banSelfAudit: boolean;
}

/** The engine exception Archery wraps when goInception cannot be reached (MySQL engine's execute_check). */
export const defaultReviewEngineFailure =
  "GoInception检测语句报错，请注意检查系统配置中GoInception配置，错误信息：\n(2003, \"Can't connect to MySQL server on '127.0.0.1' (111)\")";

export interface SubmitInput {
  workflowName: string;
  demandUrl: string;
  groupId: number;
  instanceId: number;
  dbName: string;
  isBackup: boolean;
  runDateStart: string | null;
  runDateEnd: string | null;
  /** undefined when the body had no `is_offline_export` (Archery's create() then raises KeyError). */
  isOfflineExport: number | undefined;
  sqlContent: string;
}

const actionLabels: Record<number, string> = {
  1: '审核通过',
  2: '审核不通过',
  3: '审核取消',
  4: '设置定时执行',
  5: '开始执行',
  6: '执行结束',
};
const allowedActions: Record<AuditStatus, number[]> = { 0: [1, 2, 3], 1: [2, 3, 4, 5, 6], 2: [], 3: [] };

export class ArcheryWorkOrderBook {
  readonly rules = new ArcheryCheckRules();
  private readonly orders: SimWorkOrder[] = [];
  private nextWorkflowId = 1;
  // Content rows start elsewhere so that confusing `id` with `workflow_id` finds the wrong order, as it does
  // on a real Archery whose two tables drifted apart.
  private nextContentId = 3;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Forced auto-review failures of the next submissions, in order (null: that one reviewed as usual). */
  private readonly autoReviewFailures: Array<string | null> = [];
  private engineFailure: { message: string; remaining: number } | null = null;

  constructor(
    private readonly seed: ArcherySeed,
    private readonly options: ArcheryBookOptions,
  ) {}

  all(): readonly SimWorkOrder[] {
    return this.orders;
  }

  byWorkflowId(workflowId: number): SimWorkOrder | undefined {
    return this.orders.find((o) => o.workflowId === workflowId);
  }

  user(username: string): ArcherySeedUser | undefined {
    return this.seed.users.find((u) => u.username === username);
  }

  /** Instances the user may write to: linked to one of the user's resource groups. */
  userInstanceIds(user: ArcherySeedUser): number[] {
    return this.seed.instances
      .filter((i) => i.resourceGroups.some((g) => user.resourceGroups.includes(g)))
      .map((i) => i.id);
  }

  /** The next `times` reviews (sqlcheck or submission) fail with the engine exception `message`. */
  failReviewEngine(message: string, times: number): void {
    this.engineFailure = { message, remaining: times };
  }

  /** The next submissions, one per message, end in workflow_autoreviewwrong with that message (null: not that one). */
  failNextAutoReviews(messages: Array<string | null>): void {
    this.autoReviewFailures.push(...messages);
  }

  /** goInception's review through Archery's MySQL engine; throws the engine exception when it is broken. */
  review(instanceId: number, dbName: string, sql: string) {
    if (this.engineFailure && this.engineFailure.remaining > 0) {
      this.engineFailure.remaining -= 1;
      const { message } = this.engineFailure;
      if (this.engineFailure.remaining <= 0) this.engineFailure = null;
      throw errorsRefusal(message);
    }
    const instance = this.seed.instances.find((i) => i.id === instanceId);
    return reviewSql(sql.trim(), { dbName, databases: instance?.databases ?? [], rules: this.rules });
  }

  submit(user: ArcherySeedUser, input: SubmitInput): SimWorkOrder {
    const group = this.seed.groups.find((g) => g.groupId === input.groupId);
    if (!group) throw errorsRefusal(`不存在该资源组：${input.groupId}`);
    // WorkflowContentSerializer.create reads workflow_data["is_offline_export"] unguarded: a body without
    // it passes validation (the model field has a default) and then raises KeyError → Django's 500 page.
    if (input.isOfflineExport === undefined) throw new ArcheryRefusal(500, djangoServerErrorPage);
    if (!this.userInstanceIds(user).includes(input.instanceId)) throw errorsRefusal('你所在组未关联该实例！');
    const review = this.review(input.instanceId, input.dbName, input.sqlContent);
    if (!group.auditAuthGroups || group.auditAuthGroups.length === 0) {
      throw errorsRefusal('审批类型 SQL上线申请 未配置审流');
    }
    const forcedFailure = this.autoReviewFailures.shift();
    if (forcedFailure !== undefined && forcedFailure !== null) {
      const last = review.rows[review.rows.length - 1]!;
      if (last.errlevel !== 2) review.errorCount += 1;
      last.errlevel = 2;
      last.errormessage = last.errormessage ? `${last.errormessage}\n${forcedFailure}` : forcedFailure;
    }
    const rejected = review.errorCount > 0;
    const order: SimWorkOrder = {
      workflowId: this.nextWorkflowId++,
      contentId: this.nextContentId++,
      workflowName: input.workflowName,
      demandUrl: input.demandUrl,
      groupId: group.groupId,
      groupName: group.groupName,
      instanceId: input.instanceId,
      dbName: input.dbName,
      syntaxType: review.syntaxType,
      // The MySQL engine backs up automatically unless the backup switch is enabled (it is not here).
      isBackup: true,
      engineer: user.username,
      engineerDisplay: user.display,
      status: rejected ? 'workflow_autoreviewwrong' : 'workflow_manreviewing',
      auditAuthGroups: rejected ? '' : group.auditAuthGroups.join(','),
      runDateStart: input.runDateStart,
      runDateEnd: input.runDateEnd,
      createTime: naiveLocalTime(new Date()),
      finishTime: null,
      isManual: 0,
      isOfflineExport: input.isOfflineExport,
      sqlContent: input.sqlContent.trim(),
      reviewContent: JSON.stringify(review.rows),
      executeResult: '',
      audit: { levels: rejected ? [] : [...group.auditAuthGroups], index: 0, status: rejected ? 2 : 0 },
      failWith: null,
    };
    this.orders.push(order);
    return order;
  }

  /** POST /api/v1/workflow/audit/ after its serializer validated the body; `actor` is the body's engineer. */
  audit(actor: ArcherySeedUser, order: SimWorkOrder, type: 'pass' | 'cancel'): 'passed' | 'canceled' {
    if (type === 'cancel') {
      // AuditWorkflow refuses anyone but the submitter before the auditor is even asked.
      if (order.engineer !== actor.username) throw errorsRefusal('用户无权操作此工单');
      this.checkAction(order, 3);
      order.audit.status = 3;
      order.status = 'workflow_abort';
      return 'canceled';
    }
    // AuditV2.can_operate, in its order: status grid, ban_self_audit, permission, audit group.
    this.checkAction(order, 1);
    if (this.options.banSelfAudit && actor.username === order.engineer) {
      throw operateFailure('当前配置禁止本人审核自己的工单');
    }
    if (!actor.permissions.includes('sql.sql_review'))
      throw operateFailure('用户无相关审批权限, 请合理配置权限');
    const current = order.audit.levels[order.audit.index];
    if (
      current === undefined ||
      !actor.authGroups.includes(current) ||
      !actor.resourceGroups.includes(order.groupName)
    ) {
      throw operateFailure('用户不在当前审批审批节点的用户组内, 无权限审核');
    }
    order.audit.index += 1;
    if (order.audit.index >= order.audit.levels.length) {
      order.audit.status = 1;
      order.status = 'workflow_review_pass';
    }
    return 'passed';
  }

  /** The checks of ExecuteWorkflow for SQL orders, then the state change (auto: background). */
  execute(actor: ArcherySeedUser, order: SimWorkOrder, mode: 'auto' | 'manual'): void {
    const mayExecute =
      actor.permissions.includes('sql.sql_execute') ||
      actor.permissions.includes('sql.sql_execute_for_resource_group');
    if (!mayExecute) throw errorsRefusal('你无权执行当前工单！');
    const executable = order.status === 'workflow_review_pass' || order.status === 'workflow_timingtask';
    const ownOrder = order.engineer === actor.username && actor.permissions.includes('sql.sql_execute');
    const groupExecutor =
      actor.resourceGroups.includes(order.groupName) &&
      actor.permissions.includes('sql.sql_execute_for_resource_group');
    if (!executable || !(ownOrder || groupExecutor)) throw errorsRefusal('你无权执行当前工单！');
    if (!this.inRunWindow(order)) {
      throw errorsRefusal('不在可执行时间范围内，如果需要修改执行时间请重新提交工单!');
    }
    if (mode === 'manual') {
      order.status = 'workflow_finish';
      order.finishTime = naiveLocalTime(new Date());
      return;
    }
    this.startAutoExecution(order);
  }

  /**
   * Test API: `username` passes every remaining audit level, one level at a time under Archery's rules
   * (ban_self_audit, permission, audit group); refused like the API refuses, as an Error with Archery's text.
   */
  passAs(username: string, order: SimWorkOrder): void {
    const actor = this.user(username);
    if (!actor) throw new Error(`no Archery user named ${username}`);
    if (order.status !== 'workflow_manreviewing') {
      throw new Error(
        `order ${order.workflowId} is ${order.status}; only workflow_manreviewing can be passed`,
      );
    }
    while (order.status === 'workflow_manreviewing') {
      try {
        this.audit(actor, order, 'pass');
      } catch (error) {
        if (error instanceof ArcheryRefusal) throw new Error(JSON.stringify(error.body));
        throw error;
      }
    }
  }

  /** Test API: `username` executes through ExecuteWorkflow's checks (auto runs in the background). */
  executeAs(username: string, order: SimWorkOrder, mode: 'auto' | 'manual'): void {
    const actor = this.user(username);
    if (!actor) throw new Error(`no Archery user named ${username}`);
    if (order.status !== 'workflow_review_pass' && order.status !== 'workflow_timingtask') {
      throw new Error(
        `order ${order.workflowId} is ${order.status}; only review_pass/timingtask can be executed`,
      );
    }
    try {
      this.execute(actor, order, mode);
    } catch (error) {
      if (error instanceof ArcheryRefusal) throw new Error(JSON.stringify(error.body));
      throw error;
    }
  }

  /**
   * Test API: make the order's execution end in workflow_exception. An order waiting to execute is executed
   * now; one queuing or executing fails when its run ends; one still under review fails when executed later.
   */
  dbaFail(order: SimWorkOrder, message: string): void {
    if (isFinal(order.status))
      throw new Error(`order ${order.workflowId} is already final (${order.status})`);
    order.failWith = message;
    if (order.status === 'workflow_review_pass' || order.status === 'workflow_timingtask')
      this.startAutoExecution(order);
  }

  /** Test API: the DBA terminates the order in the web UI (the API cannot reject, issue #2962). */
  dbaAbort(order: SimWorkOrder): void {
    if (!['workflow_manreviewing', 'workflow_review_pass', 'workflow_timingtask'].includes(order.status)) {
      throw new Error(`order ${order.workflowId} is ${order.status}; it can no longer be aborted`);
    }
    order.audit.status = order.audit.status === 0 ? 2 : order.audit.status;
    order.status = 'workflow_abort';
  }

  snapshot(): ArcheryBookState {
    return structuredClone({
      nextWorkflowId: this.nextWorkflowId,
      nextContentId: this.nextContentId,
      orders: this.orders,
    });
  }

  /** Continue from a snapshot: the same orders and id sequences; runs cut short by the restart resume. */
  restore(state: ArcheryBookState): void {
    this.orders.splice(0, this.orders.length, ...structuredClone(state.orders));
    this.nextWorkflowId = state.nextWorkflowId;
    this.nextContentId = state.nextContentId;
    for (const order of this.orders) {
      if (order.status === 'workflow_queuing') this.resumeQueued(order);
      else if (order.status === 'workflow_executing') this.resumeExecuting(order);
    }
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private checkAction(order: SimWorkOrder, action: number): void {
    const allowed = allowedActions[order.audit.status];
    if (allowed.length === 0) {
      throw operateFailure(`不允许的操作, 工单当前状态为 ${order.audit.status}, 不允许做任何操作`);
    }
    if (!allowed.includes(action)) {
      throw operateFailure(
        `不允许的操作, 工单当前状态为 ${order.audit.status}, 允许的操作为${allowed.map((a) => actionLabels[a]).join(',')}`,
      );
    }
  }

  private inRunWindow(order: SimWorkOrder): boolean {
    const now = Date.now();
    if (order.runDateStart && parseNaiveLocalTime(order.runDateStart).getTime() > now) return false;
    if (order.runDateEnd && parseNaiveLocalTime(order.runDateEnd).getTime() < now) return false;
    return true;
  }

  /** queuing → executing → finish | exception, each step after `executeDelayMs` (django-q worker). */
  private startAutoExecution(order: SimWorkOrder): void {
    order.status = 'workflow_queuing';
    this.resumeQueued(order);
  }

  private resumeQueued(order: SimWorkOrder): void {
    this.later(() => {
      if (order.status !== 'workflow_queuing') return;
      order.status = 'workflow_executing';
      this.resumeExecuting(order);
    });
  }

  private resumeExecuting(order: SimWorkOrder): void {
    this.later(() => {
      if (order.status !== 'workflow_executing') return;
      const failure = order.failWith;
      order.status = failure ? 'workflow_exception' : 'workflow_finish';
      order.finishTime = naiveLocalTime(new Date());
      order.executeResult = JSON.stringify(executionRows(order, failure));
    });
  }

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.options.executeDelayMs);
    this.timers.add(t);
  }
}

export function isFinal(status: ArcherySimStatus): boolean {
  return ['workflow_finish', 'workflow_abort', 'workflow_autoreviewwrong', 'workflow_exception'].includes(
    status,
  );
}

function operateFailure(reason: string): ArcheryRefusal {
  return errorsRefusal(`操作失败, ${reason}`);
}

/**
 * execute_result rows as goInception answers an execution: every statement executed, or executed up to the
 * failing one, after which nothing ran (stage CHECKED, never executed).
 */
function executionRows(order: SimWorkOrder, failure: string | null): ArcheryReviewRow[] {
  const reviewed = JSON.parse(order.reviewContent) as ArcheryReviewRow[];
  const failsAt = failure === null ? -1 : reviewed.length - 1;
  const done = order.isBackup ? 'Execute Successfully\nBackup Successfully' : 'Execute Successfully';
  return reviewed.map((row, index): ArcheryReviewRow => {
    if (index === failsAt) {
      return {
        ...row,
        stage: 'EXECUTED',
        errlevel: 2,
        stagestatus: 'Execute failed',
        errormessage: failure ?? '',
        execute_time: '0.010',
        actual_affected_rows: 0,
      };
    }
    return {
      ...row,
      stage: 'EXECUTED',
      errlevel: 0,
      stagestatus: done,
      errormessage: '',
      execute_time: '0.010',
      actual_affected_rows: index === 0 ? 0 : 1,
    };
  });
}
