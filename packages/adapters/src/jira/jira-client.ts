/**
 * Jira Server / Data Center REST v2 client: issues, fields, transitions by status name along the cdflow
 * workflow, comments and JQL search. Implements core's `JiraPort`.
 */
import {
  defaultJiraWorkflowNames,
  type JiraIssueRef,
  type JiraPort,
  type JiraWorkflowNames,
  jiraWorkflowGraph,
} from '@cdflow/core';
import { httpClientTuning } from '../http/http-client-tuning.js';
import { HttpClient, isUpstreamError, UpstreamError } from '../http/index.js';
import { jqlString, summarySearchTerm } from './jira-jql.js';
import {
  readCreated,
  readIssue,
  readSearch,
  readStatus,
  readSummary,
  readTransitions,
} from './jira-response.js';
import { planStatusPath } from './jira-status-path.js';
import type {
  JiraAuth,
  JiraClientOptions,
  JiraIssue,
  JiraSearchResult,
  JiraTransition,
  JiraUser,
} from './jira-types.js';
import { JiraWorkflowError } from './jira-workflow-error.js';

const api = 'rest/api/2';
/** Re-reads allowed after a 409 or a move that raced with someone else, per `moveToStatus` call. */
const maxStaleRetries = 3;
/** Upper bound on transitions of one move (the longest walk of the cdflow workflow is 5). */
const maxSteps = 12;
/** Pages read when looking for an exact summary among text-search candidates. */
const maxSearchPages = 10;

export class JiraClient implements JiraPort {
  readonly names: JiraWorkflowNames;
  private readonly http: HttpClient;

  constructor(options: JiraClientOptions) {
    this.names = options.names ?? defaultJiraWorkflowNames;
    const authorization = authorizationHeader(options.auth);
    this.http = new HttpClient({
      upstream: 'jira',
      baseUrl: options.baseUrl,
      ...httpClientTuning(options),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      headers: () => ({ authorization }),
    });
  }

  /** The service user the credentials belong to (a cheap credentials check). */
  async myself(): Promise<JiraUser> {
    const res = await this.http.request<JiraUser>({ method: 'GET', path: `${api}/myself` });
    return res.body;
  }

  /** JQL search (`POST /search`, read-only so safe to retry). */
  async search(
    jql: string,
    options: { startAt?: number; maxResults?: number; fields?: string[] } = {},
  ): Promise<JiraSearchResult> {
    const res = await this.http.request<unknown>({
      method: 'POST',
      path: `${api}/search`,
      json: {
        jql,
        startAt: options.startAt ?? 0,
        maxResults: options.maxResults ?? 50,
        fields: options.fields ?? ['summary', 'status'],
      },
      idempotent: true,
    });
    return readSearch(res.body, 'POST /search');
  }

  /**
   * The newest issue of `projectKey` whose summary is exactly `summary`, or null. Jira's `~` is a fuzzy text
   * search, so candidates are narrowed to the exact summary here.
   */
  async findIssueBySummary(
    projectKey: string,
    summary: string,
    issueType?: string,
  ): Promise<JiraIssueRef | null> {
    const term = summarySearchTerm(summary);
    const type =
      issueType === undefined || issueType === '' ? '' : ` AND issuetype = ${jqlString(issueType)}`;
    const jql = `project = ${jqlString(projectKey)}${type}${term === null ? '' : ` AND summary ~ ${jqlString(term)}`} ORDER BY created DESC`;
    let startAt = 0;
    for (let page = 0; page < maxSearchPages; page++) {
      const result = await this.search(jql, { startAt, maxResults: 50, fields: ['summary', 'status'] });
      for (const issue of result.issues) {
        if (readSummary(issue) === summary) {
          return { key: issue.key, summary, status: readStatus(issue, 'POST /search').name };
        }
      }
      startAt += result.issues.length;
      if (result.issues.length === 0 || startAt >= result.total) break;
    }
    return null;
  }

  /**
   * Create an issue. Not idempotent upstream, so never retried here: use `ensureIssue` when a retry must
   * not create a second issue.
   */
  async createIssue(fields: Record<string, unknown>): Promise<{ key: string; id: string }> {
    const res = await this.http.request<unknown>({
      method: 'POST',
      path: `${api}/issue`,
      json: { fields },
      idempotent: false,
    });
    return readCreated(res.body, 'POST /issue');
  }

