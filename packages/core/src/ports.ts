/**
 * The interfaces the effects need. Core declares them; `@cdflow/adapters` implements them over HTTP;
 * the server's effect runner calls them. Every method may throw an `UpstreamError`-like error carrying
 * `code` and `retryable` (see `@cdflow/adapters`); ports never swallow an upstream failure.
 */
import type { ApolloItem, ArcheryStatus, Env } from './release-types.js';

export interface JiraIssueRef {
  key: string;
  summary: string;
  status: string;
}

export interface JiraPort {
  /** Exact-summary search in a project (JQL), newest first; null when none. */
  findIssueBySummary(projectKey: string, summary: string): Promise<JiraIssueRef | null>;
  /** Create an issue; `fields` are Jira REST v2 fields (custom field ids already resolved). */
  createIssue(fields: Record<string, unknown>): Promise<{ key: string; id: string }>;
  updateFields(issueKey: string, fields: Record<string, unknown>): Promise<void>;
  getIssue(issueKey: string): Promise<JiraIssueRef>;
  /**
   * Move the issue to the status named `targetStatus`, along the workflow (several transitions when
   * needed), preferring the transition named `preferTransition` when several lead there. A no-op when the
   * issue is already there. Re-reads and retries after a 409.
   */
  moveToStatus(
    issueKey: string,
    targetStatus: string,
    preferTransition?: string,
  ): Promise<{ from: string; to: string; transitions: string[] }>;
  comment(issueKey: string, body: string): Promise<void>;
}

export interface ArcheryWorkOrderRef {
  workflowId: number;
  workflowName: string;
  status: ArcheryStatus;
  dbName: string;
  sqlContent: string;
  /** Readable reason from `execute_result`/`review_content` when the order failed. */
  error: string | null;
}

export interface ArcheryPort {
  /** Orders whose name is exactly `workflowName` (Archery filters icontains; the port narrows). */
  findWorkOrders(workflowName: string): Promise<ArcheryWorkOrderRef[]>;
  submitWorkOrder(input: {
    workflowName: string;
    groupName: string;
    instanceName: string;
    dbName: string;
    sql: string;
  }): Promise<ArcheryWorkOrderRef>;
  getWorkOrder(workflowId: number): Promise<ArcheryWorkOrderRef>;
  /** Pass every remaining audit level as the service user (mode auto). */
  auditPass(workflowId: number, remark: string): Promise<void>;
  /** Execute an order in `workflow_review_pass` (mode auto). */
  execute(workflowId: number, mode: 'auto' | 'manual'): Promise<void>;
}

export interface CmdbTarget {
  id: number;
  name: string;
  env: string;
  tag: string;
  svnPath: string;
}

export type CmdbTaskStatus = 'pending' | 'running' | 'success' | 'failed';

export interface CmdbPort {
  findTargets(env: Env, svnPath: string): Promise<CmdbTarget[]>;
  /** Idempotent by `requestId`: the same id returns the same task, never a second deploy. */
  deploy(
    targetId: number,
    input: { version: string; operator: string; requestId: string },
  ): Promise<{ taskId: string; status: CmdbTaskStatus }>;
  getTask(taskId: string): Promise<{ taskId: string; status: CmdbTaskStatus; message: string | null }>;
}

export interface ApolloPort {
  upsertItem(env: Env, item: ApolloItem, operator: string): Promise<void>;
  publish(
    env: Env,
    target: { appId: string; cluster: string; namespace: string },
    release: { title: string; comment: string; releasedBy: string },
  ): Promise<{ releaseId: number | string }>;
}
