/**
 * Cut-over from the original program (jiracdflow): a release of cdflow from the rows of its two tables,
 * `jira_workflow` (one row per Jira issue: status, the upgrade lists) and `sql_workflow` (one row per
 * Archery work order it submitted), at the stage the original left it and with what it already applied,
 * so that the release system's next publish plans only what is new.
 *
 * Pure: the host reads the export, reads the SQL files `planJiracdflowImport` names from its SQL source
 * (a finished work order's hash is the hash of the file it ran), and stores what `jiracdflowRelease`
 * returns. The stage mapping (the original's status column, in its English or Chinese names, or the
 * configured Jira status names):
 *
 * | original status                         | cdflow                                    | applied                              |
 * | --------------------------------------- | ----------------------------------------- | ------------------------------------ |
 * | SQL PENDING, SQL待执行                  | `sqlPending` (starts as a new release)    | the SQL orders that finished         |
 * | SQL PROCESSING FAILED, SQL执行失败       | `sqlPending.failed` with the orders        | the SQL orders that finished         |
 * | SQL PROCESSING, SQL执行中                | `sqlExecuting` with the orders             | the SQL orders that finished         |
 * | CONFIG PROCESSING, CONFIG执行中          | `configExecuting`, waiting for ops         | all SQL                              |
 * | CODE PROCESSING, CODE执行中 (deploying)  | `fixing`: a person checks and resubmits    | SQL, Apollo, config                  |
 * | CODE PROCESSING FAILED                  | `fixing` after a code failure              | SQL, Apollo, config, the code it kept |
 * | FIX PENDING, 开发/运维修改               | `fixing`                                   | all SQL                              |
 * | UAT UPGRADED, UAT升级完成                | `uatComplete`                              | everything                           |
 * | 运营环境升级, 升级流程结束               | `prodUpgrade`, `closed` (final)            | everything                           |
 */
import { isArcheryStatus } from './archery-status.js';
import { CdflowError } from './cdflow-error.js';
import type { PersistedRelease } from './decision-types.js';
import { defaultJiraWorkflowNames, type JiraWorkflowNames, type ReleaseStateId } from './jira-workflow.js';
import { type NormalizeOptions, normalizeReleaseRequest } from './normalize-release-request.js';
import { apolloItemKey, emptyAppliedState, planRelease } from './plan-release.js';
import { startRelease, stateValueOf } from './release-decision.js';
import type { ReleaseEffect } from './release-effects.js';
import { releaseMachine, releaseMachineVersion } from './release-machine.js';
import { runItems } from './release-progress.js';
import { validateReleaseRequest } from './release-request-schema.js';
import { timerDelayMs } from './release-timers.js';
import type {
  AppliedState,
  ArcheryStatus,
  NormalizedRequest,
  ReleaseContext,
  ReleaseFailure,
  ReleaseSettings,
  SqlItem,
  SqlOrder,
  SqlText,
} from './release-types.js';
import { type SqlFileToRead, sqlFileRefLabel, withSqlTexts } from './sql-file-texts.js';

/** A row of the original's `jira_workflow` table (JSON columns as JSON, or as the text MySQL stored). */
export interface JiracdflowIssueRow {
  issue_key: string;
  summary: string;
  status: string;
  /** The Jira project the original filed the issue in (AC, QC). */
  project: string | null;
  /** UAT or PRO ('' or null: UAT, where the original ran). */
  environment: string | null;
  sql_info: Array<Record<string, unknown>>;
  apollo_info: Array<Record<string, unknown>>;
  config_info: Array<Record<string, unknown>>;
  code_info: Array<Record<string, unknown>>;
  /** The original's iteration counters (`sql_init_flag`, …); kept for the record only. */
  init_flag: Record<string, unknown> | null;
}

/** A row of the original's `sql_workflow` table: one Archery work order it submitted. */
export interface JiracdflowSqlRow {
  /** Archery's workflow id. */
  w_id: number;
  sql_id: string;
  /** The upgrade sequence number. */
  sql_index: number;
  /** The SVN revision of the file the order ran (`svn_version` of the item when it was submitted). */
  sql_release_info: string;
  /** The release summary (backup orders are named `<summary>_备份工单` and are not the release's). */
  workflow_name: string;
  w_status: ArcheryStatus;
}

