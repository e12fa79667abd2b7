/**
 * What a test gives a cdflow server it runs against the sandbox's simulators: the environment that points
 * it at them, and timings fast enough for a test (the defaults suit a real site).
 */
import type { Sandbox } from '@cdflow/sandbox';

/** The upstream URLs and credentials of the Jira, Archery and CMDB simulators, as cdflow's environment. */
export function simulatorEnv(sandbox: Sandbox): Record<string, string> {
  return {
    JIRA_BASE_URL: sandbox.urls.jira,
    JIRA_TOKEN: sandbox.credentials.jira.token,
    ARCHERY_BASE_URL: sandbox.urls.archery,
    ARCHERY_USER: sandbox.credentials.archery.username,
    ARCHERY_PASSWORD: sandbox.credentials.archery.password,
    CMDB_BASE_URL: sandbox.urls.cmdb,
    CMDB_TOKEN: sandbox.credentials.cmdb.token,
  };
}

/** Polls, effect retries and Jira grace short enough for tests; no deploy retries, no reconciliation sweeps. */
export const quickTimings = {
  archeryPollMs: 50,
  cmdbPollMs: 50,
  deployRetries: 0,
  effectRetryBaseMs: 50,
  effectRetryMaxMs: 500,
  jiraMoveGraceMs: 500,
  // Off by default in tests (deterministic webhooks); e2e-jira-reconcile turns it on.
  jiraReconcileMs: 0,
};
