/**
 * The original system's status codes, for the legacy query `GET /cicdflow/?summary=&sql_id=`.
 * Original codes: 100 UAT升级完成, 101 SQL待执行, 102 SQL执行中, 150 SQL执行失败, 151 代码升级失败.
 * Added by cdflow (1xx in progress or done, 15x failed): 103 CONFIG执行中, 104 CODE执行中,
 * 105 开发/运维修改, 106 运营环境升级, 107 升级流程结束, 152 配置升级失败.
 */
import { isOrderDone, isOrderFailed } from './release-progress.js';
import type { ReleaseContext } from './release-types.js';

export interface LegacyStatus {
  code: number;
  label: string;
}

export function legacyStatus(describe: { state: string; context: ReleaseContext }): LegacyStatus {
  const [top, sub] = describe.state.split('.');
  switch (top) {
    case 'sqlPending':
      return sub === 'failed' ? { code: 150, label: 'SQL执行失败' } : { code: 101, label: 'SQL待执行' };
    case 'sqlExecuting':
      return { code: 102, label: 'SQL执行中' };
    case 'configExecuting':
      return { code: 103, label: 'CONFIG执行中' };
    case 'codeExecuting':
      return { code: 104, label: 'CODE执行中' };
    case 'uatComplete':
      return { code: 100, label: 'UAT升级完成' };
    case 'fixing':
      if (describe.context.failure?.stage === 'code') return { code: 151, label: '代码升级失败' };
      if (describe.context.failure?.stage === 'config') return { code: 152, label: '配置升级失败' };
      return { code: 105, label: '开发/运维修改' };
    case 'prodUpgrade':
      return { code: 106, label: '运营环境升级' };
    default:
      return { code: 107, label: '升级流程结束' };
  }
}

export interface LegacySqlStatus {
  sqlId: string;
  /** 100 executed, 101 waiting to be submitted, 102 in Archery, 150 failed. */
  status: number;
  errormessage: string;
}

/** Per-SQL status for the legacy answer's `sql_info[]` (items already applied earlier count as 100). */
export function legacySqlStatuses(context: ReleaseContext): LegacySqlStatus[] {
  return context.request.sql.map((item) => {
    const order = context.sqlOrders.find((o) => o.sqlId === item.sqlId);
    if (!order) {
      const applied = context.applied.sql[item.sqlId]?.hash === item.hash;
      return { sqlId: item.sqlId, status: applied ? 100 : 101, errormessage: '' };
    }
    if (isOrderDone(order)) return { sqlId: item.sqlId, status: 100, errormessage: '' };
    if (isOrderFailed(order))
      return { sqlId: item.sqlId, status: 150, errormessage: order.error ?? order.status };
    if (order.workflowId === null) return { sqlId: item.sqlId, status: 101, errormessage: '' };
    return { sqlId: item.sqlId, status: 102, errormessage: '' };
  });
}
