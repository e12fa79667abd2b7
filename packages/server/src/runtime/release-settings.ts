/**
 * The settings a release of `project` is created with, from the configuration (later config changes do
 * not move it). The policy gate runs only for the projects the data platform's policy covers.
 */
import type { ReleaseSettings } from '@cdflow/core';
import type { ServerConfig } from '../config/server-config.js';

export function releaseSettings(config: ServerConfig, project: string): ReleaseSettings {
  const t = config.timings;
  return {
    sqlMode: config.sqlMode,
    archeryPollMs: t.archeryPollMs,
    cmdbPollMs: t.cmdbPollMs,
    preDeployDelayMs: t.preDeployDelayMs,
    deployTimeoutMs: t.deployTimeoutMs,
    deployRetries: t.deployRetries,
    deployRetryPauseMs: t.deployRetryPauseMs,
    policyGate: config.policy.gate && config.policy.projects.includes(project),
    apolloAutomatic: config.apollo !== null,
  };
}
