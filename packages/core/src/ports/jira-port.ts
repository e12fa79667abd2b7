/** What cdflow needs from Jira (REST v2); `@cdflow/adapters` implements it. */

export interface JiraIssueRef {
  key: string;
  summary: string;
  status: string;
}

export interface JiraPort {
  /**
   * Exact-summary search in a project (JQL), newest first; null when none. With `issueType`, only issues
   * of that type (a production issue and its UAT issue share the summary).
   */
  findIssueBySummary(projectKey: string, summary: string, issueType?: string): Promise<JiraIssueRef | null>;
  /** Create an issue; `fields` are Jira REST v2 fields (custom field ids already resolved). */
  createIssue(fields: Record<string, unknown>): Promise<{ key: string; id: string }>;
  updateFields(issueKey: string, fields: Record<string, unknown>): Promise<void>;
  getIssue(issueKey: string): Promise<JiraIssueRef>;
  /**
   * Move the issue to the status named `targetStatus`, along the workflow (several transitions when
   * needed), preferring the transition named `preferTransition` when several lead there. A no-op when the
   * issue is already there. A refused transition is judged by re-reading the issue (never by the text of
   * Jira's error, which depends on its language): moved meanwhile → stale, otherwise the refusal stands.
   * With `expectedFrom`, the walk is only taken from that status: when a person moved the issue since the
   * caller read it (at the start or between steps), it throws a retryable `CONFLICT` so the caller decides
   * again instead of walking over their move.
   */
  moveToStatus(
    issueKey: string,
    targetStatus: string,
    preferTransition?: string,
    options?: { expectedFrom?: string },
  ): Promise<{ from: string; to: string; transitions: string[] }>;
  comment(issueKey: string, body: string): Promise<void>;
  /**
   * The Jira groups of the user named `username` (`GET /user?username=&expand=groups`): how cdflow checks
   * that an approval made in Jira comes from the approval step's group. An unknown user has none ([]).
   */
  userGroups(username: string): Promise<string[]>;
}
