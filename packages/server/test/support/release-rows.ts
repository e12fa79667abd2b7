/** Rows and decisions the store tests write, for both the repository and the ReleaseStore. */
import type { DecisionWrite, NewRelease } from '../../src/store/index.js';

/** A new release's row: an A18 first upgrade in UAT, waiting for its SQL, with no Jira issue yet. */
export function newReleaseRow(releaseId: string, overrides: Partial<NewRelease> = {}): NewRelease {
  return {
    releaseId,
    summary: `【A18】【升级】${releaseId}`,
    issueKey: null,
    project: 'A18',
    jiraProject: 'AC',
    env: 'UAT',
    state: 'sqlPending',
    iteration: 1,
    machineVersion: 1,
    snapshot: { value: 'sqlPending', context: { iteration: 1 } },
    ...overrides,
  };
}

/** A decision's writes that write nothing: no audit entry, effect or timer. */
export const nothingWritten = { audit: [], effects: [], scheduleTimers: [], cancelTimers: [] };

/**
 * A decision that moves the release (issue AC-1) to `state` over `expectedRevision`, auditing one accepted
 * test event; `snapshot` is the machine snapshot it stores.
 */
export function moveDecision(
  releaseId: string,
  expectedRevision: number,
  state: string,
  extra: Partial<DecisionWrite> = {},
  snapshot: unknown = { value: state, context: { iteration: 1 } },
): DecisionWrite & Required<Pick<DecisionWrite, 'release'>> {
  return {
    releaseId,
    release: { expectedRevision, state, iteration: 1, issueKey: 'AC-1', machineVersion: 1, snapshot },
    ...nothingWritten,
    audit: [{ source: 'test', actor: 'tester', event: 'E', fromState: null, toState: state, accepted: true }],
    ...extra,
  };
}
