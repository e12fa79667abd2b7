import type { JiraWorkflowNames } from './jira-workflow.js';
import type { TimerName } from './release-timers.js';

/**
 * The plain, serialisable data a release carries: the normalised request, what was applied, the plan
 * (what remains), the SQL orders and deployments of the current iteration. Everything here is JSON.
 */

export type Env = 'UAT' | 'PRO';
export type SqlMode = 'manual' | 'watch' | 'auto';

export interface SqlItem {
  sqlId: string;
  /** 1-based upgrade sequence order within the request (the order DBAs execute in). */
  seq: number;
  svnPath: string;
  svnFile: string;
  svnVersion: string;
  /**
   * The SQL text: the request's `sql_content`, or the file read from the SQL source. '' only for an item
   * skipped in UAT because it is already there (`deployedToUat`) whose text was never read.
   */
  sql: string;
  /** Content hash of `sql` (stable, see `contentHash`); '' when the text was never read (see `sql`). */
  hash: string;
  /** The Archery instance and resource group the SQL runs on (the project's routing rule). */
  instance: string;
  /**
   * The database, when the request or the routing map names it; "" otherwise: cdflow then reads the
   * instance's database from Archery before submitting (never the instance name taken as a database).
   */
  dbName: string;
  group: string;
  /** The request said `has_deploy_uat: true`: already in UAT, so UAT skips it (PRO runs it as usual). */
  deployedToUat?: boolean;
  /** For production only (its file name says so, e.g. `运营` or `ONLYPROD`): UAT drops it; no difference from UAT. */
  prodOnly?: boolean;
}

/**
 * A SQL item of the request that carries no `sql_content`: its text is read from the SQL source at
 * `svnPath/svnFile@svnVersion` before the item is planned (the machine's `sqlPending.fetchingSql`).
 */
export type SqlItemAwaitingText = Omit<SqlItem, 'sql' | 'hash'>;

/** A SQL file's text as read from the SQL source, stored with the release (never read again). */
export interface SqlText {
  text: string;
  /** `contentHash(text)`. */
  hash: string;
  /** How the bytes were decoded: `utf-8`, `utf-16le`/`utf-16be` (with their BOM) or the fallback (`gb18030`). */
  encoding: string;
  /** The file started with a byte order mark (not part of `text`). */
  bom: boolean;
  /** The SQL source that gave it (`svn`, `gitlab`). */
  source: string;
  /** Size of the file in bytes. */
  bytes: number;
}

export interface ApolloItem {
  appId: string;
  namespace: string;
  key: string;
  value: string;
  /** Apollo cluster; "default" when the request does not say. */
  cluster: string;
  /** The request said `has_deploy_uat: true`: already in UAT, so UAT skips it. */
  deployedToUat?: boolean;
}

export interface ConfigItem {
  name: string;
  content: string;
  hash: string;
  /** The request said `has_deploy_uat: true`: already in UAT, so UAT skips it. */
  deployedToUat?: boolean;
}

export interface CodeItem {
  /** Service identity: the svn path (e.g. "a18/cc_merchant_console"). */
  service: string;
  svnPath: string;
  svnVersion: string;
  /** CMDB tag that selects the deploy target; "" in the request means "V1". */
  tag: string;
  /** For production only (its svn_path ends in `prod`): UAT drops it; no difference from UAT. */
  prodOnly?: boolean;
}

/** A release request after schema validation and normalisation (see `normalizeReleaseRequest`). */
export interface NormalizedRequest {
  project: string;
  jiraProject: string;
  summary: string;
  env: Env;
  issueType: string;
  upgradeType: string;
  functionList: string[];
  version: string | null;
  /** SQL items whose text is known (given as `sql_content`, or already read from the SQL source). */
  sql: SqlItem[];
  /**
   * SQL items whose text the SQL source has not given yet, in the same `seq` numbering as `sql`; the
   * machine reads them (and moves them to `sql`) before planning. Absent or empty: nothing to read.
   */
  sqlAwaitingText?: SqlItemAwaitingText[];
  apollo: ApolloItem[];
  config: ConfigItem[];
  code: CodeItem[];
  /** Items dropped by normalisation rules, with the rule that dropped them (kept for the audit trail). */
  dropped: DroppedItem[];
}

