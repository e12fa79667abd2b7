/**
 * The simulated Jira's memory and rules: users and groups, issues of two issue types (each with its own
 * workflow), comments and changelogs, and Seraph's login rules. Routes and the test API (`actAs`) both go
 * through it, so a person in a test is held to the same rules as cdflow.
 */
import { timingSafeEqual } from 'node:crypto';
import { SimulatorStateError } from '../common/simulator-state-error.js';
import { checkFields, type FieldValue, fieldValueString } from './jira-field-rules.js';
import { type JqlIssueView, parseJql, runJql } from './jira-jql.js';
import type { JiraMessages } from './jira-messages.js';
import type { JiraSimField, JiraSimProject, JiraSimUser } from './jira-seed.js';
import { JiraSimError } from './jira-sim-error.js';
import type { JiraSimStatus, JiraSimTransition, JiraSimWorkflow } from './jira-workflow-definition.js';

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

/** An issue type of the site and the workflow its issues follow. */
export interface JiraSimIssueType {
  id: string;
  name: string;
  description: string;
  workflow: JiraSimWorkflow;
}

export interface SimIssue {
  id: number;
  key: string;
  project: JiraSimProject;
  issueType: JiraSimIssueType;
  /** The status key within the issue type's workflow. */
  state: string;
  values: Record<string, FieldValue>;
  comments: SimComment[];
  histories: SimHistory[];
  reporter: string;
  created: number;
  updated: number;
}

/** The transition behind an update, for webhooks fired from the transition's post functions. */
export interface SimTransitionDone {
  workflow: JiraSimWorkflow;
  transition: JiraSimTransition;
  from: JiraSimStatus;
  to: JiraSimStatus;
}

export type JiraSimEvent =
  | { kind: 'created'; issue: SimIssue; user: string }
  | {
      kind: 'updated';
      issue: SimIssue;
      user: string;
      changelog: SimHistory;
      eventType: string;
      transition?: SimTransitionDone;
    }
  | { kind: 'commented'; issue: SimIssue; user: string; comment: SimComment };

/** Who is calling: a user, nobody (anonymous), or a refused login and Seraph's reason. */
export type JiraCaller =
  | { kind: 'user'; user: JiraSimUser }
  | { kind: 'anonymous' }
  | { kind: 'refused'; reason: 'AUTHENTICATED_FAILED' | 'AUTHENTICATION_DENIED' };

/** Plain JSON of the issues and sequences, as `snapshotState()` answers (no passwords, no tokens). */
export interface JiraStateIssues {
  nextIssueId: number;
  nextHistoryId: number;
  nextCommentId: number;
  clock: number;
  keyCounters: Record<string, number>;
  /** Each issue as in memory, but its project, issue type and status by their key, name and status key. */
  issues: Array<
    Omit<SimIssue, 'project' | 'issueType' | 'state'> & { project: string; issueType: string; status: string }
  >;
  /** People added after the start (by `actAs` of an unknown name), without passwords. */
  people: Array<{ name: string; displayName: string; emailAddress: string; groups: string[] }>;
}

export interface JiraSimStateConfig {
  projects: readonly JiraSimProject[];
  issueTypes: readonly JiraSimIssueType[];
  fields: readonly JiraSimField[];
  users: Map<string, JiraSimUser>;
  token: string;
  serviceUser: string;
  messages: JiraMessages;
  /** Consecutive failed password logins of one user before Seraph asks for a CAPTCHA. */
  maxAuthenticationAttempts: number;
}

export class JiraSimState {
  baseUrl = '';
  readonly projects: readonly JiraSimProject[];
  readonly issueTypes: readonly JiraSimIssueType[];
  readonly fields: readonly JiraSimField[];
  readonly users: Map<string, JiraSimUser>;
  readonly messages: JiraMessages;
  private readonly issuesById = new Map<number, SimIssue>();
  private readonly counters = new Map<string, number>();
  private readonly failedLogins = new Map<string, number>();
  private readonly addedPeople = new Set<string>();
  private nextIssueId = 39000;
  private nextHistoryId = 10400;
  private nextCommentId = 10080;
  private clock = 0;

  constructor(
    private readonly config: JiraSimStateConfig,
    private readonly emit: (event: JiraSimEvent) => void,
  ) {
    this.projects = config.projects;
    this.issueTypes = config.issueTypes;
    this.fields = config.fields;
    this.users = config.users;
    this.messages = config.messages;
  }

