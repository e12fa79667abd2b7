/**
 * The validated configuration of a cdflow server (from environment variables and the optional
 * CDFLOW_CONFIG file; see load-config.ts). Everything downstream reads this, never process.env.
 */
import type { JiraWorkflowNames, NormalizeOptions, ProdSettings, SqlMode } from '@cdflow/core';
import type { ConfigFile } from './config-file-schema.js';
import type { NotificationSettings } from './notification-settings.js';
import type { MetricsSettings } from './observability-settings.js';
import type { ConsoleSettings, PeopleSettings } from './people-settings.js';

export type { ChatChannelSetting, NotificationSettings } from './notification-settings.js';
export type { MetricsSettings } from './observability-settings.js';
export type { ConsoleSettings, PeopleSettings, PersonTokenSetting } from './people-settings.js';

/** Which CMDB API cdflow deploys through. */
export type CmdbDialect = 'tasks' | 'jiracdflow';

export const cmdbDialects: readonly CmdbDialect[] = ['tasks', 'jiracdflow'];

export type JiraAuth = { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };

export interface JiraFieldIds {
  functionList: string; // customfield_10200 功能列表
  upgradeType: string; // customfield_10101 升级类型 ({"value": upgrade_type})
  sql: string; // customfield_10201 SQL
  config: string; // customfield_10100 配置
  apollo: string; // customfield_10104 Apollo
  code: string; // customfield_10103 代码
  /** Optional: a text field for the list of Archery orders (with `jira.orderList: field`). */
  sqlOrders?: string;
}

/** How Jira shows the release's Archery orders: a comment whenever the list changes, or a field. */
export type OrderListMode = 'comment' | 'field';

export interface JiraSettings {
  baseUrl: string;
  auth: JiraAuth;
  /** Jira user name cdflow acts as: status changes by this user are echoes of cdflow's own moves. */
  user: string;
  issueType: string;
  fields: JiraFieldIds;
  names: JiraWorkflowNames;
  /** Where the list of Archery orders is shown (default a comment per change). */
  orderList: OrderListMode;
}

/** The server's timings: every field of the config file's `timings` section, with its default when not given. */
export type Timings = Required<NonNullable<ConfigFile['timings']>>;

/**
 * Where a SQL item's text is read when the request has no `sql_content`: Subversion over HTTP(S)
 * (mod_dav_svn, basic auth) or GitLab (raw files, `PRIVATE-TOKEN`, repository → project id).
 */
export type SqlSourceSettings =
  | { kind: 'svn'; baseUrl: string; user: string; password: string }
  | { kind: 'gitlab'; baseUrl: string; token: string; projects: Record<string, number> };

/** The upstreams of one environment besides Jira (one Jira serves both): Archery, CMDB, Apollo. */
export interface EnvironmentUpstreams {
  archery: ServerConfig['archery'];
  cmdb: ServerConfig['cmdb'];
  apollo: ServerConfig['apollo'];
}