/**
 * An item a normalisation rule dropped from the request's environment. Items that belong to another
 * environment (a SQL file marked for production only, a `…prod` path) keep what that environment needs,
 * so a promotion to production puts them back where they were in the sequence.
 */
export interface DroppedItem {
  section: 'sql' | 'code';
  id: string;
  rule: string;
  /** A dropped SQL item as another environment runs it (its route, its text when the request had one). */
  sqlItem?: SqlItem | SqlItemAwaitingText;
  /** A dropped code item as another environment deploys it. */
  codeItem?: CodeItem;
  /** A dropped SQL item: how many of the request's own SQL items come before it in `sql_info`. */
  keptBefore?: number;
}

/** What has actually been applied to the environment for this release (not merely submitted). */
export interface AppliedState {
  sql: Record<string, { hash: string; workflowId: number | null; iteration: number }>;
  apollo: Record<string, { value: string; iteration: number }>; // key: appId/cluster/namespace/key
  config: Record<string, { hash: string; iteration: number }>; // key: name
  code: Record<string, { svnVersion: string; tag: string; iteration: number }>; // key: service
}

export type PlanDecision = 'run' | 'skip';

export interface PlanEntry<T> {
  item: T;
  decision: PlanDecision;
  /** Why: 'new', 'content changed', 'already applied', 'value changed', 'version changed', ... */
  reason: string;
  /**
   * A production release only: how the item differs from what its UAT release applied (another SQL
   * text, another code version, not in UAT at all). Such a release needs the differences approved.
   */
  differsFromUat?: string;
}

export interface ReleasePlan {
  sql: PlanEntry<SqlItem>[];
  apollo: PlanEntry<ApolloItem>[];
  config: PlanEntry<ConfigItem>[];
  code: PlanEntry<CodeItem>[];
}

/** Archery statuses (exactly nine) plus cdflow's own pre-submission and person-confirmed marks. */
export type ArcheryStatus =
  | 'workflow_finish'
  | 'workflow_abort'
  | 'workflow_manreviewing'
  | 'workflow_review_pass'
  | 'workflow_timingtask'
  | 'workflow_queuing'
  | 'workflow_executing'
  | 'workflow_autoreviewwrong'
  | 'workflow_exception';

export type SqlOrderStatus = 'pending' | 'submitting' | 'submit_failed' | ArcheryStatus;

export interface SqlOrder {
  sqlId: string;
  seq: number;
  hash: string;
  iteration: number;
  /** Archery `workflow_id` (never the content row `id`). */
  workflowId: number | null;
  status: SqlOrderStatus;
  /**
   * A person confirmed success without cdflow seeing `workflow_finish` — only in releases stored or
   * imported before cdflow checked a confirmation against Archery; now a person's SQL升级成功 stands only
   * when Archery shows every order finished, and this stays null.
   */
  confirmedBy: string | null;
  error: string | null;
  /** Mode auto: cdflow already asked Archery to execute this order (it asks once per order). */
  executeRequested?: boolean;
  /** The work order's name in Archery, as submitted (absent until it was). */
  workflowName?: string;
  /** The database the order runs in, read from Archery when its route was resolved (absent until then). */
  dbName?: string;
  /** When Archery says the order finished (`finish_time`, naive local time), once cdflow saw it. */
  finishedAt?: string | null;
  /** Earlier orders (by `seq`) this one finished before; recorded (and commented) once, when first seen. */
  finishedBefore?: number[];
  /**
   * Mode auto: Archery refused cdflow's own audit of the order (e.g. `ban_self_audit`), with its words. A
   * DBA audits and executes it; cdflow only reads it (as in mode watch) and never audits it again.
   */
  auditRefused?: string;
}

