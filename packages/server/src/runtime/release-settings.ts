/** The settings a release is created with, from the configuration (later config changes do not move it). */
import type { Env, ReleaseSettings } from '@cdflow/core';
import type { ServerConfig } from '../config/server-config.js';

/** A production release also takes its approvals, change windows and Jira names (`prod`), and its own Apollo. */
export function releaseSettings(config: ServerConfig, env: Env = 'UAT'): ReleaseSettings {
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
    policyGate: config.policy.gate,
    apolloAutomatic: apollo !== null,
    ...(env === 'PRO' ? { prod: config.prod } : {}),
  };
}
