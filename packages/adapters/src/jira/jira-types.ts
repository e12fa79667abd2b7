/** Shapes of the Jira REST v2 answers cdflow reads, and the client's options. */
import type { JiraWorkflowNames } from '@cdflow/core';
import type { AdapterLogger, HttpObserver } from '../http/index.js';

/** PAT (Jira 8.14+) or preemptive basic auth: Jira never challenges, so the header goes on every call. */
export type JiraAuth = { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };

export interface JiraClientOptions {
  /** The Jira base URL, without `/rest/api/2` (e.g. `https://jira.example.com`). */
  baseUrl: string;
  auth: JiraAuth;
  /** Per-attempt timeout (ms). Default 10 s. */
  timeoutMs?: number;
  /** Retries of 429/5xx/network failures for calls that are safe to repeat. Default 2. */
  retries?: number;
  logger?: AdapterLogger;
  /** Told after every HTTP attempt (metrics). */
  observer?: HttpObserver;
  /** Status and transition names of the site's "cdflow" workflow (default: core's Chinese names). */
  names?: JiraWorkflowNames;
}

export interface JiraStatus {
  id: string;
  name: string;
}

export interface JiraTransition {
  id: string;
  name: string;
  to: JiraStatus;
}

export interface JiraChangelogItem {
  field: string;
  fieldtype?: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface JiraChangelogEntry {
  id: string;
  created?: string;
  author?: { name?: string };
  items: JiraChangelogItem[];
}

/** An issue as `GET /issue/{key}` or `/search` returns it; `fields` holds what was asked for. */
export interface JiraIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  changelog?: { startAt?: number; total?: number; histories: JiraChangelogEntry[] };
}

export interface JiraSearchResult {
  startAt: number;
  maxResults: number;
  total: number;
  issues: JiraIssue[];
}

export interface JiraUser {
  name: string;
  key?: string;
  displayName?: string;
  emailAddress?: string;
}