  /**
   * The caller behind an Authorization header: the service user's PAT (Bearer), or preemptive Basic for
   * any user. Like Seraph, consecutive wrong passwords of one user trigger the CAPTCHA: from then on even
   * the right password is refused (AUTHENTICATION_DENIED) until `clearCaptcha`.
   */
  authenticate(header: string | undefined): JiraCaller {
    if (!header) return { kind: 'anonymous' };
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') {
      const user = this.users.get(this.config.serviceUser);
      return safeEqual(value, this.config.token) && user
        ? { kind: 'user', user }
        : { kind: 'refused', reason: 'AUTHENTICATED_FAILED' };
    }
    if (scheme?.toLowerCase() !== 'basic') return { kind: 'refused', reason: 'AUTHENTICATED_FAILED' };
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'refused', reason: 'AUTHENTICATED_FAILED' };
    const name = decoded.slice(0, colon);
    const user = this.users.get(name);
    if (!user) return { kind: 'refused', reason: 'AUTHENTICATED_FAILED' };
    if (this.captchaRequired(name)) return { kind: 'refused', reason: 'AUTHENTICATION_DENIED' };
    if (!safeEqual(decoded.slice(colon + 1), user.password)) {
      this.failedLogins.set(name, (this.failedLogins.get(name) ?? 0) + 1);
      return { kind: 'refused', reason: 'AUTHENTICATED_FAILED' };
    }
    this.failedLogins.delete(name);
    return { kind: 'user', user };
  }

  captchaRequired(name: string): boolean {
    return (this.failedLogins.get(name) ?? 0) >= this.config.maxAuthenticationAttempts;
  }

  /** What a successful web login with the CAPTCHA (or an administrator's reset) does. */
  clearCaptcha(name: string): void {
    this.failedLogins.delete(name);
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
        groups: ['jira-software-users'],
      };
      this.users.set(name, user);
      this.addedPeople.add(name);
    }
    return user;
  }

  /** Members of a group, sorted by name as Jira lists them; undefined when no such group exists. */
  groupMembers(group: string): JiraSimUser[] | undefined {
    const members = [...this.users.values()].filter((u) => u.groups.includes(group));
    if (members.length === 0 && !this.knownGroups().has(group)) return undefined;
    return members.sort((a, b) => a.name.localeCompare(b.name));
  }

  knownGroups(): Set<string> {
    const groups = new Set<string>();
    for (const u of this.users.values()) for (const g of u.groups) groups.add(g);
    for (const type of this.issueTypes)
      for (const t of type.workflow.transitions) for (const g of t.groups ?? []) groups.add(g);
    return groups;
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
    if (!issue) throw JiraSimError.messages(404, this.messages.issueDoesNotExist);
    return issue;
  }

  create(user: JiraSimUser, body: unknown): SimIssue {
    const m = this.messages;
    const fields = fieldsOf(body);
    const errors: Record<string, string> = {};
    const project = referenced(fields.project, this.projects, 'key');
    if (fields.project === undefined) errors.project = m.projectRequired;
    else if (!project) errors.project = m.validProjectRequired;
    else if (user.readOnly) errors.project = m.noCreatePermission;
    const issueType = referenced(fields.issuetype, this.issueTypes, 'name');
    if (fields.issuetype === undefined) errors.issuetype = m.issueTypeRequired;
    else if (!issueType) errors.issuetype = m.validIssueTypeRequired;
    const checked = checkFields(fields, this.fields, 'create', m);
    Object.assign(errors, checked.errors);
    if (Object.keys(errors).length > 0 || !project || !issueType) throw JiraSimError.fields(400, errors);

    const n = (this.counters.get(project.key) ?? 0) + 1;
    this.counters.set(project.key, n);
    const now = this.tick();
    const issue: SimIssue = {
      id: this.nextIssueId++,
      key: `${project.key}-${n}`,
      project,
      issueType,
      state: issueType.workflow.initial().to,
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
    if (user.readOnly) throw JiraSimError.messages(403, this.messages.noEditPermission);
    const fields = fieldsOf(body);
    const checked = checkFields(fields, this.fields, 'edit', this.messages);
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

  /**
   * Transitions the user may perform now: those leaving the current status whose group condition the user
   * meets (none for a browse-only user), as Jira hides the others.
   */
  available(user: JiraSimUser, keyOrId: string): JiraSimTransition[] {
    const issue = this.get(keyOrId);
    if (user.readOnly) return [];
    return issue.issueType.workflow
      .openFrom(issue.state)
      .filter((t) => !t.groups || t.groups.some((g) => user.groups.includes(g)));
  }

  transition(user: JiraSimUser, keyOrId: string, body: unknown): JiraSimTransition {
    const issue = this.get(keyOrId);
    const ref = isRecord(body) ? body.transition : undefined;
    const rawId = isRecord(ref) ? ref.id : undefined;
    if (rawId === undefined || rawId === null || rawId === '') {
      throw JiraSimError.messages(400, this.messages.missingTransitionId);
    }
    if (!/^\d+$/.test(String(rawId))) throw JiraSimError.messages(400, this.messages.transitionIdNotInteger);
    const id = String(rawId);
    const transition = this.available(user, issue.key).find((t) => t.id === id);
    if (!transition) {
      const name = issue.issueType.workflow.transitionById(id)?.name ?? id;
      throw JiraSimError.messages(400, this.messages.invalidTransition(name, issue.key));
    }
    // The cdflow transitions have no screen: fields cannot be set through them (and `update` is dropped).
    const fields = isRecord(body) && isRecord(body.fields) ? Object.keys(body.fields) : [];
    if (fields.length > 0) {
      throw JiraSimError.fields(
        400,
        Object.fromEntries(fields.map((f) => [f, this.messages.fieldCannotBeSet(f)])),
      );
    }
    this.apply(issue, user, transition);
    return transition;
  }

  comment(user: JiraSimUser, keyOrId: string, body: unknown): SimComment {
    const issue = this.get(keyOrId);
    if (user.readOnly) throw JiraSimError.fields(400, { comment: this.messages.noCommentPermission });
    const text = isRecord(body) ? body.body : undefined;
    if (typeof text !== 'string' || text.trim().length === 0) {
      throw JiraSimError.fields(400, { comment: this.messages.commentEmpty });
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
      statuses: [
        ...new Set(this.issueTypes.flatMap((t) => t.workflow.statuses.flatMap((s) => [s.name, s.id]))),
      ],
      issueTypes: this.issueTypes.flatMap((t) => [t.name, t.id]),
    };
  }

  statusOf(issue: SimIssue): JiraSimStatus {
    return issue.issueType.workflow.status(issue.state);
  }

  view(issue: SimIssue): JqlIssueView & { id: number } {
    return {
      id: issue.id,
      key: issue.key,
      projectKey: issue.project.key,
      summary: typeof issue.values.summary === 'string' ? issue.values.summary : '',
      statusName: this.statusOf(issue).name,
      issueTypeName: issue.issueType.name,
      created: issue.created,
      updated: issue.updated,
    };
  }

  snapshot(): JiraStateIssues {
    return structuredClone({
      nextIssueId: this.nextIssueId,
      nextHistoryId: this.nextHistoryId,
      nextCommentId: this.nextCommentId,
      clock: this.clock,
      keyCounters: Object.fromEntries(this.counters),
      issues: this.all().map((i) => ({
        id: i.id,
        key: i.key,
        project: i.project.key,
        issueType: i.issueType.name,
        status: i.state,
        values: i.values,
        comments: i.comments,
        histories: i.histories,
        reporter: i.reporter,
        created: i.created,
        updated: i.updated,
      })),
      people: [...this.addedPeople].flatMap((name) => {
        const u = this.users.get(name);
        return u
          ? [{ name, displayName: u.displayName, emailAddress: u.emailAddress, groups: u.groups }]
          : [];
      }),
    });
  }

  /** Continue from a snapshot (checked by the caller against this site's projects and issue types). */
  restore(state: JiraStateIssues): void {
    const copy = structuredClone(state);
    for (const p of copy.people) {
      if (!this.users.has(p.name)) {
        this.users.set(p.name, { ...p, password: `${p.name}-password` });
        this.addedPeople.add(p.name);
      }
    }
    for (const [i, saved] of copy.issues.entries()) {
      const project = this.projects.find((p) => p.key === saved.project);
      const issueType = this.issueTypes.find((t) => t.name === saved.issueType);
      if (!project) throw new SimulatorStateError('Jira', `issues[${i}].project`, 'a project of this site');
      if (!issueType) {
        throw new SimulatorStateError('Jira', `issues[${i}].issueType`, 'an issue type of this site');
      }
      if (!issueType.workflow.hasStatus(saved.status)) {
        throw new SimulatorStateError(
          'Jira',
          `issues[${i}].status`,
          `a status of workflow ${issueType.workflow.name}`,
        );
      }
      const { project: _p, issueType: _t, status, ...rest } = saved;
      this.issuesById.set(saved.id, { ...rest, project, issueType, state: status });
    }
    for (const [key, n] of Object.entries(copy.keyCounters)) this.counters.set(key, n);
    this.nextIssueId = copy.nextIssueId;
    this.nextHistoryId = copy.nextHistoryId;
    this.nextCommentId = copy.nextCommentId;
    this.clock = copy.clock;
  }

  private apply(issue: SimIssue, user: JiraSimUser, transition: JiraSimTransition): void {
    const workflow = issue.issueType.workflow;
    const from = workflow.status(issue.state);
    const to = workflow.status(transition.to);
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
    this.emit({
      kind: 'updated',
      issue,
      user: user.name,
      changelog: history,
      eventType: 'issue_generic',
      transition: { workflow, transition, from, to },
    });
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

/**
 * The entry a reference field of a create names (`{"key": …}` or `{"name": …}`, or `{"id": …}`), as Jira
 * resolves `project` and `issuetype`; undefined when the field is no object or names no entry.
 */
function referenced<T extends { id: string }>(
  ref: unknown,
  entries: readonly T[],
  by: keyof T & string,
): T | undefined {
  if (!ref || typeof ref !== 'object') return undefined;
  const named = ref as Record<string, unknown>;
  return entries.find((e) => e[by] === named[by] || e.id === String(named.id));
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
