/** How the simulated Jira renders users, statuses, issues and transitions in REST answers and webhooks. */
import type { JiraSimUser } from './jira-seed.js';
import type { JiraSimState, SimComment, SimHistory, SimIssue } from './jira-sim-state.js';
import type { JiraSimStatus, JiraSimTransition, JiraSimWorkflow } from './jira-workflow-definition.js';

const categories = {
  2: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  3: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
  4: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
} as const;

/** Jira's timestamp format: `2019-08-13T06:14:23.580+0000`. */
export function jiraTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function userJson(state: JiraSimState, name: string): Record<string, unknown> {
  const user: JiraSimUser | undefined = state.users.get(name);
  return {
    self: `${state.baseUrl}/rest/api/2/user?username=${encodeURIComponent(name)}`,
    name,
    key: name,
    emailAddress: user?.emailAddress ?? `${name}@example.invalid`,
    avatarUrls: {},
    displayName: user?.displayName ?? name,
    active: true,
    timeZone: 'Asia/Shanghai',
  };
}

export function statusJson(state: JiraSimState, status: JiraSimStatus): Record<string, unknown> {
  return {
    self: `${state.baseUrl}/rest/api/2/status/${status.id}`,
    description: status.description,
    iconUrl: `${state.baseUrl}/images/icons/statuses/generic.png`,
    name: status.name,
    id: status.id,
    statusCategory: {
      self: `${state.baseUrl}/rest/api/2/statuscategory/${status.categoryId}`,
      ...categories[status.categoryId],
    },
  };
}

export function transitionJson(
  state: JiraSimState,
  workflow: JiraSimWorkflow,
  t: JiraSimTransition,
): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    to: statusJson(state, workflow.status(t.to)),
    hasScreen: false,
    isGlobal: false,
    isInitial: false,
    isConditional: t.groups !== undefined,
  };
}

/**
 * A user as /myself and /user answer: the user bean plus `groups` (items only with `expand=groups`) and
 * `applicationRoles`, the way Jira Server lists them.
 */
export function userDetailJson(
  state: JiraSimState,
  name: string,
  expandGroups: boolean,
): Record<string, unknown> {
  const groups = [...(state.users.get(name)?.groups ?? [])].sort();
  return {
    ...userJson(state, name),
    locale: 'zh_CN',
    groups: {
      size: groups.length,
      items: expandGroups
        ? groups.map((g) => ({
            name: g,
            self: `${state.baseUrl}/rest/api/2/group?groupname=${encodeURIComponent(g)}`,
          }))
        : [],
    },
    applicationRoles: { size: 1, items: [] },
    expand: 'groups,applicationRoles',
  };
}

export function commentJson(state: JiraSimState, issue: SimIssue, c: SimComment): Record<string, unknown> {
  return {
    self: `${state.baseUrl}/rest/api/2/issue/${issue.id}/comment/${c.id}`,
    id: c.id,
    author: userJson(state, c.author),
    body: c.body,
    updateAuthor: userJson(state, c.author),
    created: jiraTime(c.created),
    updated: jiraTime(c.created),
  };
}

export function historyJson(state: JiraSimState, h: SimHistory): Record<string, unknown> {
  return { id: h.id, author: userJson(state, h.author), created: jiraTime(h.created), items: h.items };
}

/** Every field of an issue (custom fields unset are null, as Jira lists them). */
export function allFields(state: JiraSimState, issue: SimIssue): Record<string, unknown> {
  const status = state.statusOf(issue);
  const resolved = status.categoryId === 3;
  const fields: Record<string, unknown> = {
    issuetype: {
      self: `${state.baseUrl}/rest/api/2/issuetype/${issue.issueType.id}`,
      id: issue.issueType.id,
      description: issue.issueType.description,
      name: issue.issueType.name,
      subtask: false,
    },
    project: {
      self: `${state.baseUrl}/rest/api/2/project/${issue.project.id}`,
      id: issue.project.id,
      key: issue.project.key,
      name: issue.project.name,
      projectTypeKey: 'software',
    },
    summary: issue.values.summary ?? null,
    description: issue.values.description ?? null,
    labels: issue.values.labels ?? [],
    status: statusJson(state, status),
    resolution: resolved
      ? { id: '10000', name: 'Done', description: 'Work has been completed on this issue.' }
      : null,
    priority: { id: '3', name: 'Medium' },
    reporter: userJson(state, issue.reporter),
    creator: userJson(state, issue.reporter),
    assignee: null,
    created: jiraTime(issue.created),
    updated: jiraTime(issue.updated),
    comment: {
      comments: issue.comments.map((c) => commentJson(state, issue, c)),
      maxResults: issue.comments.length,
      total: issue.comments.length,
      startAt: 0,
    },
  };
  for (const f of state.fields) fields[f.id] = issue.values[f.id] ?? null;
  return fields;
}

/** An issue as `GET /issue/{key}` answers: `fields` narrowed to the list asked for (`*all` or none: all). */
export function issueJson(
  state: JiraSimState,
  issue: SimIssue,
  fieldList: string[] | undefined,
  expandChangelog: boolean,
): Record<string, unknown> {
  const all = allFields(state, issue);
  const wanted = fieldList?.filter((f) => f.length > 0) ?? [];
  const fields =
    wanted.length === 0 || wanted.includes('*all') || wanted.includes('*navigable')
      ? all
      : Object.fromEntries(wanted.filter((f) => f in all).map((f) => [f, all[f]]));
  const json: Record<string, unknown> = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: String(issue.id),
    self: `${state.baseUrl}/rest/api/2/issue/${issue.id}`,
    key: issue.key,
    fields,
  };
  if (expandChangelog) {
    json.changelog = {
      startAt: 0,
      maxResults: issue.histories.length,
      total: issue.histories.length,
      histories: issue.histories.map((h) => historyJson(state, h)),
    };
  }
  return json;
}