/** An unexecuted order an iteration replaced: cdflow cancels it in Archery so nobody runs it by mistake. */
export interface ReplacedOrder {
  sqlId: string;
  seq: number;
  workflowId: number;
  workflowName: string | null;
  /** The iteration that replaced it. */
  iteration: number;
  /**
   * Why: the item's content changed, it left the request, or its submission was answered only after an
   * iteration had re-planned the item (the order holds the content or target it no longer has).
   */
  reason: 'content changed' | 'removed from the request' | 'submitted for content the item no longer has';
}

export type DeploymentStatus = 'pending' | 'delayed' | 'started' | 'running' | 'success' | 'failed';

/**
 * Where one deploy of a target is: `pending` (to send), `sending` (the deploy effect is queued),
 * `queued` (no deploy slot free: sent again at the next CMDB poll), `started`/`running` (a CMDB task),
 * `retrying` (failed; sent again after the retry pause), `success`, `failed` (for good).
 */
export type DeployTargetStatus =
  | 'pending'
  | 'sending'
  | 'queued'
  | 'started'
  | 'running'
  | 'retrying'
  | 'success'
  | 'failed';

/** One CMDB deploy target of a code item (a CMDB project) and its deploy. */
export interface DeployTarget {
  id: number;
  name: string;
  status: DeployTargetStatus;
  /** 1 for the first deploy; each retry adds one (at most `deployRetries + 1`). */
  attempt: number;
  /** The CMDB task (tasks dialect); null for a synchronous CMDB, which answers the outcome itself. */
  taskId: string | null;
  /** The CMDB's answer or the failure (a synchronous CMDB's `状态` text). */
  message: string | null;
  /**
   * The deploy was sent again without knowing whether the earlier one ran (a restart or a lost answer)
   * to a CMDB without idempotency key: the same version may have been deployed twice (harmless).
   */
  resent?: boolean;
  /**
   * The deploy found no free slot (`queued`) and is sent again: this time the host waits for a slot
   * itself (reading again every `cmdbPollMs`, deciding nothing) instead of answering `queued` again.
   */
  waitedForSlot?: boolean;
}

/** A code item to deploy: to every CMDB target it selects; it succeeds only when all of them did. */
export interface Deployment {
  service: string;
  svnPath: string;
  svnVersion: string;
  tag: string;
  iteration: number;
  /**
   * The revision of the decision that built the deployments (one per entry into CODE执行中, e.g. each
   * 重新提交代码): part of each deploy's `request_id`, so a new round never reuses an earlier round's.
   * Absent in releases stored before it existed.
   */
  round?: number;
  /** The CMDB targets of the item; null until the CMDB was asked, [] when it has none. */
  targets: DeployTarget[] | null;
  /** The item as a whole: `success` when every target succeeded, `failed` when all ended and one failed. */
  status: DeploymentStatus;
  message: string | null;
}

export interface PolicyFindingSummary {
  ruleId: string;
  severity: 'error' | 'warning';
  location: string;
  message: string;
  suggestion: string;
}

/** Timings and limits the machine needs (copied from configuration into the release at creation). */
export interface ReleaseSettings {
  sqlMode: SqlMode;
  archeryPollMs: number;
  cmdbPollMs: number;
  preDeployDelayMs: number;
  deployTimeoutMs: number;
  deployRetries: number;
  /** Pause before a failed deploy is sent again (the original waited 10 s). */
  deployRetryPauseMs: number;
  /** Run the versioning policy gate before SQL is submitted. */
  policyGate: boolean;
  /** Apply and publish apollo_info through the Apollo Open API (when credentials are configured). */
  apolloAutomatic: boolean;
  /** A production release only: its approval steps, change windows and Jira names (see `ProdSettings`). */
  prod?: ProdSettings;
}

/**
 * One approval step of a production release, from configuration (copied into the release when it is
 * created, so a later configuration change never moves a release half-way through its approvals).
 */
