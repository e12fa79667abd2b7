/**
 * A faithful in-memory Jira Server (REST v2) on an ephemeral port: projects AC and QC, the UAT issue type
 * 升级 (workflow "cdflow" with the export's ids) and the production issue type 运营升级 (workflow
 * "cdflow-prod"), custom fields, people and groups, comments, a JQL subset, signed webhooks (issue events
 * or workflow post functions), Seraph's login rules, an optional Chinese locale, and a test API to act as a
 * named person. Its state can be saved and continued after a restart.
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
import { type JiraLocale, jiraMessages } from './jira-messages.js';
import {
  defaultProdApprovalGroups,
  defaultProdWorkflowNames,
  type JiraProdApprovalGroups,
  type JiraProdWorkflowNames,
  prodWorkflow,
} from './jira-prod-workflow.js';
import { registerJiraRoutes } from './jira-routes.js';
import { type JiraSimPersonInput, type JiraSimUser, jiraSeed } from './jira-seed.js';
import { JiraSimError } from './jira-sim-error.js';
import { type JiraSimIssueType, JiraSimState, type SimIssue } from './jira-sim-state.js';
import { type JiraSimulatorState, parseJiraSimulatorState } from './jira-state-file.js';
import {
  type JiraWebhookDelivery,
  JiraWebhookDispatcher,
  type JiraWebhookRegistration,
} from './jira-webhooks.js';
import { type JiraSimWorkflow, uatWorkflow } from './jira-workflow-definition.js';

export interface JiraSimulatorOptions {
  host?: string;
  /** PAT of the service user `cdflow` (generated when absent). */
  token?: string;
  /** Password of the service user `cdflow` for basic auth (generated when absent). */
  password?: string;
  /**
   * People besides the seed's (dba1, sa1, lead1, ops1, tester1, dev1, dba, ops, tester, viewer), with their
   * groups; `readOnly` people may browse only. A seed name given here replaces the seed's person.
   */
  users?: JiraSimPersonInput[];
  /** Status and transition names of the UAT workflow (default: the original Chinese names). */
  names?: JiraWorkflowNames;
  /**
   * The UAT workflow has cdflow's SQL未执行完成 (CONFIG执行中 → SQL执行中), which the export lacks and
   * cdflow asks sites to add. Default true; false: the export's transitions only.
   */
  sqlUnfinishedTransition?: boolean;
  /** Name of the production issue type. Default 运营升级. */
  prodIssueType?: string;
  /** Status and transition names of the production workflow (default: `defaultProdWorkflowNames(names)`). */
  prodNames?: JiraProdWorkflowNames;
  /** Group conditions of the approval transitions; `null` lets anyone approve. Default dba / sa / team-leads. */
  prodApprovalGroups?: JiraProdApprovalGroups | null;
  /** Language of the error messages. `zh_CN` answers them in Chinese (the ids and shapes stay the same). */
  locale?: JiraLocale;
  /** Consecutive wrong passwords of one user before Seraph demands a CAPTCHA. Default 3 (Jira's). */
  maxAuthenticationAttempts?: number;
  /** Continue from `snapshotState()` of an earlier simulator: its issues, keys, comments and histories. */
  state?: unknown;
}

/** An issue as a test sees it: the status name, the stored fields, and the comment bodies in order. */
export interface JiraSimIssueView {
  key: string;
  id: string;
  project: string;
  /** The issue type's name (升级 or the production type). */
  issueType: string;
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

/** A person of the simulated site as a test sees it (no password). */
export interface JiraSimPersonView {
  name: string;
  displayName: string;
  groups: string[];
  readOnly: boolean;
}

/**
 * One REST call the simulated Jira answered: the method, the route pattern as the counters name it (e.g.
 * `POST /rest/api/2/issue`), the URL, the status and when it arrived (ms since epoch), so tests can
 * measure a client's back-off.
 */
export type JiraRequestRecord = SimulatorRequestRecord;

export class JiraSimulator extends SimulatorBase {
  readonly credentials: { token: string; user: string; password: string };
  /** The UAT workflow "cdflow" (issue type 升级). */
  readonly workflow: JiraSimWorkflow;
  /** The production workflow "cdflow-prod" (issue type 运营升级 unless renamed). */
  readonly prodWorkflow: JiraSimWorkflow;

  private constructor(
    shell: SimulatorShell,
    url: string,
    private readonly state: JiraSimState,
    private readonly webhooks: JiraWebhookDispatcher,
    credentials: { token: string; user: string; password: string },
  ) {
    super(url, shell);
    this.credentials = credentials;
    const [uat, prod] = state.issueTypes as [JiraSimIssueType, JiraSimIssueType];
    this.workflow = uat.workflow;
    this.prodWorkflow = prod.workflow;
  }

