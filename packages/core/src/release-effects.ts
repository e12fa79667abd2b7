/**
 * The effect vocabulary: what `decide` asks the host to do. Core never performs an effect; the host's
 * runner executes each one after the decision is committed, through the ports (ports.ts), and reports
 * the outcome as an `EffectResultEvent`.
 *
 * Every effect has a deterministic `idempotencyKey`: deciding the same event on the same snapshot gives
 * the same keys, and a key names the upstream side effect so a retry or a restart never repeats it:
 * - `archery.submitOrder`: `${releaseId}:sql:${sqlId}:${hash}` (the runner looks the order up by name and
 *   content before submitting);
 * - `archery.cancelOrder`: `${releaseId}:cancel:${workflowId}`;
 * - each deploy of `cmdb.deploy` carries its own `requestId`,
 *   `${releaseId}:deploy:${service}:${svnVersion}:i${iteration}:r${round}:t${targetId}:a${attempt}` (sent
 *   as the tasks dialect's `request_id`: one per deploy round, target and attempt; the round is the
 *   revision of the decision that built the deployments, so 重新提交代码 never reuses a failed round's);
 * - `jira.ensureIssue`: `${releaseId}:issue` (the runner searches by summary before creating);
 * - `sql.fetch`: `${releaseId}:sql.fetch:${path/file@rev}` (one read per file: a file at a revision never
 *   changes, and its text is stored with the release once read);
 * - the others: `${releaseId}:i${iteration}:r${revision}:${type}[:detail]`, where revision counts the
 *   decisions taken on the release, so each move, comment, poll or timer of a decision is its own effect.
 *
 * Every effect also carries the `revision` of the decision that made it (the effects of one decision
 * share it), so a later decision can be told from an earlier one without reading keys.
 *
 * Jira effects carry no issue key: the runner uses the release's issue key at execution time (a
 * release's effects run one at a time in order, so `jira.ensureIssue` has reported `ISSUE_READY` first).
 */
import type { JiraMirrorState, JiraMoveKey } from './jira-workflow.js';
import type { SqlFileRef } from './ports/sql-source-port.js';
import type { TimerName } from './release-timers.js';
import type {
  ApolloItem,
  AppliedState,
  ChangeWindow,
  Env,
  NormalizedRequest,
  PolicyFindingSummary,
  SqlItem,
  SqlText,
} from './release-types.js';

/** What a promoted UAT release applied: its production release is made of exactly this. */
export interface PromotionSource {
  releaseId: string;
  summary: string;
  /** The UAT release's request as it last ran (UAT-only files dropped there are in `dropped`). */
  request: NormalizedRequest;
  applied: AppliedState;
  /** The SQL texts the UAT release read (by `path/file@rev`): production never reads them again. */
  sqlTexts: Record<string, SqlText>;
  /** The version the UAT release brought (its request's). */
  version: string | null;
}

/** The readable text of the Jira issue's fields (one item per line); the host maps them to field ids. */
export interface JiraIssueContent {
  summary: string;
  projectKey: string;
  issueType: string;
  upgradeType: string;
  functionList: string;
  sql: string;
  config: string;
  apollo: string;
  code: string;
}

