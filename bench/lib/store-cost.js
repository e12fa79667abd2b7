/**
 * What the store costs per completed release, against the targets the e2e and scale suites both report:
 * SQL statements, commits (all and fsync'd), KiB appended to the WAL and KiB on disk. Each suite adds its
 * own measures between these rows.
 */
import { round } from './stats.js';

/** A figure, or `n/a` where it could not be measured (null). */
export const figure = (value) => (value === null ? 'n/a' : round(value));
/** Bytes as KiB, or `n/a` where they could not be measured (null). */
export const kib = (bytes) => (bytes === null ? 'n/a' : round(bytes / 1024));

/**
 * The rows (measure, value, target) of `cost` ({ statements, commits, durableCommits, walBytes, diskBytes },
 * per release); `diskMeasure` names what the disk figure covers.
 */
export function storeCostRows(cost, diskMeasure) {
  return {
    statements: ['SQL statements executed', figure(cost.statements), '≤ 120'],
    commits: ['commits, all', figure(cost.commits), ''],
    durableCommits: ['commits fsync’d (durable)', figure(cost.durableCommits), '≤ 20'],
    wal: ['KiB appended to the WAL', kib(cost.walBytes), '≤ 200'],
    disk: [diskMeasure, kib(cost.diskBytes), '≤ 8'],
  };
}
