import type { JiraSimulator } from '../../../sandbox/src/jira/index.js';
import { JiraClient, type JiraClientOptions } from '../../src/jira/index.js';

/** A Jira client of the simulator, authenticated as its service user with the bearer token. */
export function jiraClientOf(
  sim: JiraSimulator,
  options: Omit<JiraClientOptions, 'baseUrl' | 'auth'> = {},
): JiraClient {
  return new JiraClient({
    baseUrl: sim.url,
    auth: { kind: 'bearer', token: sim.credentials.token },
    ...options,
  });
}