  static async start(options: JiraSimulatorOptions = {}): Promise<JiraSimulator> {
    const saved = options.state === undefined ? undefined : parseJiraSimulatorState(options.state);
    const credentials = {
      token: options.token ?? `jira-pat-${randomBytes(18).toString('base64url')}`,
      user: jiraSeed.serviceUser,
      password: options.password ?? randomBytes(12).toString('base64url'),
    };
    const users = new Map<string, JiraSimUser>();
    const add = (u: JiraSimPersonInput) =>
      users.set(u.name, {
        name: u.name,
        password: u.password ?? randomBytes(12).toString('base64url'),
        displayName: u.displayName ?? u.name,
        emailAddress: u.emailAddress ?? `${u.name}@example.invalid`,
        // Everyone who may log in is a Jira user (`jira-software-users`); a browse-only person too.
        groups: [...new Set(['jira-software-users', ...(u.groups ?? [])])],
        ...(u.readOnly ? { readOnly: true } : {}),
      });
    add({
      name: credentials.user,
      password: credentials.password,
      displayName: 'cdflow service',
      groups: jiraSeed.serviceUserGroups,
    });
    for (const person of jiraSeed.people) add(person);
    for (const person of options.users ?? []) add(person);

    const names = options.names ?? defaultJiraWorkflowNames;
    const issueTypes: JiraSimIssueType[] = [
      {
        ...jiraSeed.issueType,
        workflow: uatWorkflow(names, { sqlUnfinished: options.sqlUnfinishedTransition !== false }),
      },
      {
        ...jiraSeed.prodIssueType,
        name: options.prodIssueType ?? jiraSeed.prodIssueType.name,
        workflow: prodWorkflow(
          options.prodNames ?? defaultProdWorkflowNames(names),
          options.prodApprovalGroups === undefined ? defaultProdApprovalGroups : options.prodApprovalGroups,
        ),
      },
    ];
    let dispatcher: JiraWebhookDispatcher | undefined;
    const state = new JiraSimState(
      {
        projects: jiraSeed.projects,
        issueTypes,
        fields: jiraSeed.fields,
        users,
        token: credentials.token,
        serviceUser: credentials.user,
        messages: jiraMessages(options.locale ?? 'en'),
        maxAuthenticationAttempts: options.maxAuthenticationAttempts ?? 3,
      },
      (event) => dispatcher?.dispatch(event),
    );
    if (saved) state.restore(saved);
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

  /** Whether the user's next basic-auth login is refused for the CAPTCHA (too many wrong passwords). */
  captchaRequired(user: string): boolean {
    return this.state.captchaRequired(user);
  }

  /** Lift the CAPTCHA, as a web login that solved it (or an administrator's reset) does. */
  clearCaptcha(user: string): void {
    this.state.clearCaptcha(user);
  }

  /** The people of the site and their groups. */
  people(): JiraSimPersonView[] {
    return [...this.state.users.values()].map((u) => ({
      name: u.name,
      displayName: u.displayName,
      groups: [...u.groups],
      readOnly: u.readOnly === true,
    }));
  }

  /**
   * Act as a person: the changes go through the same rules as REST calls (open transitions, group
   * conditions, field validation), and the webhooks they fire carry that person as `user`.
   */
  actAs(user: string): JiraActor {
    const person = this.state.person(user);
    return {
      transition: async (issueKey, transitionName) => {
        const issue = this.state.get(issueKey);
        const open = this.state.available(person, issueKey);
        const wanted = open.find((t) => t.name === transitionName);
        const id =
          wanted?.id ?? issue.issueType.workflow.transitions.find((t) => t.name === transitionName)?.id;
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

  /**
   * Plain JSON of the issues (fields, statuses, comments, histories), the key counters and id sequences,
   * and the people added by `actAs`; no passwords, tokens or webhook registrations (register them again).
   */
  snapshotState(): JiraSimulatorState {
    return { version: 1, ...this.state.snapshot() };
  }

  private view(issue: SimIssue): JiraSimIssueView {
    return {
      key: issue.key,
      id: String(issue.id),
      project: issue.project.key,
      issueType: issue.issueType.name,
      summary: fieldValueString(issue.values.summary) ?? '',
      status: this.state.statusOf(issue).name,
      fields: structuredClone(issue.values),
      comments: issue.comments.map((c) => c.body),
      history: issue.histories.map((h) => ({
        author: h.author,
        items: h.items.map((i) => ({ field: i.field, fromString: i.fromString, toString: i.toString })),
      })),
    };
  }
}