export interface ReplicaSettings {
  /** This replica's name, unique among the replicas (CDFLOW_REPLICA_ID; default host name and pid). */
  id: string;
  /** How long a claim on an effect, timer or delivery lasts unless renewed (CDFLOW_REPLICA_LEASE_MS). */
  leaseMs: number;
  /** How often the database is asked for due work when nothing else wakes the replica (CDFLOW_REPLICA_POLL_MS). */
  pollMs: number;
  /** Effects this replica runs at once (CDFLOW_REPLICA_CONCURRENCY). */
  concurrency: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  dbPath: string;
  /**
   * Used when CDFLOW_DB is a PostgreSQL URL and several cdflow processes share the database: who this
   * replica is (the owner of its claims) and how it takes its share of the work.
   */
  replica: ReplicaSettings;
  /** True when the upstream simulators run in-process (no upstream URL set, or CDFLOW_SANDBOX=1). */
  sandbox: boolean;
  intakeToken: string;
  webhookSecret: string;
  operatorToken: string;
  /** Names of the secrets that were generated at start (sandbox mode only), to print them once. */
  generatedSecrets: Array<'intakeToken' | 'webhookSecret' | 'operatorToken'>;
  sqlMode: SqlMode;
  jira: JiraSettings;
  archery: {
    baseUrl: string;
    user: string;
    password: string;
    /** Base of Archery's web pages (an order's page is `{uiUrl}/detail/{workflow_id}/`). */
    uiUrl: string;
    /** `is_backup` of every submitted order. */
    isBackup: boolean;
  };
  /** The CMDB: `tasks` (cdflow's contract, `baseUrl`) or `jiracdflow` (the original's, `searchUrl`/`upgradeUrl`). */
  cmdb: { dialect: CmdbDialect; baseUrl: string; searchUrl: string; upgradeUrl: string; token: string };
  /** Optional: when set, apollo_info items are applied and published through the Apollo Open API. */
  apollo: { baseUrl: string; token: string } | null;
  /**
   * Production's own upstreams (`environments.PRO` in CDFLOW_CONFIG, `PRO_`-prefixed variables); the
   * top-level `archery`, `cmdb` and `apollo` are UAT's. Null: production is not configured, and every
   * production release (a PRO request, a promotion) is refused — never sent to the UAT upstreams.
   */
  environments: { PRO: EnvironmentUpstreams | null };
  /**
   * How production releases run (CDFLOW_CONFIG `prod`): approval steps, whether the publisher may
   * approve, change windows, the production workflow's Jira names (its shared stage names are `jira.names`).
   */
  prod: ProdSettings;
  /** Optional: the SQL source; without one, every SQL item must carry `sql_content`. */
  sqlSource: SqlSourceSettings | null;
  /** How a SQL file that is not UTF-8 is decoded (a WHATWG encoding name; default `gb18030`). */
  sqlFallbackEncoding: string;
  /** The original program's status query (`GET /cicdflow/`). */
  legacy: {
    /** Answer it without a token (the original had no auth; for a release system that cannot send one). */
    statusWithoutAuth: boolean;
  };
  normalize: NormalizeOptions;
  timings: Timings;
  policy: {
    gate: boolean;
    /**
     * The projects (the request's `project`) whose releases go through the versioning policy gate: the
     * data platform's policy applies there only. Default none; the sandbox enables it for `A18`.
     */
    projects: string[];
    rules: Record<string, 'error' | 'warning' | 'off'>;
    /** Scratch tables DF-D003 lets be dropped (regular expressions over the bare table name). */
    temporaryTablePatterns: string[];
  };
  /**
   * Sandbox mode only: where the sandbox control API listens (act as the DBA, ops or a Jira person, make
   * things fail). Loopback by default; `port: null` is cdflow's port + 1 (a free one when cdflow's is 0
   * or that one is taken).
   */
  sandboxControl: { host: string; port: number | null };
  /** Largest request body accepted (intake, events); larger → 413. */
  bodyLimitBytes: number;
  /** Largest Jira webhook body accepted (Jira payloads carry the whole issue and can exceed 1 MiB). */
  webhookBodyLimitBytes: number;
  logLevel: string;
  /** Who may act: person tokens, group permissions per event, sessions (CDFLOW_CONFIG `people`). */
  people: PeopleSettings;
  /** The web console's settings (CDFLOW_CONFIG `console`). */
  console: ConsoleSettings;
  /** Mail and chat notifications (CDFLOW_SMTP_URL, CDFLOW_MAIL_FROM, CDFLOW_CONFIG `notifications`). */
  notifications: NotificationSettings;
  /** GET /metrics (CDFLOW_CONFIG `metrics`). */
  metrics: MetricsSettings;
  /** Where release transitions stream for the Stately inspector (CDFLOW_INSPECT_URL); null: nowhere. */
  inspectUrl: string | null;
}