export interface ProdApprovalStep {
  /** Stable key (`dba`, `sa`, `lead`), named in the history and the operator API. */
  key: string;
  /** Who approves, in words (`the DBA`). */
  label: string;
  /** The Jira group whose members may approve the step. */
  group: string;
  /** The Jira status in which the release waits for this step (`待DBA审批`). */
  status: string;
  /** The Jira transition that approves it (`DBA审批通过`). */
  transition: string;
  /** The Jira transition that takes the issue back to `status` (a refused approval, a new iteration). */
  returnTransition: string;
  /** The step approves the differences from UAT too (a PRO request whose content UAT did not apply). */
  approvesDifferences: boolean;
}

/** When production deploys may start: a cron expression in a time zone, open for `durationMinutes`. */
export interface ChangeWindow {
  /** Five fields (minute hour day month weekday), or six with seconds first. */
  cron: string;
  durationMinutes: number;
  /** IANA time zone the cron expression is read in (`Asia/Shanghai`). */
  timeZone: string;
}

/** The names of the production Jira workflow ("cdflow-prod") cdflow needs besides the approval steps. */
export interface ProdJiraNames {
  /** Issue type of production issues (`运营升级`). */
  issueType: string;
  /**
   * The site's names of the UAT workflow: the stage statuses and transitions production shares with it
   * (SQL待执行 … 升级流程结束, 提交SQL … 升级结束) are the same Jira statuses and names.
   */
  shared: JiraWorkflowNames;
  /** 审批驳回 (final), 运营升级完成. */
  rejectedStatus: string;
  completeStatus: string;
  /** 审批驳回 (the transition), 重新提交运营迭代升级. */
  rejectTransition: string;
  resubmitIterationTransition: string;
}

/** How a production release is run: approvals, change windows, its Jira workflow's names. */
export interface ProdSettings {
  /** In order; every step must be approved before anything runs in production. */
  approvals: ProdApprovalStep[];
  /** The person who published the release (who asked for the promotion) may approve it too. */
  publisherMayApprove: boolean;
  /** Deploys start only inside one of these. */
  changeWindows: ChangeWindow[];
  jira: ProdJiraNames;
}

/** One approval given (who and when are in the history, with the decision). */
export interface ProdApproval {
  step: string;
  by: string;
  via: 'jira' | 'api';
  /** The approval covered the differences from UAT listed then. */
  differences?: string[];
}

/** How a production release's item differs from what its UAT release applied. */
export interface ProdDifference {
  section: 'sql' | 'apollo' | 'config' | 'code';
  id: string;
  reason: string;
}

/** The production side of a release (present for a PRO release only). */
export interface ProdProgress {
  /** Made by promoting its UAT release (升级运营环境), or requested by the release system (env PRO). */
  origin: 'promotion' | 'request';
  /** The UAT release of the same summary it was compared with; null when there was none. */
  uatReleaseId: string | null;
  /** What that UAT release had applied (the base of the differences); null when there was none. */
  uatApplied: AppliedState | null;
  /** Who asked for it: the person who promoted it, or the release system. */
  publishedBy: string;
  /** Approvals given in this iteration, in step order. */
  approvals: ProdApproval[];
  /** Approvals cdflow refused (outside the group, twice, by the publisher), for the history and Jira. */
  refusedApprovals: Array<{ step: string; by: string; reason: string }>;
  /** An approver rejected it (the release ended). */
  rejection: { step: string; by: string; reason: string } | null;
  /** Things a person should know about how production runs it (e.g. SQL mode auto degraded to watch). */
  notes: string[];
  /** The last change-window check (epoch ms): open until `closesAt`, or closed until `opensAt`. */
  window?: { checkedAt: number; open: boolean; opensAt: number | null; closesAt: number | null };
}

export const defaultReleaseSettings: ReleaseSettings = {
  sqlMode: 'manual',
  archeryPollMs: 5_000,
  cmdbPollMs: 5_000,
  preDeployDelayMs: 0,
  deployTimeoutMs: 15 * 60_000,
  deployRetries: 2,
  deployRetryPauseMs: 10_000,
  policyGate: true,
  apolloAutomatic: false,
};