export type ReleaseEffect =
  /** Find the issue by summary, or create it (in the workflow's first status). → ISSUE_READY */
  | { type: 'jira.ensureIssue'; idempotencyKey: string; revision: number; content: JiraIssueContent }
  /** Write the issue's fields (before any transition of the same decision). → nothing */
  | { type: 'jira.updateFields'; idempotencyKey: string; revision: number; content: JiraIssueContent }
  /**
   * Move the issue to the status mirroring `state`, preferring the transition `via`. → nothing. A
   * production release's move names the status and the transition itself (`status`, `transition`: its
   * own settings, e.g. the approval step's); without them the host uses its UAT workflow names.
   */
  | {
      type: 'jira.moveTo';
      idempotencyKey: string;
      revision: number;
      state: JiraMirrorState;
      via: JiraMoveKey;
      status?: string;
      transition?: string;
    }
  /** Post a comment. → nothing */
  | { type: 'jira.comment'; idempotencyKey: string; revision: number; body: string }
  /**
   * Read one SQL file from the SQL source; the host decodes its bytes (`decodeSqlText`).
   * → SQL_TEXT_FETCHED | SQL_FETCH_FAILED (the file is not there, cannot be decoded, or no source is set)
   */
  | {
      type: 'sql.fetch';
      idempotencyKey: string;
      revision: number;
      /** `sqlFileRefLabel(file)`: `svn_path/svn_file@svn_version`. */
      ref: string;
      file: SqlFileRef;
      /** The SQL items naming the file (for messages). */
      sqlIds: string[];
    }
  /** Run the versioning policy over the SQL about to be submitted. → POLICY_CHECKED */
  | {
      type: 'policy.check';
      idempotencyKey: string;
      revision: number;
      version: string | null;
      previousVersion: string | null;
      sql: SqlItem[];
    }
  /**
   * Find, in Archery, the resource group, the instance and the database of each route (the database is
   * the one named, or read from the instance). → SQL_ROUTES_RESOLVED | SQL_ROUTES_FAILED
   */
  | {
      type: 'archery.resolveRoutes';
      idempotencyKey: string;
      revision: number;
      routes: Array<{ sqlId: string; instance: string; group: string; dbName: string | null }>;
    }
  /**
   * Archery's own check (`POST /api/v1/workflow/sqlcheck/`) of each item about to be submitted, in the
   * instance and database it runs in. → SQL_CHECKED (errors at errlevel 2, warnings at 1)
   */
  | {
      type: 'archery.checkSql';
      idempotencyKey: string;
      revision: number;
      items: Array<{
        sqlId: string;
        seq: number;
        hash: string;
        /** The item's file (for messages). */
        file: string;
        instance: string;
        dbName: string;
        sql: string;
      }>;
    }
  /** Submit one SQL item as one Archery work order. → SQL_ORDER_SUBMITTED | SQL_SUBMIT_FAILED */
  | {
      type: 'archery.submitOrder';
      idempotencyKey: string;
      revision: number;
      order: {
        sqlId: string;
        seq: number;
        hash: string;
        workflowName: string;
        instance: string;
        dbName: string;
        group: string;
        sql: string;
      };
      /** The release's summary: orders it submitted earlier are found by it, whatever their numbering. */
      summary: string;
      /** Orders the release already recorded: never taken for this one. */
      recordedWorkflowIds: number[];
    }
  /**
   * Read the current status of work orders (by workflow_id). → SQL_ORDERS_POLLED once a status differs
   * from `known` (the host reads again every `everyMs` until then, deciding nothing in between).
   */
  | {
      type: 'archery.pollOrders';
      idempotencyKey: string;
      revision: number;
      workflowIds: number[];
      known: Array<{ workflowId: number; status: string }>;
      everyMs: number;
    }
  /**
   * Read every order's status now, to check a person's SQL升级成功 against Archery (never a poll's
   * earlier answer). → SQL_CONFIRMATION_CHECKED
   */
  | { type: 'archery.readOrders'; idempotencyKey: string; revision: number; workflowIds: number[] }
  /**
   * Mode auto: audit (if still under review) and execute one order as the service user. → nothing, or
   * SQL_AUDIT_REFUSED when Archery refuses cdflow's own audit (e.g. `ban_self_audit`)
   */
  | {
      type: 'archery.executeOrder';
      idempotencyKey: string;
      revision: number;
      workflowId: number;
      sqlId: string;
    }
  /** Cancel (`audit_type: cancel`, as the submitter) an unexecuted order an iteration replaced. → nothing */
  | {
      type: 'archery.cancelOrder';
      idempotencyKey: string;
      revision: number;
      workflowId: number;
      sqlId: string;
      reason: string;
    }
  /** Show the release's Archery orders on the issue (a comment or a field, as configured). → nothing */
  | { type: 'jira.showOrders'; idempotencyKey: string; revision: number; orders: OrderListEntry[] }
  /** Write and publish Apollo items. → CONFIG_APPLIED | CONFIG_APPLY_FAILED */
  | { type: 'apollo.apply'; idempotencyKey: string; revision: number; env: Env; items: ApolloItem[] }
  /** Ask the CMDB for the deploy targets of one code item. → DEPLOY_TARGETS_FOUND | DEPLOY_FAILED */
  | {
      type: 'cmdb.findTargets';
      idempotencyKey: string;
      revision: number;
      env: Env;
      service: string;
      svnPath: string;
      tag: string;
    }
  /**
   * Deploy to targets (every pending deploy of the decision, so a synchronous CMDB deploys them side by
   * side, within `deployParallelism`). → DEPLOYS_REPORTED
   */
  | {
      type: 'cmdb.deploy';
      idempotencyKey: string;
      revision: number;
      env: Env;
      deploys: Array<{
        service: string;
        svnPath: string;
        svnVersion: string;
        tag: string;
        target: { id: number; name: string };
        attempt: number;
        /** The tasks dialect's `request_id`: the same deploy is never started twice. */
        requestId: string;
        /** It was answered `queued` before: the host waits for a slot itself (see `everyMs`). */
        waitedForSlot?: boolean;
      }>;
      /**
       * When every deploy waited for a slot before and none is free now, the host looks again every
       * `everyMs` (deciding nothing) until one is, or until a later decision queues an effect behind
       * this one (it answers `queued` then, so the release's other work is not held up).
       */
      everyMs: number;
    }
  /**
   * Read CMDB task states. → DEPLOY_TASKS_POLLED once `tasksPollIsNews` (a task differs from what the
   * machine knows); the host reads again every `everyMs` until then, deciding nothing in between.
   */
  | {
      type: 'cmdb.pollTasks';
      idempotencyKey: string;
      revision: number;
      /** `known`: the task's status as the machine last saw it; the host reads again every `everyMs` until one differs. */
      tasks: Array<{
        service: string;
        targetId: number;
        attempt: number;
        taskId: string;
        known: 'pending' | 'running';
      }>;
      everyMs: number;
    }
  /**
   * Production: read the host's clock for the change windows (core computes them from it).
   * → CHANGE_WINDOW_CHECKED { now }
   */
  | { type: 'prod.checkWindow'; idempotencyKey: string; revision: number; windows: ChangeWindow[] }
  /**
   * A UAT release was promoted (升级运营环境): create its production release, once (key
   * `${releaseId}:promote`; a production release of the summary that exists already is the one). The
   * host builds it with `promotedRequest(uat, options)` from what the UAT release applied. → nothing
   */
  | {
      type: 'release.promote';
      idempotencyKey: string;
      revision: number;
      by: string;
      uat: PromotionSource;
    }
  /** Persist a timer; the host fires TIMER_FIRED { timer } after `delayMs` (survives restarts). */
  | { type: 'timer.schedule'; idempotencyKey: string; revision: number; timer: TimerName; delayMs: number }
  /** Drop a pending timer of that name (no-op when none). */
  | { type: 'timer.cancel'; idempotencyKey: string; revision: number; timer: TimerName };

