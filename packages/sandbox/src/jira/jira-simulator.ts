/**
 * A faithful in-memory Jira Server (REST v2) on an ephemeral port: projects AC and QC, issue type 升级,
 * the cdflow workflow with the export's ids, custom fields, comments, a JQL subset, signed webhooks, and
 * a test API to act as a named person.
 */
import { randomBytes } from 'node:crypto';
import { defaultJiraWorkflowNames, type JiraWorkflowNames } from '@cdflow/core';
import {
  SimulatorBase,
  type SimulatorRequestRecord,
  type SimulatorShell,
  startSimulator,
} from '../common/index.js';
import { fieldValueString } from './jira-field-rules.js';
import { registerJiraRoutes } from './jira-routes.js';
import { type JiraSimUser, jiraSeed } from './jira-seed.js';
import { JiraSimError } from './jira-sim-error.js';
import { JiraSimState, type SimIssue } from './jira-sim-state.js';
import {
  type JiraWebhookDelivery,
  JiraWebhookDispatcher,
  type JiraWebhookRegistration,
} from './jira-webhooks.js';
import { JiraSimWorkflow } from './jira-workflow-definition.js';

export interface JiraSimulatorOptions {
  host?: string;
  /** PAT of the service user `cdflow` (generated when absent). */
  token?: string;
  /** Password of the service user `cdflow` for basic auth (generated when absent). */
  password?: string;
  /** People besides the seed's (dba, ops, tester, viewer); `readOnly` people may browse only. */
  users?: Array<{
    name: string;
    password?: string;
    displayName?: string;
    emailAddress?: string;
    readOnly?: boolean;
  }>;
  /** Status and transition names of the workflow (default: the original Chinese names). */
  names?: JiraWorkflowNames;
}

/** An issue as a test sees it: the status name, the stored fields, and the comment bodies in order. */
export interface JiraSimIssueView {
  key: string;
  id: string;
  project: string;
  summary: string;
  status: string;
  fields: Record<string, unknown>;
  comments: string[];
  /** Every change, oldest first, with who made it. */
  history: Array<{
    author: string;
    items: Array<{ field: string; fromString: string | null; toString: string | null }>;
  }>;
}

export interface JiraActor {
  /** Perform the transition named `transitionName` as this person (refused like Jira when not open now). */
  transition(issueKey: string, transitionName: string): Promise<void>;
  /** Edit fields as this person (same validation as `PUT /issue/{key}`). */
  edit(issueKey: string, fields: Record<string, unknown>): Promise<void>;
  comment(issueKey: string, body: string): Promise<void>;
}

/**
 * One REST call the simulated Jira answered: the method, the route pattern as the counters name it (e.g.
 * `POST /rest/api/2/issue`), the URL, the status and when it arrived (ms since epoch), so tests can
 * measure a client's back-off.
 */
export type JiraRequestRecord = SimulatorRequestRecord;

export class JiraSimulator extends SimulatorBase {
  readonly credentials: { token: string; user: string; password: string };
  readonly workflow: JiraSimWorkflow;

  private constructor(
    shell: SimulatorShell,
    url: string,
    private readonly state: JiraSimState,
    private readonly webhooks: JiraWebhookDispatcher,
    credentials: { token: string; user: string; password: string },
  ) {
    super(url, shell);
    this.credentials = credentials;
    this.workflow = state.workflow;
  }