export interface ReleaseFailure {
  stage: 'sql' | 'config' | 'code' | 'policy' | 'jira';
  /** What failed, in full (the policy's findings, Archery's messages): a person acts on it as it is. */
  reason: string;
  /** The machine state the failure happened in (a state id; core has no clock, the audit trail has times). */
  at: string;
  /**
   * The findings that refused the SQL (rule, location, message, fix): the versioning policy's, or
   * Archery's own check (`ruleId` `archery.sqlcheck`).
   */
  findings?: PolicyFindingSummary[];
  /** The idempotency key of the effect whose failure this is (EFFECT_FAILED); cleared when it is retried. */
  effect?: string;
}

/**
 * An effect that failed for good and is retried only by a person (`EFFECT_RETRY_REQUESTED`, the operator
 * API's `POST /api/releases/:key/effects/:id/retry`): what failed, why, and where the release was.
 */
export interface FailedEffect {
  idempotencyKey: string;
  effectType: string;
  reason: string;
  /** The machine state when it failed. */
  at: string;
}

/** The machine's context: plain JSON, persisted in every snapshot. */
export interface ReleaseContext {
  /** Stable release id (derived from the summary by the host); prefix of every idempotency key. */
  releaseId: string;
  summary: string;
  issueKey: string | null;
  iteration: number;
  settings: ReleaseSettings;
  request: NormalizedRequest;
  applied: AppliedState;
  plan: ReleasePlan;
  sqlOrders: SqlOrder[];
  deployments: Deployment[];
  warnings: PolicyFindingSummary[];
  failure: ReleaseFailure | null;
  /** The Jira status cdflow last moved the issue to (for echo detection); a state id. */
  jiraMirror: string | null;
  /**
   * The revision of the decision that set `jiraMirror` (a Jira move of an earlier decision is out of
   * date); absent in releases stored before it existed.
   */
  jiraMirrorSince?: number;
  /**
   * A production release: the Jira status `jiraMirror` stands for (its approval steps share the state
   * `prodApproval`, each with its own status).
   */
  jiraMirrorStatus?: string;
  /** Decisions taken on the release so far (1 after `startRelease`); part of effect idempotency keys. */
  revision: number;
  /** Names of the timers scheduled and neither fired nor cancelled (a stale TIMER_FIRED is refused). */
  timers: TimerName[];
  /** The last version applied before this release (input of the policy gate, rule DF-V002). */
  previousVersion: string | null;
  /** The request version this release last brought to uatComplete (absent until it did). */
  appliedVersion?: string | null;
  /** The iteration whose SQL and version passed the policy gate (absent until one did). */
  policyPassedIteration?: number;
  /** The iteration whose pending SQL passed Archery's own check (`sqlcheck`) before submission. */
  sqlCheckedIteration?: number;
  /** A person's SQL升级成功 being checked against a fresh read of Archery (`sqlExecuting.confirming`). */
  sqlConfirmation?: { by: string };
  /** Effects that failed for good, waiting for a person to retry them (oldest first). */
  failedEffects?: FailedEffect[];
  /** Every Archery work order id the release recorded: never reused for another submission. */
  archeryOrderIds?: number[];
  /** Unexecuted orders later iterations replaced (and cdflow cancelled in Archery). */
  replacedOrders?: ReplacedOrder[];
  /**
   * Unexecuted orders of an earlier iteration whose item's file is still being read: kept when the text
   * read is the one they run, replaced (and cancelled) otherwise.
   */
  ordersAwaitingText?: SqlOrder[];
  /** The order list last shown on the Jira issue (its signature), so it is shown again only when it changed. */
  shownOrderList?: string;
  /**
   * SQL texts read from the SQL source, by `svn_path/svn_file@svn_version` (`sqlFileRefLabel`): read
   * once and kept with the release, so a retry, a restart or a later iteration naming the same file at
   * the same revision uses the text that was checked and submitted, never a second read.
   */
  sqlTexts?: Record<string, SqlText>;
  /** A production release only: its approvals, its UAT counterpart and change-window state. */
  prod?: ProdProgress;
}
