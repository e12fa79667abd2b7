/**
 * The simulated Jira's memory and rules: users, issues, the workflow, comments and changelogs. Routes and
 * the test API (`actAs`) both go through it, so a person in a test is held to the same rules as cdflow.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ReleaseStateId } from '@cdflow/core';
import { checkFields, type FieldValue, fieldValueString } from './jira-field-rules.js';
import { type JqlIssueView, parseJql, runJql } from './jira-jql.js';
import type { JiraSimField, JiraSimProject, JiraSimUser } from './jira-seed.js';
import { JiraSimError } from './jira-sim-error.js';
import type { JiraSimTransition, JiraSimWorkflow } from './jira-workflow-definition.js';

export interface SimChangelogItem {
  field: string;
  fieldtype: 'jira' | 'custom';
  fieldId?: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface SimHistory {
  id: string;
  author: string;
  created: number;
  items: SimChangelogItem[];
}

export interface SimComment {
  id: string;
  body: string;
  author: string;
  created: number;
}

export interface SimIssue {
  id: number;
  key: string;
  project: JiraSimProject;
  state: ReleaseStateId;
  values: Record<string, FieldValue>;
  comments: SimComment[];
  histories: SimHistory[];
  reporter: string;
  created: number;
  updated: number;
}

export type JiraSimEvent =
  | { kind: 'created'; issue: SimIssue; user: string }
  | { kind: 'updated'; issue: SimIssue; user: string; changelog: SimHistory; eventType: string }
  | { kind: 'commented'; issue: SimIssue; user: string; comment: SimComment };

export class JiraSimState {
  baseUrl = '';
  private readonly issuesById = new Map<number, SimIssue>();
  private readonly counters = new Map<string, number>();
  private nextIssueId = 39000;
  private nextHistoryId = 10400;
  private nextCommentId = 10080;
  private clock = 0;

  constructor(
    readonly workflow: JiraSimWorkflow,
    readonly projects: readonly JiraSimProject[],
    readonly issueType: { id: string; name: string; description: string },
    readonly fields: readonly JiraSimField[],
    readonly users: Map<string, JiraSimUser>,
    private readonly token: string,
    private readonly emit: (event: JiraSimEvent) => void,
  ) {}

  /** The user behind an Authorization header (Bearer PAT of the service user, or preemptive Basic). */
  authenticate(header: string | undefined): JiraSimUser | null {
    if (!header) return null;
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') {
      return safeEqual(value, this.token) ? (this.users.get('cdflow') ?? null) : null;
    }
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return null;
      const user = this.users.get(decoded.slice(0, colon));
      return user && safeEqual(decoded.slice(colon + 1), user.password) ? user : null;
    }
    return null;
  }

  /** A person for the test API: known users, or a new one with that name (as if an admin had added them). */
  person(name: string): JiraSimUser {
    let user = this.users.get(name);
    if (!user) {
      user = {
        name,
        password: `${name}-password`,
        displayName: name,
        emailAddress: `${name}@example.invalid`,
      };
      this.users.set(name, user);
    }
    return user;
  }

  all(): SimIssue[] {
    return [...this.issuesById.values()];
  }

  find(keyOrId: string): SimIssue | undefined {
    const upper = keyOrId.toUpperCase();
    for (const issue of this.issuesById.values())
      if (issue.key === upper || String(issue.id) === keyOrId) return issue;
    return undefined;
  }

  get(keyOrId: string): SimIssue {
    const issue = this.find(keyOrId);
    if (!issue) throw JiraSimError.messages(404, 'Issue Does Not Exist');
    return issue;
  }

  create(user: JiraSimUser, body: unknown): SimIssue {
    const fields = fieldsOf(body);
    const errors: Record<string, string> = {};
    const projectRef = fields.project as { key?: unknown; id?: unknown } | undefined;
    const project =
      projectRef && typeof projectRef === 'object'
        ? this.projects.find((p) => p.key === projectRef.key || p.id === String(projectRef.id))
        : undefined;
    if (projectRef === undefined) errors.project = 'project is required';
    else if (!project) errors.project = 'valid project is required';
    else if (user.readOnly) errors.project = 'You do not have permission to create issues in this project.';
    const typeRef = fields.issuetype as { name?: unknown; id?: unknown } | undefined;
    if (typeRef === undefined) errors.issuetype = 'issue type is required';
    else if (
      typeof typeRef !== 'object' ||
      (typeRef.name !== this.issueType.name && String(typeRef.id) !== this.issueType.id)
    ) {
      errors.issuetype = 'valid issue type is required';
    }
    const checked = checkFields(fields, this.fields, 'create');
    Object.assign(errors, checked.errors);
    if (Object.keys(errors).length > 0 || !project) throw JiraSimError.fields(400, errors);

    const n = (this.counters.get(project.key) ?? 0) + 1;
    this.counters.set(project.key, n);
    const now = this.tick();
    const issue: SimIssue = {
      id: this.nextIssueId++,
      key: `${project.key}-${n}`,
      project,
      state: this.workflow.transitions.find((t) => t.key === 'create')!.to,
      values: checked.values,
      comments: [],
      histories: [],
      reporter: user.name,
      created: now,
      updated: now,
    };
    this.issuesById.set(issue.id, issue);
    this.emit({ kind: 'created', issue, user: user.name });
    return issue;
  }

  edit(user: JiraSimUser, keyOrId: string, body: unknown): void {
    const issue = this.get(keyOrId);
    if (user.readOnly)
      throw JiraSimError.messages(403, 'You do not have permission to edit issues in this project.');
    const fields = fieldsOf(body);
    const checked = checkFields(fields, this.fields, 'edit');
    if (Object.keys(checked.errors).length > 0) throw JiraSimError.fields(400, checked.errors);
    const items: SimChangelogItem[] = [];
    for (const [id, value] of Object.entries(checked.values)) {
      const before = issue.values[id] ?? null;
      if (JSON.stringify(before) === JSON.stringify(value)) continue;
      const custom = this.fields.find((f) => f.id === id);
      const optionId = (v: FieldValue) => (v && typeof v === 'object' && !Array.isArray(v) ? v.id : null);
      items.push({
        field: custom ? custom.name : id,
        fieldtype: custom ? 'custom' : 'jira',
        fieldId: id,
        from: optionId(before),
        fromString: fieldValueString(before),
        to: optionId(value),
        toString: fieldValueString(value),
      });
      issue.values[id] = value;
    }
    // Jira records no history and sends no event when nothing changed.
    if (items.length === 0) return;
    const history = this.record(issue, user, items);
    this.emit({ kind: 'updated', issue, user: user.name, changelog: history, eventType: 'issue_updated' });
  }

  /** Transitions the user may perform now (none for a user without the permission, as Jira hides them). */
  available(user: JiraSimUser, keyOrId: string): JiraSimTransition[] {
    const issue = this.get(keyOrId);
    return user.readOnly ? [] : this.workflow.openFrom(issue.state);
  }

  transition(user: JiraSimUser, keyOrId: string, body: unknown): JiraSimTransition {
    const issue = this.get(keyOrId);
    const ref = isRecord(body) ? body.transition : undefined;
    const rawId = isRecord(ref) ? ref.id : undefined;
    if (rawId === undefined || rawId === null || rawId === '') {
      throw JiraSimError.messages(400, "Missing 'transition' identifier");
    }
    if (!/^\d+$/.test(String(rawId)))
      throw JiraSimError.messages(400, "'transition' identifier must be an integer");
    const id = String(rawId);
    const transition = this.available(user, issue.key).find((t) => t.id === id);
    if (!transition) {
      const name = this.workflow.transitionById(id)?.name ?? id;
      throw JiraSimError.messages(
        400,
        `It seems that you have tried to perform a workflow operation (${name}) that is not valid for the current state of this issue (${issue.key}). The likely cause is that somebody has changed the issue recently, please look at the issue history for details.`,
      );
    }
    // The cdflow transitions have no screen: fields cannot be set through them (and `update` is dropped).
    const fields = isRecord(body) && isRecord(body.fields) ? Object.keys(body.fields) : [];
    if (fields.length > 0) {
      throw JiraSimError.fields(
        400,
        Object.fromEntries(
          fields.map((f) => [
            f,
            `Field '${f}' cannot be set. It is not on the appropriate screen, or unknown.`,
          ]),
        ),
      );
    }
    this.apply(issue, user, transition);
    return transition;
  }

  comment(user: JiraSimUser, keyOrId: string, body: unknown): SimComment {
    const issue = this.get(keyOrId);
    if (user.readOnly)
      throw JiraSimError.fields(400, { comment: 'You do not have the permission to comment on this issue.' });
    const text = isRecord(body) ? body.body : undefined;
    if (typeof text !== 'string' || text.trim().length === 0) {
      throw JiraSimError.fields(400, { comment: 'Comment body can not be empty!' });
    }
    const comment: SimComment = {
      id: String(this.nextCommentId++),
      body: text,
      author: user.name,
      created: this.tick(),
    };
    issue.comments.push(comment);
    issue.updated = comment.created;
    this.emit({ kind: 'commented', issue, user: user.name, comment });
    return comment;
  }

  search(jql: string, startAt: number, maxResults: number): { total: number; issues: SimIssue[] } {
    const query = parseJql(jql, this.vocabulary());
    const matched = runJql(
      query,
      this.all().map((i) => this.view(i)),
    ).map((v) => this.issuesById.get(v.id)!);
    return { total: matched.length, issues: matched.slice(startAt, startAt + maxResults) };
  }

  vocabulary() {
    return {
      projects: this.projects.flatMap((p) => [p.key, p.id, p.name]),
      statuses: this.workflow.statuses.flatMap((s) => [s.name, s.id]),
      issueTypes: [this.issueType.name, this.issueType.id],
    };
  }

  view(issue: SimIssue): JqlIssueView & { id: number } {
    return {
      id: issue.id,
      key: issue.key,
      projectKey: issue.project.key,
      summary: typeof issue.values.summary === 'string' ? issue.values.summary : '',
      statusName: this.workflow.status(issue.state).name,
      issueTypeName: this.issueType.name,
      created: issue.created,
      updated: issue.updated,
    };
  }

  private apply(issue: SimIssue, user: JiraSimUser, transition: JiraSimTransition): void {
    const from = this.workflow.status(issue.state);
    const to = this.workflow.status(transition.to);
    const statusItem: SimChangelogItem = {
      field: 'status',
      fieldtype: 'jira',
      from: from.id,
      fromString: from.name,
      to: to.id,
      toString: to.name,
    };
    // Like real Jira, a transition into a "done" status also sets the resolution, listed before the status.
    const items: SimChangelogItem[] =
      to.categoryId === 3
        ? [
            {
              field: 'resolution',
              fieldtype: 'jira',
              from: null,
              fromString: null,
              to: '10000',
              toString: 'Done',
            },
            statusItem,
          ]
        : [statusItem];
    issue.state = transition.to;
    const history = this.record(issue, user, items);
    this.emit({ kind: 'updated', issue, user: user.name, changelog: history, eventType: 'issue_generic' });
  }

  private record(issue: SimIssue, user: JiraSimUser, items: SimChangelogItem[]): SimHistory {
    const history: SimHistory = {
      id: String(this.nextHistoryId++),
      author: user.name,
      created: this.tick(),
      items,
    };
    issue.histories.push(history);
    issue.updated = history.created;
    return history;
  }

  /** Strictly increasing milliseconds, so "newest first" is well defined even within one millisecond. */
  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldsOf(body: unknown): Record<string, unknown> {
  if (!isRecord(body))
    throw JiraSimError.messages(
      400,
      'Can not deserialize instance of IssueInputBean out of the request body',
    );
  if (body.fields !== undefined && !isRecord(body.fields)) {
    throw JiraSimError.messages(
      400,
      "Can not deserialize instance of java.util.LinkedHashMap out of 'fields'",
    );
  }
  return (body.fields as Record<string, unknown> | undefined) ?? {};
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
