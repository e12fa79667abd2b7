/** The Jira simulator's saved state (`snapshotState()`), and reading one back before continuing. */
import { StateReader } from '../common/simulator-state-error.js';
import type { JiraStateIssues } from './jira-sim-state.js';

export interface JiraSimulatorState extends JiraStateIssues {
  version: 1;
}

export function parseJiraSimulatorState(raw: unknown): JiraSimulatorState {
  const read = new StateReader('Jira');
  const state = read.state(raw, 1);
  read.recordOf(state.keyCounters, 'keyCounters', 'integer');
  read.array(state.issues, 'issues').forEach((raw, i) => {
    read.fields(raw, `issues[${i}]`, {
      id: 'integer',
      key: 'string',
      project: 'string',
      issueType: 'string',
      status: 'string',
      values: 'record',
      comments: 'array',
      histories: 'array',
      reporter: 'string',
      created: 'integer',
      updated: 'integer',
    });
  });
  read.array(state.people, 'people').forEach((raw, i) => {
    read.fields(raw, `people[${i}]`, { name: 'string', groups: 'array' });
  });
  for (const field of ['nextIssueId', 'nextHistoryId', 'nextCommentId', 'clock'] as const) {
    read.integer(state[field], field);
  }
  return state as unknown as JiraSimulatorState;
}