  static async start(options: JiraSimulatorOptions = {}): Promise<JiraSimulator> {
    const credentials = {
      token: options.token ?? `jira-pat-${randomBytes(18).toString('base64url')}`,
      user: jiraSeed.serviceUser,
      password: options.password ?? randomBytes(12).toString('base64url'),
    };
    const users = new Map<string, JiraSimUser>();
    const add = (u: {
      name: string;
      password?: string;
      displayName?: string;
      emailAddress?: string;
      readOnly?: boolean;
    }) =>
      users.set(u.name, {
        name: u.name,
        password: u.password ?? randomBytes(12).toString('base64url'),
        displayName: u.displayName ?? u.name,
        emailAddress: u.emailAddress ?? `${u.name}@example.invalid`,
        ...(u.readOnly ? { readOnly: true } : {}),
      });
    add({ name: credentials.user, password: credentials.password, displayName: 'cdflow service' });
    for (const person of jiraSeed.people) add(person);
    for (const person of options.users ?? []) add(person);

    const workflow = new JiraSimWorkflow(options.names ?? defaultJiraWorkflowNames);
    let dispatcher: JiraWebhookDispatcher | undefined;
    const state = new JiraSimState(
      workflow,
      jiraSeed.projects,
      jiraSeed.issueType,
      jiraSeed.fields,
      users,
      credentials.token,
      (event) => dispatcher?.dispatch(event),
    );
    dispatcher = new JiraWebhookDispatcher(state);
    return startSimulator(
      options.host ?? '127.0.0.1',
      (app, sim: () => JiraSimulator) =>
        registerJiraRoutes(app, state, dispatcher, (user) => sim().actAs(user)),
      (shell, url) => {
        state.baseUrl = url;
        return new JiraSimulator(shell, url, state, dispatcher, credentials);
      },
    );
  }

  override async close(): Promise<void> {
    await this.webhooks.flush();
    await super.close();
  }

  registerWebhook(hook: JiraWebhookRegistration): void {
    this.webhooks.register(hook);
  }

  /** The next `times` webhook deliveries are never sent (the receiver was down; Jira does not retry). */
  loseWebhooks(times: number): void {
    this.webhooks.loseNext(times);
  }

  /** Deliveries so far, in order (with the raw body, its signature and the receiver's answer). */
  webhookDeliveries(): JiraWebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  /** Wait until every webhook delivery started so far has been answered. */
  flushWebhooks(): Promise<void> {
    return this.webhooks.flush();
  }

  /**
   * Perform the next `times` calls of `route` (e.g. `POST /rest/api/2/issue`) but drop the connection
   * instead of answering: the change is made upstream and the client never learns it.
   */
  loseAnswers(route: string, times = 1): void {
    this.shell.lateAnswers.add({ route, times, dropConnection: true });
  }

  /** Every REST call answered, with its arrival time (for back-off measurements). */
  requestLog(): JiraRequestRecord[] {
    return this.shell.requests.records();
  }

  actAs(user: string): JiraActor {
    const person = this.state.person(user);
    return {
      transition: async (issueKey, transitionName) => {
        const open = this.state.available(person, issueKey);
        const wanted = open.find((t) => t.name === transitionName);
        const id = wanted?.id ?? this.workflow.transitions.find((t) => t.name === transitionName)?.id;
        if (id === undefined) {
          throw JiraSimError.messages(400, `The workflow has no transition named "${transitionName}".`);
        }
        this.state.transition(person, issueKey, { transition: { id } });
      },
      edit: async (issueKey, fields) => {
        this.state.edit(person, issueKey, { fields });
      },
      comment: async (issueKey, body) => {
        this.state.comment(person, issueKey, { body });
      },
    };
  }

  issue(key: string): JiraSimIssueView | undefined {
    const issue = this.state.find(key);
    return issue ? this.view(issue) : undefined;
  }

  issues(): JiraSimIssueView[] {
    return this.state.all().map((i) => this.view(i));
  }

  private view(issue: SimIssue): JiraSimIssueView {
    return {
      key: issue.key,
      id: String(issue.id),
      project: issue.project.key,
      summary: fieldValueString(issue.values.summary) ?? '',
      status: this.workflow.status(issue.state).name,
      fields: structuredClone(issue.values),
      comments: issue.comments.map((c) => c.body),
      history: issue.histories.map((h) => ({
        author: h.author,
        items: h.items.map((i) => ({ field: i.field, fromString: i.fromString, toString: i.toString })),
      })),
    };
  }
}