/** One line of the order list shown on the Jira issue. */
export interface OrderListEntry {
  seq: number;
  sqlId: string;
  workflowId: number | null;
  workflowName: string | null;
  /** Archery's status, cdflow's own mark (`pending`, `submit_failed`), or `cancelled`. */
  status: string;
  /** Who confirmed it in Jira (manual mode), if someone did. */
  confirmedBy: string | null;
  /** Earlier orders (by seq) it finished before. */
  finishedBefore: number[];
  /** Set for an order an iteration replaced: why. */
  replaced: string | null;
}

export type ReleaseEffectType = ReleaseEffect['type'];

export type { PolicyFindingSummary };

/** Every effect type, once (the host's handler map is checked against this union). */
export const releaseEffectTypes = [
  'jira.ensureIssue',
  'jira.updateFields',
  'jira.moveTo',
  'jira.comment',
  'jira.showOrders',
  'sql.fetch',
  'policy.check',
  'archery.resolveRoutes',
  'archery.checkSql',
  'archery.submitOrder',
  'archery.pollOrders',
  'archery.readOrders',
  'archery.executeOrder',
  'archery.cancelOrder',
  'apollo.apply',
  'cmdb.findTargets',
  'cmdb.deploy',
  'cmdb.pollTasks',
  'prod.checkWindow',
  'release.promote',
  'timer.schedule',
  'timer.cancel',
] as const satisfies readonly ReleaseEffectType[];

/** Exhaustiveness of `releaseEffectTypes`: a type missing from the list fails to compile here. */
type MissingEffectType = Exclude<ReleaseEffectType, (typeof releaseEffectTypes)[number]>;
const allEffectTypesListed: MissingEffectType extends never ? true : false = true;
void allEffectTypesListed;

export function isReleaseEffectType(type: string): type is ReleaseEffectType {
  return (releaseEffectTypes as readonly string[]).includes(type);
}
