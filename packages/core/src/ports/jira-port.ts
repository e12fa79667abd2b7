/** What cdflow needs from Jira (REST v2); `@cdflow/adapters` implements it. */

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
