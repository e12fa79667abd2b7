/** Checks of Jira's answers at the edge: a shape that breaks the contract becomes BAD_RESPONSE, not a crash. */
import { UpstreamError } from '../http/index.js';
import type { JiraIssue, JiraSearchResult, JiraStatus, JiraTransition } from './jira-types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badResponse(what: string, body: unknown): UpstreamError {
  return new UpstreamError({
    upstream: 'jira',
    code: 'BAD_RESPONSE',
    body,
    message: `jira answered ${what} with a body that does not match the REST v2 contract. Check JIRA_BASE_URL points at Jira itself (not a proxy login page).`,
  });
}

export function readIssue(body: unknown, what: string): JiraIssue {
  if (!isRecord(body) || typeof body.key !== 'string' || !isRecord(body.fields))
    throw badResponse(what, body);
  const issue: JiraIssue = { id: String(body.id ?? ''), key: body.key, fields: body.fields };
  if (isRecord(body.changelog) && Array.isArray(body.changelog.histories)) {
    issue.changelog = body.changelog as unknown as NonNullable<JiraIssue['changelog']>;
  }
  return issue;
}

export function readStatus(issue: JiraIssue, what: string): JiraStatus {
  const status = issue.fields.status;
  if (!isRecord(status) || typeof status.name !== 'string') throw badResponse(what, issue);
  return { id: String(status.id ?? ''), name: status.name };
}

export function readSummary(issue: JiraIssue): string {
  return typeof issue.fields.summary === 'string' ? issue.fields.summary : '';
}

export function readTransitions(body: unknown, what: string): JiraTransition[] {
  if (!isRecord(body) || !Array.isArray(body.transitions)) throw badResponse(what, body);
  return body.transitions.map((t: unknown) => {
    if (!isRecord(t) || typeof t.name !== 'string' || !isRecord(t.to) || typeof t.to.name !== 'string') {
      throw badResponse(what, body);
    }
    return { id: String(t.id), name: t.name, to: { id: String(t.to.id ?? ''), name: t.to.name } };
  });
}

export function readSearch(body: unknown, what: string): JiraSearchResult {
  if (!isRecord(body) || !Array.isArray(body.issues)) throw badResponse(what, body);
  return {
    startAt: Number(body.startAt ?? 0),
    maxResults: Number(body.maxResults ?? body.issues.length),
    total: Number(body.total ?? body.issues.length),
    issues: body.issues.map((i: unknown) => readIssue(i, what)),
  };
}

export function readCreated(body: unknown, what: string): { key: string; id: string } {
  if (!isRecord(body) || typeof body.key !== 'string') throw badResponse(what, body);
  return { key: body.key, id: String(body.id ?? '') };
}
