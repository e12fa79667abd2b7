/**
 * Rule 1 of the machine: compare each section of a request with what was applied (not merely
 * submitted) for this release; the plan is what remains, with the reason for every item.
 */
import type { ApolloItem, AppliedState, NormalizedRequest, PlanEntry, ReleasePlan } from './release-types.js';

export function emptyAppliedState(): AppliedState {
  return { sql: {}, apollo: {}, config: {}, code: {} };
}

/** Identity of an Apollo item in `AppliedState.apollo`. */
export function apolloItemKey(item: ApolloItem): string {
  return `${item.appId}/${item.cluster}/${item.namespace}/${item.key}`;
}

const run = <T>(item: T, reason: string): PlanEntry<T> => ({ item, decision: 'run', reason });
const skip = <T>(item: T, reason: string): PlanEntry<T> => ({ item, decision: 'skip', reason });

/** Why an item marked `has_deploy_uat` is not run in UAT (the plan's reason and the Jira fields say it). */
export const deployedToUatReason = 'already in UAT (has_deploy_uat)';

/**
 * SQL items whose text is still to be read (`request.sqlAwaitingText`) are not planned: the machine
 * reads them first and plans again.
 */
export function planRelease(applied: AppliedState, request: NormalizedRequest): ReleasePlan {
  const inUat = <T extends { deployedToUat?: boolean }>(item: T) =>
    request.env === 'UAT' && item.deployedToUat === true;
  /** An item applied whole: skipped when in UAT by other means, run when new or when `change` names a change. */
  const planApplied = <T extends { deployedToUat?: boolean }, A>(
    item: T,
    done: A | undefined,
    change: (done: A) => string | null,
  ): PlanEntry<T> => {
    if (inUat(item)) return skip(item, deployedToUatReason);
    if (!done) return run(item, 'new');
    const reason = change(done);
    return reason === null ? skip(item, 'already applied') : run(item, reason);
  };
  const contentChange = (item: { hash: string }) => (done: { hash: string }) =>
    done.hash === item.hash ? null : 'content changed';
  return {
    sql: request.sql.map((item) => planApplied(item, applied.sql[item.sqlId], contentChange(item))),
    apollo: request.apollo.map((item) =>
      planApplied(item, applied.apollo[apolloItemKey(item)], (done) =>
        done.value === item.value ? null : 'value changed',
      ),
    ),
    config: request.config.map((item) => planApplied(item, applied.config[item.name], contentChange(item))),
    code: request.code.map((item) => {
      if (item.svnVersion === '') return skip(item, 'no deploy (empty svn_version)');
      const done = applied.code[item.service];
      if (!done) return run(item, 'new');
      if (done.svnVersion !== item.svnVersion) return run(item, 'version changed');
      if (done.tag !== item.tag) return run(item, 'tag changed');
      return skip(item, 'already applied');
    }),
  };
}
