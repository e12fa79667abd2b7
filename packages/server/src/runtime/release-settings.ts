/**
 * The settings a release of `project` in `env` is created with, from the configuration (later config
 * changes do not move it). The policy gate runs only for the projects the data platform's policy covers;
 * a production release also takes its approvals, change windows and Jira names (`prod`), and its own Apollo.
 */
import type { Env, ReleaseSettings } from '@cdflow/core';
import type { ServerConfig } from '../config/server-config.js';

export function releaseSettings(config: ServerConfig, project: string, env: Env = 'UAT'): ReleaseSettings {
  const t = config.timings;
  const apollo = env === 'PRO' ? (config.environments.PRO?.apollo ?? null) : config.apollo;
  return {
    sqlMode: config.sqlMode,
    archeryPollMs: t.archeryPollMs,
    cmdbPollMs: t.cmdbPollMs,
    preDeployDelayMs: t.preDeployDelayMs,
    deployTimeoutMs: t.deployTimeoutMs,
    deployRetries: t.deployRetries,
    deployRetryPauseMs: t.deployRetryPauseMs,
    policyGate: config.policy.gate && config.policy.projects.includes(project),
    apolloAutomatic: apollo !== null,
    ...(env === 'PRO' ? { prod: config.prod } : {}),
  };
}
