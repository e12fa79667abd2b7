/**
 * Archery's SQL work orders in memory: submission with review, multi-level audit, execution (auto in the
 * background, manual at once) and the nine statuses with only their real transitions. HTTP-free: the
 * simulator's routes validate bodies and call this; refusals are thrown as `ArcheryRefusal`.
 */
import type { ArcheryStatus } from '@cdflow/core';
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
  private readonly orders: SimWorkOrder[] = [];
  private nextWorkflowId = 1;
  // Content rows start elsewhere so that confusing `id` with `workflow_id` finds the wrong order, as it does
  // on a real Archery whose two tables drifted apart.
  private nextContentId = 3;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly seed: ArcherySeed,
    private readonly executeDelayMs: number,
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

  submit(user: ArcherySeedUser, input: SubmitInput): SimWorkOrder {
    const group = this.seed.groups.find((g) => g.groupId === input.groupId);
    if (!group) throw errorsRefusal(`不存在该资源组：${input.groupId}`);
    // WorkflowContentSerializer.create reads workflow_data["is_offline_export"] unguarded: a body without
    // it passes validation (the model field has a default) and then raises KeyError → Django's 500 page.
    if (input.isOfflineExport === undefined) throw new ArcheryRefusal(500, djangoServerErrorPage);
    if (!this.userInstanceIds(user).includes(input.instanceId)) throw errorsRefusal('你所在组未关联该实例！');
    if (!group.auditAuthGroups || group.auditAuthGroups.length === 0) {
      throw errorsRefusal('审批类型 SQL上线申请 未配置审流');
    }
    const review = reviewSql(input.sqlContent);
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

  /** POST /api/v1/workflow/audit/ after its serializer validated the body. */
  audit(actor: ArcherySeedUser, order: SimWorkOrder, type: 'pass' | 'cancel'): 'passed' | 'canceled' {
    if (type === 'cancel') {
      if (order.engineer !== actor.username) throw errorsRefusal('用户无权操作此工单');
      this.checkAction(order, 3);
      order.audit.status = 3;
      order.status = 'workflow_abort';
      return 'canceled';
    }
    this.checkAction(order, 1);
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

  /** Test API: as the DBA, pass every remaining audit level. */
  dbaPass(order: SimWorkOrder): void {
    if (order.status !== 'workflow_manreviewing') {
      throw new Error(
        `order ${order.workflowId} is ${order.status}; only workflow_manreviewing can be passed`,
      );
    }
    order.audit.index = order.audit.levels.length;
    order.audit.status = 1;
    order.status = 'workflow_review_pass';
  }

  /** Test API: as the DBA, execute on line (auto). */
  dbaExecute(order: SimWorkOrder): void {
    if (order.status !== 'workflow_review_pass' && order.status !== 'workflow_timingtask') {
      throw new Error(
        `order ${order.workflowId} is ${order.status}; only review_pass/timingtask can be executed`,
      );
    }
    this.startAutoExecution(order);
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
    this.later(() => {
      if (order.status !== 'workflow_queuing') return;
      order.status = 'workflow_executing';
      this.later(() => {
        if (order.status !== 'workflow_executing') return;
        const failure = order.failWith;
        order.status = failure ? 'workflow_exception' : 'workflow_finish';
        order.finishTime = naiveLocalTime(new Date());
        order.executeResult = JSON.stringify(executionRows(order, failure));
      });
    });
  }

  private later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.executeDelayMs);
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

/** execute_result rows: every statement executed, or executed up to the failing one (goInception stops there). */
function executionRows(order: SimWorkOrder, failure: string | null): ArcheryReviewRow[] {
  const reviewed = JSON.parse(order.reviewContent) as ArcheryReviewRow[];
  const rows: ArcheryReviewRow[] = [];
  for (const [index, row] of reviewed.entries()) {
    const failsHere = failure !== null && index === reviewed.length - 1;
    rows.push({
      ...row,
      stage: failsHere ? 'Execute failed' : 'Executed',
      errlevel: failsHere ? 2 : 0,
      stagestatus: failsHere ? '执行失败' : 'Execute Successfully',
      errormessage: failsHere ? failure : 'None',
      actual_affected_rows: failsHere ? 0 : 1,
      execute_time: '0.010',
    });
  }
  return rows;
}
