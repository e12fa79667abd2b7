/** Builds the query API's view of a release from its stored row and snapshot. */
import {
  describeRelease,
  type JiraWorkflowNames,
  jiraStatusForState,
  legacySqlInfo,
  legacyUpgradeStatus,
  productStateOf,
  sqlFilesToRead,
} from '@cdflow/core';
import type { ReleaseRow } from '../store/release-repository.js';
import type { ReleaseView } from './runtime-api.js';

export function toReleaseView(row: ReleaseRow, names: JiraWorkflowNames): ReleaseView {
  const described = describeRelease({ machineVersion: row.machineVersion, snapshot: row.snapshot });
  const context = described.context;
  return {
    key: row.issueKey,
    releaseId: row.releaseId,
    summary: row.summary,
    project: row.project,
    jiraProject: row.jiraProject,
    env: row.env,
    state: productStateOf(described.state),
    step: described.state,
    jiraStatus: jiraStatusForState(described.state, names),
    iteration: context.iteration,
    plan: context.plan,
    sqlOrders: context.sqlOrders,
    deployments: context.deployments,
    warnings: context.warnings,
    failure: context.failure,
    acceptedEvents: described.acceptedEvents,
    legacy: {
      upgradeStatus: legacyUpgradeStatus({ state: described.state, context }, names),
      sql: legacySqlInfo(context),
    },
    sqlTexts: {
      read: Object.entries(context.sqlTexts ?? {}).map(([ref, t]) => ({
        ref,
        hash: t.hash,
        encoding: t.encoding,
        source: t.source,
        bytes: t.bytes,
      })),
      awaiting: sqlFilesToRead(context.request, context.sqlTexts).map((f) => f.ref),
    },
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
