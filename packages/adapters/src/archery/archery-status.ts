/** Archery's nine SQL work-order statuses, as a typed enum with the Chinese labels its UI shows. */
import type { ArcheryStatus as CoreArcheryStatus } from '@cdflow/core';

export const ArcheryStatus = {
  finish: 'workflow_finish',
  abort: 'workflow_abort',
  manreviewing: 'workflow_manreviewing',
  reviewPass: 'workflow_review_pass',
  timingtask: 'workflow_timingtask',
  queuing: 'workflow_queuing',
  executing: 'workflow_executing',
  autoreviewwrong: 'workflow_autoreviewwrong',
  exception: 'workflow_exception',
} as const satisfies Record<string, CoreArcheryStatus>;

export type ArcheryStatus = (typeof ArcheryStatus)[keyof typeof ArcheryStatus];

export const archeryStatusLabels: Readonly<Record<ArcheryStatus, string>> = {
  workflow_finish: '已正常结束',
  workflow_abort: '人工终止流程',
  workflow_manreviewing: '等待审核人审核',
  workflow_review_pass: '审核通过',
  workflow_timingtask: '定时执行',
  workflow_queuing: '排队中',
  workflow_executing: '执行中',
  workflow_autoreviewwrong: '自动审核不通过',
  workflow_exception: '执行有异常',
};

/** Statuses an order never leaves. */
export const archeryFinalStatuses: ReadonlySet<ArcheryStatus> = new Set([
  'workflow_finish',
  'workflow_abort',
  'workflow_autoreviewwrong',
  'workflow_exception',
]);

export function isArcheryStatus(value: unknown): value is ArcheryStatus {
  return typeof value === 'string' && Object.hasOwn(archeryStatusLabels, value);
}
