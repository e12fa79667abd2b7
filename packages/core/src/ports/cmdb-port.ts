/**
 * What cdflow needs from the CMDB to deploy code. Two dialects implement it in `@cdflow/adapters`:
 * `tasks` (cdflow's own contract: asynchronous tasks with a `request_id`) and `jiracdflow` (the original
 * program's synchronous CMDB). Which targets a code item deploys to is the dialect's rule, so the port
 * answers the matching targets; cdflow deploys every one of them.
 */
import type { Env } from '../release-types.js';

export interface CmdbTarget {
  id: number;
  name: string;
  env: string;
  tag: string;
  svnPath: string;
}

export type CmdbTaskStatus = 'pending' | 'running' | 'success' | 'failed';

/** What starting a deploy answers: a task to poll (tasks dialect), or the final outcome (synchronous CMDB). */
export type CmdbDeployResult =
  | { kind: 'task'; taskId: string; status: CmdbTaskStatus }
  | { kind: 'finished'; status: 'success' | 'failed'; message: string | null };

export interface CmdbPort {
  /**
   * Every deploy target the code item (`svnPath`, `tag`; tag "" means V1) selects in `env`, by the
   * dialect's matching rules. Empty when none matches (the caller fails the item naming path and tag).
   */
  findTargets(env: Env, item: { svnPath: string; tag: string }): Promise<CmdbTarget[]>;
  /**
   * Deploy `version` on one target. The tasks dialect is idempotent by `requestId` (the same id returns
   * the same task, never a second deploy); a synchronous CMDB has no idempotency key.
   */
  deploy(
    target: CmdbTarget,
    input: { version: string; operator: string; requestId: string },
  ): Promise<CmdbDeployResult>;
  getTask(taskId: string): Promise<{ taskId: string; status: CmdbTaskStatus; message: string | null }>;
}