export interface JiracdflowExport {
  jira_workflow: JiracdflowIssueRow[];
  sql_workflow: JiracdflowSqlRow[];
}

/** The export file is not what the CLI README defines: the message names the row and the field. */
export class JiracdflowExportError extends CdflowError {
  declare readonly code: 'INVALID_REQUEST';
  readonly path: string;

  constructor(path: string, detail: string) {
    super(
      'INVALID_REQUEST',
      `${path}: ${detail}. Produce the export with the SQL the cdflow CLI README gives, or fix that row.`,
      { details: { path } },
    );
    this.name = 'JiracdflowExportError';
    this.path = path;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** MySQL without a JSON type (Django's JSONField on old servers) exports JSON columns as text. */
function jsonColumn(value: unknown, path: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new JiracdflowExportError(path, 'is text that is not JSON');
  }
}

function text(row: Record<string, unknown>, key: string, path: string, optional = false): string | null {
  const value = row[key];
  if (value === null || value === undefined) {
    if (optional) return null;
    throw new JiracdflowExportError(`${path}.${key}`, 'is required');
  }
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new JiracdflowExportError(`${path}.${key}`, 'must be a string');
  return value;
}

function integer(row: Record<string, unknown>, key: string, path: string): number {
  const value = typeof row[key] === 'string' ? Number(row[key]) : row[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new JiracdflowExportError(`${path}.${key}`, 'must be an integer');
  }
  return value;
}

function list(row: Record<string, unknown>, key: string, path: string): Array<Record<string, unknown>> {
  const value = jsonColumn(row[key] ?? [], `${path}.${key}`);
  if (!Array.isArray(value) || !value.every(isRecord)) {
    throw new JiracdflowExportError(`${path}.${key}`, 'must be a list of objects');
  }
  return value;
}

/** Checks an export (`{ jira_workflow: [...], sql_workflow: [...] }`, parsed JSON) row by row. */
export function parseJiracdflowExport(value: unknown): JiracdflowExport {
  if (!isRecord(value)) throw new JiracdflowExportError('(file)', 'must be a JSON object');
  // An empty table aggregates to null; a server that loses the JSON type on the way gives the text.
  const issues = jsonColumn(value.jira_workflow ?? [], 'jira_workflow');
  const orders = jsonColumn(value.sql_workflow ?? [], 'sql_workflow');
  if (!Array.isArray(issues)) throw new JiracdflowExportError('jira_workflow', 'must be a list of rows');
  if (!Array.isArray(orders)) throw new JiracdflowExportError('sql_workflow', 'must be a list of rows');
  const jira_workflow = issues.map((row, i): JiracdflowIssueRow => {
    const path = `jira_workflow[${i}]`;
    if (!isRecord(row)) throw new JiracdflowExportError(path, 'must be an object');
    const flags = jsonColumn(row.init_flag ?? null, `${path}.init_flag`);
    return {
      issue_key: text(row, 'issue_key', path)!,
      summary: text(row, 'summary', path)!,
      status: text(row, 'status', path)!,
      project: text(row, 'project', path, true),
      environment: text(row, 'environment', path, true),
      sql_info: list(row, 'sql_info', path),
      apollo_info: list(row, 'apollo_info', path),
      config_info: list(row, 'config_info', path),
      code_info: list(row, 'code_info', path),
      init_flag: isRecord(flags) ? flags : null,
    };
  });
  const sql_workflow = orders.map((row, i): JiracdflowSqlRow => {
    const path = `sql_workflow[${i}]`;
    if (!isRecord(row)) throw new JiracdflowExportError(path, 'must be an object');
    const status = text(row, 'w_status', path)!;
    if (!isArcheryStatus(status)) {
      throw new JiracdflowExportError(`${path}.w_status`, `"${status}" is not an Archery status`);
    }
    return {
      w_id: integer(row, 'w_id', path),
      sql_id: text(row, 'sql_id', path)!,
      sql_index: integer(row, 'sql_index', path),
      sql_release_info: text(row, 'sql_release_info', path)!,
      workflow_name: text(row, 'workflow_name', path)!,
      w_status: status,
    };
  });
  return { jira_workflow, sql_workflow };
}

/** Where an imported release starts. */
export type JiracdflowImportStage =
  | 'sqlPending'
  | 'sqlFailed'
  | 'sqlExecuting'
  | 'configExecuting'
  | 'deploying'
  | 'codeFailed'
  | 'fixing'
  | 'uatComplete'
  | 'prodUpgrade'
  | 'closed';

/** The original's status column: its later English names, its Chinese names, and the configured names. */
function stageOf(status: string, names: JiraWorkflowNames): JiracdflowImportStage | null {
  const s = status.trim().toUpperCase();
  const named = (state: ReleaseStateId, ...others: string[]) =>
    [names.statuses[state], defaultJiraWorkflowNames.statuses[state], ...others].some(
      (n) => n.toUpperCase() === s,
    );
  if (named('sqlPending', 'SQL PENDING')) return 'sqlPending';
  if (['SQL PROCESSING FAILED', 'SQL执行失败'].includes(s)) return 'sqlFailed';
  if (named('sqlExecuting', 'SQL PROCESSING')) return 'sqlExecuting';
  if (named('configExecuting', 'CONFIG PROCESSING')) return 'configExecuting';
  if (named('codeExecuting', 'CODE PROCESSING')) return 'deploying';
  if (['CODE PROCESSING FAILED', '代码升级失败'].includes(s)) return 'codeFailed';
  if (named('fixing', 'FIX PENDING')) return 'fixing';
  if (named('uatComplete', 'UAT UPGRADED')) return 'uatComplete';
  if (named('prodUpgrade')) return 'prodUpgrade';
  if (named('closed')) return 'closed';
  return null;
}

const sqlAppliedFrom: Record<JiracdflowImportStage, 'finishedOrders' | 'all'> = {
  sqlPending: 'finishedOrders',
  sqlFailed: 'finishedOrders',
  sqlExecuting: 'finishedOrders',
  configExecuting: 'all',
  deploying: 'all',
  codeFailed: 'all',
  fixing: 'all',
  uatComplete: 'all',
  prodUpgrade: 'all',
  closed: 'all',
};
const configApplied: ReadonlySet<JiracdflowImportStage> = new Set([
  'deploying',
  'codeFailed',
  'uatComplete',
  'prodUpgrade',
  'closed',
]);
const codeApplied: ReadonlySet<JiracdflowImportStage> = new Set([
  'codeFailed',
  'uatComplete',
  'prodUpgrade',
  'closed',
]);

/** What `planJiracdflowImport` found in a row: the release to build, or why the row is left alone. */
export type JiracdflowImportPlan =
  | { kind: 'skip'; summary: string; reason: string }
  | {
      kind: 'release';
      summary: string;
      issueKey: string;
      /** The original's status column, as exported. */
      originalStatus: string;
      stage: JiracdflowImportStage;
      /** The request the row amounts to (items without text await it). */
      request: NormalizedRequest;
      /** Per SQL item: its latest work order, and its latest finished one (they may differ). */
      orders: Record<string, { latest: JiracdflowSqlRow; finished: JiracdflowSqlRow | null }>;
      /** The SQL files the host must read before `jiracdflowRelease`. */
      files: SqlFileToRead[];
    };

export interface JiracdflowImportOptions {
  /** The server's normalisation (project map, rules, routing) and its SQL source kind. */
  normalize: NormalizeOptions;
  names?: JiraWorkflowNames;
}

/** The release-system project of a row: the summary's 【A18】 prefix, else the row's project if it is mapped. */
function releaseSystemProject(row: JiracdflowIssueRow, map: Record<string, string>): string | null {
  const prefix = /^【([^】]+)】/.exec(row.summary.trim())?.[1];
  if (prefix !== undefined && map[prefix] !== undefined) return prefix;
  if (row.project !== null && map[row.project] !== undefined) return row.project;
  return null;
}

/**
 * What a `jira_workflow` row becomes (or why it is skipped: a PRO row, which cdflow's PRO flow will
 * take), and which SQL files the host must read first: each item's file, and for a finished order at
 * another revision the file it ran. Throws `JiracdflowExportError` naming the row for an unusable one.
 */
export function planJiracdflowImport(
  row: JiracdflowIssueRow,
  sqlRows: readonly JiracdflowSqlRow[],
  options: JiracdflowImportOptions,
  path = 'jira_workflow',
): JiracdflowImportPlan {
  const names = options.names ?? defaultJiraWorkflowNames;
  const env = (row.environment ?? '').trim().toUpperCase();
  if (env === 'PRO' || env === 'PROD') {
    return { kind: 'skip', summary: row.summary, reason: 'a PRO release: cdflow imports UAT releases only' };
  }
  if (env !== '' && env !== 'UAT') {
    throw new JiracdflowExportError(`${path}.environment`, `"${row.environment}" is neither UAT nor PRO`);
  }
  const stage = stageOf(row.status, names);
  if (stage === null) {
    throw new JiracdflowExportError(
      `${path}.status`,
      `"${row.status}" is not a status of the original workflow (SQL PENDING, SQL PROCESSING, …, UAT UPGRADED, or their Chinese names)`,
    );
  }
  const project = releaseSystemProject(row, options.normalize.projectMap);
  if (project === null) {
    throw new JiracdflowExportError(
      `${path}.summary`,
      `cannot tell the release-system project: the summary "${row.summary}" does not start with 【<project>】 of a mapped project (${Object.keys(options.normalize.projectMap).join(', ')}) and project "${row.project ?? ''}" is not one either`,
    );
  }
  // The original rewrote a code item's empty tag to "v1" before storing it; the release system sends "".
  const code = row.code_info.map((item) =>
    typeof item.tag === 'string' && item.tag.toLowerCase() === 'v1' ? { ...item, tag: '' } : item,
  );
  const stringVersion = (item: Record<string, unknown>) =>
    typeof item.svn_version === 'number' ? { ...item, svn_version: String(item.svn_version) } : item;
  const body = {
    project,
    summary: row.summary,
    env: 'UAT',
    sql_info: row.sql_info.map(stringVersion),
    apollo_info: row.apollo_info,
    config_info: row.config_info,
    code_info: code.map(stringVersion),
  };
  const checked = validateReleaseRequest(body);
  if (!checked.ok) {
    const first = checked.errors[0]!;
    throw new JiracdflowExportError(`${path}${first.path.replaceAll('/', '.')}`, first.message);
  }
  let request: NormalizedRequest;
  try {
    request = normalizeReleaseRequest(checked.value, options.normalize);
  } catch (error) {
    // The rules the server applies to a publish (project map, routing, a SQL source for items without text).
    if (error instanceof CdflowError) {
      throw new CdflowError(error.code, `${path}: ${error.message}`, {
        ...(error.details === undefined ? {} : { details: error.details }),
      });
    }
    throw error;
  }

  const mine = sqlRows.filter((r) => r.workflow_name === row.summary);
  const orders: Record<string, { latest: JiracdflowSqlRow; finished: JiracdflowSqlRow | null }> = {};
  for (const r of [...mine].sort((a, b) => a.w_id - b.w_id)) {
    const entry = orders[r.sql_id];
    orders[r.sql_id] = {
      latest: r,
      finished: r.w_status === 'workflow_finish' ? r : (entry?.finished ?? null),
    };
  }
  const files = new Map<string, SqlFileToRead>();
  const need = (item: { svnPath: string; svnFile: string; sqlId: string }, svnVersion: string) => {
    const file = { svnPath: item.svnPath, svnFile: item.svnFile, svnVersion };
    const ref = sqlFileRefLabel(file);
    const known = files.get(ref);
    if (known) known.sqlIds.push(item.sqlId);
    else files.set(ref, { ref, file, sqlIds: [item.sqlId] });
  };
  const inFlight = stage === 'sqlExecuting' || stage === 'sqlFailed';
  for (const item of request.sqlAwaitingText ?? []) need(item, item.svnVersion);
  // The hash of what a work order ran is the hash of the file at the revision it was submitted with.
  for (const item of [...request.sql, ...(request.sqlAwaitingText ?? [])]) {
    if (item.deployedToUat) continue;
    const order = orders[item.sqlId];
    const ran = sqlAppliedFrom[stage] === 'finishedOrders' ? order?.finished : undefined;
    if (ran && ran.sql_release_info !== item.svnVersion) need(item, ran.sql_release_info);
    if (inFlight && order && order.latest.sql_release_info !== item.svnVersion) {
      need(item, order.latest.sql_release_info);
    }
  }
  return {
    kind: 'release',
    summary: row.summary,
    issueKey: row.issue_key,
    originalStatus: row.status,
    stage,
    request,
    orders,
    files: [...files.values()],
  };
}

/** A release built from the original's rows, ready to be stored as a new release. */
export interface ImportedRelease {
  releaseId: string;
  summary: string;
  issueKey: string;
  /** Machine state id, dotted (`sqlExecuting`, `sqlPending.failed`). */
  state: string;
  context: ReleaseContext;
  persisted: PersistedRelease;
  /** Effects to queue with it (the first decision of a release at `sqlPending`; the SQL watch timer). */
  effects: ReleaseEffect[];
  request: NormalizedRequest;
}

const machineStateOf: Record<JiracdflowImportStage, string> = {
  sqlPending: 'sqlPending',
  sqlFailed: 'sqlPending.failed',
  sqlExecuting: 'sqlExecuting.watching',
  configExecuting: 'configExecuting.awaitingConfirmation',
  deploying: 'fixing',
  codeFailed: 'fixing',
  fixing: 'fixing',
  uatComplete: 'uatComplete',
  prodUpgrade: 'prodUpgrade',
  closed: 'closed',
};

function importFailure(stage: JiracdflowImportStage, status: string): ReleaseFailure | null {
  const from = `imported from jiracdflow in ${status}`;
  switch (stage) {
    case 'sqlFailed':
      return {
        stage: 'sql',
        reason: `${from}: a SQL order failed there; publish the fixed release`,
        at: 'sqlPending',
      };
    case 'deploying':
      return {
        stage: 'code',
        reason: `${from} while it was deploying: check the services in the CMDB, then resubmit the code`,
        at: 'codeExecuting',
      };
    case 'codeFailed':
      return { stage: 'code', reason: `${from}: a code deploy failed there`, at: 'codeExecuting' };
    default:
      return null;
  }
}

function textOf(
  texts: Readonly<Record<string, SqlText>>,
  file: SqlFileToRead['file'],
  summary: string,
): SqlText {
  const text = texts[sqlFileRefLabel(file)];
  if (!text) {
    throw new CdflowError(
      'EFFECT_PRECONDITION',
      `import of ${summary}: the text of ${sqlFileRefLabel(file)} was not read; read every file planJiracdflowImport names first.`,
    );
  }
  return text;
}

/**
 * The release the plan describes, with the SQL `texts` the host read (by `sqlFileRefLabel`). A release
 * at `sqlPending` starts as a new release would (cdflow submits what did not finish); one further on is
 * placed in its stage with its orders and applied state, without running the stage's entry again.
 */
export function jiracdflowRelease(
  plan: Extract<JiracdflowImportPlan, { kind: 'release' }>,
  input: { releaseId: string; settings: ReleaseSettings; texts: Readonly<Record<string, SqlText>> },
): ImportedRelease {
  const { releaseId, settings, texts } = input;
  const used: Record<string, SqlText> = {};
  for (const f of plan.files) used[f.ref] = textOf(texts, f.file, plan.summary);
  const request = withSqlTexts(plan.request, used);

  // The hash of an item's file at a revision: the item's own text at its revision, else the file read.
  const hashAt = (item: SqlItem, svnVersion: string): string =>
    svnVersion === item.svnVersion ? item.hash : textOf(used, { ...item, svnVersion }, plan.summary).hash;

  const applied: AppliedState = emptyAppliedState();
  const sqlAll = sqlAppliedFrom[plan.stage] === 'all';
  for (const item of request.sql) {
    if (item.deployedToUat) continue;
    const finished = plan.orders[item.sqlId]?.finished ?? null;
    if (sqlAll) {
      // The original moved past SQL, so every item ran; the current file is what the environment has.
      const workflowId = finished?.sql_release_info === item.svnVersion ? finished.w_id : null;
      applied.sql[item.sqlId] = { hash: item.hash, workflowId, iteration: 1 };
    } else if (finished) {
      applied.sql[item.sqlId] = {
        hash: hashAt(item, finished.sql_release_info),
        workflowId: finished.w_id,
        iteration: 1,
      };
    }
  }
  if (configApplied.has(plan.stage)) {
    for (const a of request.apollo) {
      if (!a.deployedToUat) applied.apollo[apolloItemKey(a)] = { value: a.value, iteration: 1 };
    }
    for (const c of request.config) {
      if (!c.deployedToUat) applied.config[c.name] = { hash: c.hash, iteration: 1 };
    }
  }
  if (codeApplied.has(plan.stage)) {
    for (const c of request.code) {
      if (c.svnVersion !== '')
        applied.code[c.service] = { svnVersion: c.svnVersion, tag: c.tag, iteration: 1 };
    }
  }

  if (plan.stage === 'sqlPending') {
    const decision = startRelease({ releaseId, request, settings, applied, sqlTexts: used });
    return {
      releaseId,
      summary: plan.summary,
      issueKey: plan.issueKey,
      state: decision.state,
      context: decision.context,
      persisted: decision.next,
      effects: decision.effects,
      request,
    };
  }

  // The iteration the original was running: its SQL is what it submitted (planned as if nothing ran).
  const inFlight = plan.stage === 'sqlExecuting' || plan.stage === 'sqlFailed';
  const planned = planRelease(inFlight ? { ...applied, sql: {} } : applied, request);
  const sqlOrders: SqlOrder[] = inFlight
    ? runItems(planned.sql).map((item): SqlOrder => {
        const latest = plan.orders[item.sqlId]?.latest;
        return {
          sqlId: item.sqlId,
          seq: item.seq,
          hash: latest ? hashAt(item, latest.sql_release_info) : item.hash,
          iteration: 1,
          workflowId: latest?.w_id ?? null,
          status: latest?.w_status ?? 'pending',
          confirmedBy: null,
          error: null,
        };
      })
    : [];
  const state = machineStateOf[plan.stage];
  // Every mode reads Archery from sqlExecuting on (manual read-only): the watch the stage's entry starts.
  const watched = plan.stage === 'sqlExecuting';
  const context: ReleaseContext = {
    releaseId,
    summary: plan.summary,
    issueKey: plan.issueKey,
    iteration: 1,
    settings,
    request,
    applied,
    plan: planned,
    sqlOrders,
    deployments: [],
    warnings: [],
    failure: importFailure(plan.stage, plan.originalStatus),
    jiraMirror: state.split('.')[0]!,
    revision: 1,
    timers: watched ? ['archery.poll'] : [],
    previousVersion: null,
    sqlTexts: used,
  };
  const snapshot = releaseMachine.resolveState({ value: stateValueOf(state) as never, context });
  const persisted: PersistedRelease = {
    machineVersion: releaseMachineVersion,
    snapshot: releaseMachine.getPersistedSnapshot(snapshot as never),
  };
  const effects: ReleaseEffect[] = watched
    ? [
        {
          type: 'timer.schedule',
          idempotencyKey: `${releaseId}:i1:r1:timer.schedule:archery.poll`,
          revision: 1,
          timer: 'archery.poll',
          delayMs: timerDelayMs(settings, 'archery.poll'),
        },
      ]
    : [];
  return {
    releaseId,
    summary: plan.summary,
    issueKey: plan.issueKey,
    state,
    context,
    persisted,
    effects,
    request,
  };
}
