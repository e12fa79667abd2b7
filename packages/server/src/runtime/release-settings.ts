/** The settings a release is created with, from the configuration (later config changes do not move it). */
import type { ReleaseSettings } from '@cdflow/core';
import type { ServerConfig } from '../config/server-config.js';

export function releaseSettings(config: ServerConfig): ReleaseSettings {
  const t = config.timings;
  return {
    sqlMode: config.sqlMode,
    archeryPollMs: t.archeryPollMs,
    cmdbPollMs: t.cmdbPollMs,
    preDeployDelayMs: t.preDeployDelayMs,
    deployTimeoutMs: t.deployTimeoutMs,
    deployRetries: t.deployRetries,
    deployRetryPauseMs: t.deployRetryPauseMs,
    policyGate: config.policy.gate,
    apolloAutomatic: config.apollo !== null,
  };
}
