/**
 * A Jira move is out of date when a later decision has queued a move of its own: a person (or an
 * operator) acted while cdflow's earlier move still waited in the outbox, e.g. ops chose 重新提交代码
 * right after 配置升级失败, before cdflow had mirrored the failure. Running the stale move would drag the
 * issue back (CODE执行中 → 代码升级失败 → 开发/运维修改) and show people a failure that is over; the later
 * move alone takes the issue where the release is now. The moves of one decision (a skipped stage walks
 * several statuses) are never out of date with each other.
 */
import type { OutboxRow } from '../store/release-repository.js';

/** The decision an effect belongs to: its key up to the effect type (core's `…:i<n>:r<n>:<type>` keys). */
function decisionOf(row: OutboxRow): string {
  const at = row.idempotencyKey.indexOf(`:${row.type}`);
  return at < 0 ? row.idempotencyKey : row.idempotencyKey.slice(0, at);
}

export function isSupersededMove(row: OutboxRow, releaseEffects: readonly OutboxRow[]): boolean {
  if (row.type !== 'jira.moveTo') return false;
  const own = decisionOf(row);
  return releaseEffects.some(
    (other) =>
      other.id > row.id &&
      other.type === 'jira.moveTo' &&
      (other.status === 'pending' || other.status === 'running') &&
      decisionOf(other) !== own,
  );
}
