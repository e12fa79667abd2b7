/** What every route module of the sandbox control API receives. */
import type { Sandbox } from '@cdflow/sandbox';
import type { ServerConfig } from '../config/server-config.js';
import { ApiError, notFound } from '../http/api-error.js';
import type { ReleaseRuntimeApi, ReleaseView } from '../runtime/runtime-api.js';
import type { SqlFailureSwitch } from './sql-failure-switch.js';

export interface ControlContext {
  sandbox: Sandbox;
  runtime: ReleaseRuntimeApi;
  config: ServerConfig;
  sqlFailures: SqlFailureSwitch;
  /** The simulators changed: the state saver writes them soon. */
  changed(): void;
}

/** A release by Jira key, release id or summary, or the 404 every route answers. */
export async function releaseOf(runtime: ReleaseRuntimeApi, key: string): Promise<ReleaseView> {
  const release = await runtime.getRelease(key);
  if (release === null) {
    throw notFound(`no release ${JSON.stringify(key)} (give a Jira issue key, a release id or a summary)`);
  }
  return release;
}

/** A simulator refused the action (as the real system would): 400 with its words. */
export function refused(error: unknown): ApiError {
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(400, 'invalid_request', message);
}

/** Run a simulator action; its refusal becomes a 400, a change is saved. */
export async function act<T>(context: ControlContext, action: () => T | Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await action();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw refused(error);
  }
  context.changed();
  return result;
}
