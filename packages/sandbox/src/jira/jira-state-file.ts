/** The Jira simulator's saved state (`snapshotState()`), and reading one back before continuing. */
import { StateReader } from '../common/simulator-state-error.js';
import type { JiraStateIssues } from './jira-sim-state.js';

export interface JiraSimulatorState extends JiraStateIssues {
  version: 1;
}

export function parseJiraSimulatorState(raw: unknown): JiraSimulatorState {
  const read = new StateReader('Jira');
  const state = read.state(raw, 1);
  const counters = read.record(state.keyCounters, 'keyCounters');
  for (const [key, n] of Object.entries(counters)) read.integer(n, `keyCounters.${key}`);
  read.array(state.issues, 'issues').forEach((raw, i) => {
    const issue = read.record(raw, `issues[${i}]`);
    read.integer(issue.id, `issues[${i}].id`);
    read.string(issue.key, `issues[${i}].key`);
    read.string(issue.project, `issues[${i}].project`);
    read.string(issue.issueType, `issues[${i}].issueType`);
    read.string(issue.status, `issues[${i}].status`);
    read.record(issue.values, `issues[${i}].values`);
    read.array(issue.comments, `issues[${i}].comments`);
    read.array(issue.histories, `issues[${i}].histories`);
    read.string(issue.reporter, `issues[${i}].reporter`);
    read.integer(issue.created, `issues[${i}].created`);
    read.integer(issue.updated, `issues[${i}].updated`);
  });
  read.array(state.people, 'people').forEach((raw, i) => {
    const person = read.record(raw, `people[${i}]`);
    read.string(person.name, `people[${i}].name`);
    read.array(person.groups, `people[${i}].groups`);
  });
  for (const field of ['nextIssueId', 'nextHistoryId', 'nextCommentId', 'clock'] as const) {
    read.integer(state[field], field);
  }
  return state as unknown as JiraSimulatorState;
}
