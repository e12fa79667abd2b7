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
  return {
    sql: request.sql.map((item) => {
      if (inUat(item)) return skip(item, deployedToUatReason);
      const done = applied.sql[item.sqlId];
      if (!done) return run(item, 'new');
      return done.hash === item.hash ? skip(item, 'already applied') : run(item, 'content changed');
    }),
    apollo: request.apollo.map((item) => {
      if (inUat(item)) return skip(item, deployedToUatReason);
      const done = applied.apollo[apolloItemKey(item)];
      if (!done) return run(item, 'new');
      return done.value === item.value ? skip(item, 'already applied') : run(item, 'value changed');
    }),
    config: request.config.map((item) => {
      if (inUat(item)) return skip(item, deployedToUatReason);
      const done = applied.config[item.name];
      if (!done) return run(item, 'new');
      return done.hash === item.hash ? skip(item, 'already applied') : run(item, 'content changed');
    }),
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