  /**
   * The issue with `fields.summary` in `fields.project.key`: found by summary first, created otherwise. When
   * the create's answer is lost (timeout, reset, 5xx), it searches again before trying another create.
   */
  async ensureIssue(
    fields: Record<string, unknown> & { project: { key: string }; summary: string },
    attempts = 3,
  ): Promise<{ key: string; created: boolean }> {
    const projectKey = fields.project.key;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const existing = await this.findIssueBySummary(projectKey, fields.summary);
      if (existing) return { key: existing.key, created: false };
      try {
        const created = await this.createIssue(fields);
        return { key: created.key, created: true };
      } catch (err) {
        if (!isUpstreamError(err) || !err.retryable) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  /** Edit fields (`PUT /issue/{key}` → 204). Setting a field to the same value twice is harmless. */
  async updateFields(issueKey: string, fields: Record<string, unknown>): Promise<void> {
    await this.http.request<unknown>({
      method: 'PUT',
      path: `${api}/issue/${encodeURIComponent(issueKey)}`,
      json: { fields },
      allowEmpty: true,
    });
  }

  async getIssue(issueKey: string): Promise<JiraIssueRef> {
    const issue = await this.getIssueDetails(issueKey, ['summary', 'status'], true);
    return { key: issue.key, summary: readSummary(issue), status: readStatus(issue, 'GET /issue').name };
  }

  /** The raw issue with the given fields, with its changelog when `expandChangelog`. */
  async getIssueDetails(issueKey: string, fields: string[], expandChangelog = false): Promise<JiraIssue> {
    const res = await this.http.request<unknown>({
      method: 'GET',
      path: `${api}/issue/${encodeURIComponent(issueKey)}`,
      searchParams: { fields: fields.join(','), expand: expandChangelog ? 'changelog' : undefined },
    });
    return readIssue(res.body, 'GET /issue');
  }

  /** Transitions open from the issue's current status (ids differ per instance: never hard-code them). */
  async listTransitions(issueKey: string): Promise<JiraTransition[]> {
    const res = await this.http.request<unknown>({
      method: 'GET',
      path: `${api}/issue/${encodeURIComponent(issueKey)}/transitions`,
    });
    return readTransitions(res.body, 'GET /issue/transitions');
  }

  /** Perform one transition by id. Not retried: a repeat after a lost answer is refused by Jira. */
  async transition(issueKey: string, transitionId: string): Promise<void> {
    await this.http.request<unknown>({
      method: 'POST',
      path: `${api}/issue/${encodeURIComponent(issueKey)}/transitions`,
      json: { transition: { id: transitionId } },
      idempotent: false,
      allowEmpty: true,
    });
  }

  async moveToStatus(
    issueKey: string,
    targetStatus: string,
    preferTransition?: string,
    options: { expectedFrom?: string } = {},
  ): Promise<{ from: string; to: string; transitions: string[] }> {
    const from = (await this.getIssue(issueKey)).status;
    if (options.expectedFrom !== undefined && from !== options.expectedFrom) {
      throw movedMeanwhile(issueKey, options.expectedFrom, from);
    }
    let current = from;
    const performed: string[] = [];
    let staleRetries = 0;
    let prefer = preferTransition;
    for (let step = 0; step < maxSteps + maxStaleRetries; step++) {
      if (current === targetStatus) return { from, to: current, transitions: performed };
      const available = await this.listTransitions(issueKey);
      prefer = this.preferenceOffered(from, current, targetStatus, available, prefer);
      const chosen = this.chooseTransition(issueKey, from, current, targetStatus, available, prefer);
      try {
        await this.transition(issueKey, chosen.id);
        performed.push(chosen.name);
        current = chosen.to.name;
      } catch (err) {
        if (!(err instanceof UpstreamError) || !mayBeStale(err) || staleRetries >= maxStaleRetries) throw err;
        // Judge the refusal by where the issue is now, not by Jira's (localised) error text.
        const now = (await this.getIssue(issueKey)).status;
        if (now === chosen.to.name) {
          // Our own transition went through and only its answer was lost.
          performed.push(chosen.name);
          current = now;
          continue;
        }
        // Not moved: the refusal stands (a 409 is Jira's own "concurrent transition, try again").
        if (now === current && err.code !== 'CONFLICT') throw err;
        if (options.expectedFrom !== undefined) throw movedMeanwhile(issueKey, current, now);
        staleRetries += 1;
        current = now;
      }
    }
    throw new JiraWorkflowError({
      failure: 'MOVE_EXHAUSTED',
      issueKey,
      message: `jira issue ${issueKey} did not reach status "${targetStatus}" (it is in "${current}") after ${performed.length} transitions and ${staleRetries} re-reads; it keeps changing concurrently. Retry later.`,
    });
  }

  async userGroups(username: string): Promise<string[]> {
    let body: unknown;
    try {
      const res = await this.http.request<unknown>({
        method: 'GET',
        path: `${api}/user`,
        searchParams: { username, expand: 'groups' },
      });
      body = res.body;
    } catch (err) {
      // Jira answers 404 for a user it does not know: no groups, so no approval of theirs counts.
      if (isUpstreamError(err) && err.status === 404) return [];
      throw err;
    }
    const items = (body as { groups?: { items?: unknown } } | null)?.groups?.items;
    if (!Array.isArray(items)) {
      throw new UpstreamError({
        upstream: 'jira',
        code: 'BAD_RESPONSE',
        message: `jira GET /user?username=${username}&expand=groups answered without groups.items: cannot tell the user's groups`,
      });
    }
    return items
      .map((g: unknown) => (g !== null && typeof g === 'object' ? (g as { name?: unknown }).name : undefined))
      .filter((g): g is string => typeof g === 'string' && g !== '');
  }

  async comment(issueKey: string, body: string): Promise<void> {
    await this.http.request<unknown>({
      method: 'POST',
      path: `${api}/issue/${encodeURIComponent(issueKey)}/comment`,
      json: { body },
      idempotent: false,
    });
  }

  /**
   * The preferred transition, unless it is an optional one (see core's `jiraWorkflowGraph`) the site's
   * workflow does not offer now: then the walk goes by the export's transitions, to its end.
   */
  private preferenceOffered(
    origin: string,
    current: string,
    target: string,
    available: JiraTransition[],
    prefer: string | undefined,
  ): string | undefined {
    if (prefer === undefined) return undefined;
    const next = planStatusPath(this.names, current, target, prefer, origin)?.[0];
    const optional = jiraWorkflowGraph.some((e) => e.key === next?.key && e.optional === true);
    if (!optional || available.some((t) => t.to.name === next?.to && t.name === next?.transition))
      return prefer;
    return undefined;
  }

  private chooseTransition(
    issueKey: string,
    origin: string,
    current: string,
    target: string,
    available: JiraTransition[],
    prefer: string | undefined,
  ): JiraTransition {
    const offered = available.map((t) => `${t.name} → ${t.to.name}`).join(', ') || 'none';
    const path = planStatusPath(this.names, current, target, prefer, origin);
    if (path === null) {
      // A status outside the configured workflow: a direct transition Jira offers still gets us there.
      const direct = available.filter((t) => t.to.name === target);
      const chosen = direct.find((t) => t.name === prefer) ?? direct[0];
      if (chosen) return chosen;
      throw new JiraWorkflowError({
        failure: 'NO_PATH',
        issueKey,
        message: `jira issue ${issueKey} cannot go from "${current}" to "${target}": the configured workflow has no path between them and Jira offers no direct transition (offered: ${offered}). Check the status names in the cdflow configuration.`,
      });
    }
    const next = path[0]!;
    const candidates = available.filter((t) => t.to.name === next.to);
    const chosen =
      (path.length === 1 && prefer !== undefined ? candidates.find((t) => t.name === prefer) : undefined) ??
      candidates.find((t) => t.name === next.transition) ??
      candidates[0];
    if (chosen) return chosen;
    throw new JiraWorkflowError({
      failure: 'TRANSITION_UNAVAILABLE',
      issueKey,
      message: `jira issue ${issueKey} is in "${current}" but Jira offers no transition to "${next.to}" (wanted "${next.transition}"; offered: ${offered}). Check the workflow of the project and the service user's "Transition issues" permission.`,
    });
  }
}

function authorizationHeader(auth: JiraAuth): string {
  if (auth.kind === 'bearer') return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}`;
}

/** A failed transition that a re-read can resolve: a conflict, a stale status, or an answer that was lost. */
/** A refused or unanswered transition that may mean the issue moved meanwhile (re-read to know). */
function mayBeStale(err: unknown): boolean {
  if (!(err instanceof UpstreamError)) return false;
  return ['CONFLICT', 'VALIDATION', 'TIMEOUT', 'NETWORK'].includes(err.code);
}

function movedMeanwhile(issueKey: string, expected: string, now: string): UpstreamError {
  return new UpstreamError({
    upstream: 'jira',
    code: 'CONFLICT',
    message: `jira issue ${issueKey} moved meanwhile (expected "${expected}", it is in "${now}"): deciding again.`,
  });
}
