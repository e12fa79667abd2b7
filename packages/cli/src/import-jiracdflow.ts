/**
 * The work of `cdflow import jiracdflow`: read the export, read the SQL files its releases name from the
 * configured SQL source (a finished order's hash is its file's), build each release with core's rule
 * (`planJiracdflowImport`, `jiracdflowRelease`) and create it through the server's store. A release
 * already in the database is left as it is, so running the import twice changes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  decodeSqlText,
  type ImportedRelease,
  JiracdflowExportError,
  jiracdflowRelease,
  parseJiracdflowExport,
  planJiracdflowImport,
  type ReleaseEffect,
  type SqlText,
  storedSqlText,
} from '@cdflow/core';
import {
  ConfigError,
  createSqlSource,
  describeError,
  loadConfig,
  openStore,
  ReleaseRepository,
  releaseIdFor,
  releaseSettings,
  type ServerConfig,
} from '@cdflow/server';
import { CliUsageError } from './cli-error.js';

export interface ImportRequest {
  /** The export file (absolute). */
  file: string;
  /** The server's environment (CDFLOW_DB, CDFLOW_CONFIG, CDFLOW_SQL_MODE, SVN_* or GITLAB_*, …). */
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths (`--db`, CDFLOW_DB, CDFLOW_CONFIG) are relative to this directory. */
  cwd: string;
  db?: string;
  dryRun: boolean;
  /** One line per release, and a last line with the totals. */
  report: (line: string) => void;
}

/** What became of each release of the export: created in cdflow, left (already there, or not importable), failed. */
export type ImportOutcome = 'imported' | 'skipped' | 'failed';

/** How many releases came to each outcome, and the database they went to. */
export interface ImportResult extends Record<ImportOutcome, number> {
  db: string;
}

function serverConfig(request: ImportRequest): ServerConfig {
  try {
    return loadConfig(request.env as NodeJS.ProcessEnv, {
      readFile: (path) => readFileSync(resolve(request.cwd, path), 'utf8'),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliUsageError('CLI_BAD_CONFIG', `the server's configuration is not usable: ${error.message}`);
    }
    throw error;
  }
}

async function readExport(file: string) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliUsageError('CLI_UNREADABLE_INPUT', `cannot read ${file}: ${describeError(error)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError('CLI_UNREADABLE_INPUT', `${file} is not JSON: ${describeError(error)}`);
  }
  try {
    return parseJiracdflowExport(value);
  } catch (error) {
    if (error instanceof JiracdflowExportError)
      throw new CliUsageError('CLI_UNREADABLE_INPUT', error.message);
    throw error;
  }
}

/** The imported release's effects as the store queues them: timers as timer rows, the rest as outbox rows. */
function queued(effects: readonly ReleaseEffect[], now: number) {
  const rows = effects.flatMap((e) =>
    e.type === 'timer.schedule' || e.type === 'timer.cancel'
      ? []
      : [{ idempotencyKey: e.idempotencyKey, type: e.type, payload: e }],
  );
  const timers = effects.flatMap((e) =>
    e.type === 'timer.schedule'
      ? [{ name: e.timer, dueAt: now + e.delayMs, scheduleKey: e.idempotencyKey }]
      : [],
  );
  return { effects: rows, scheduleTimers: timers, cancelTimers: [] as string[] };
}

function describe(release: ImportedRelease, originalStatus: string, read: number, source: string): string {
  const orders = release.context.sqlOrders;
  const finished = orders.filter((o) => o.status === 'workflow_finish').length;
  const parts = [
    `${originalStatus} → ${release.state}`,
    orders.length > 0 ? `${orders.length} SQL order(s), ${finished} finished` : '',
    `${Object.keys(release.context.applied.sql).length} SQL item(s) applied`,
    read > 0 ? `${read} file(s) read from ${source}` : '',
  ].filter((p) => p !== '');
  return `${release.summary} (${release.issueKey}): ${parts.join(', ')}`;
}

export async function importJiracdflow(request: ImportRequest): Promise<ImportResult> {
  const exported = await readExport(request.file);
  const config = serverConfig(request);
  const db = resolve(request.cwd, request.db ?? config.dbPath);
  const source = createSqlSource(config.sqlSource, {
    timeoutMs: config.timings.upstreamTimeoutMs,
    retries: config.timings.upstreamRetries,
  });
  // A dry run writes nothing, not even a new database file.
  const store = request.dryRun && !existsSync(db) ? null : openStore(db);
  const repo = store ? new ReleaseRepository(store) : null;
  const result: ImportResult = { imported: 0, skipped: 0, failed: 0, db };
  try {
    for (const [index, row] of exported.jira_workflow.entries()) {
      const path = `jira_workflow[${index}]`;
      const releaseId = releaseIdFor(row.summary);
      if (repo?.getById(releaseId)) {
        result.skipped++;
        request.report(`skipped ${row.summary} (${row.issue_key}): already in cdflow`);
        continue;
      }
      try {
        const plan = planJiracdflowImport(
          row,
          exported.sql_workflow,
          { normalize: config.normalize, names: config.jira.names },
          path,
        );
        if (plan.kind === 'skip') {
          result.skipped++;
          request.report(`skipped ${plan.summary} (${row.issue_key}): ${plan.reason}`);
          continue;
        }
        const texts: Record<string, SqlText> = {};
        for (const file of plan.files) {
          if (!source) throw new Error(`no SQL source is configured to read ${file.ref}`);
          const bytes = await source.fetch(file.file);
          texts[file.ref] = storedSqlText(
            decodeSqlText(bytes, config.sqlFallbackEncoding),
            source.kind,
            bytes.byteLength,
          );
        }
        const release = jiracdflowRelease(plan, {
          releaseId,
          settings: releaseSettings(config, plan.request.project),
          texts,
        });
        if (!request.dryRun && repo) {
          repo.createRelease(
            {
              releaseId,
              summary: release.summary,
              issueKey: release.issueKey,
              project: release.request.project,
              jiraProject: release.request.jiraProject,
              env: release.request.env,
              state: release.state,
              iteration: release.context.iteration,
              machineVersion: release.persisted.machineVersion,
              snapshot: release.persisted.snapshot,
            },
            {
              audit: [
                {
                  source: 'import',
                  actor: 'cdflow import jiracdflow',
                  event: 'RELEASE_IMPORTED',
                  fromState: null,
                  toState: release.state,
                  accepted: true,
                  detail: {
                    from: 'jiracdflow',
                    originalStatus: plan.originalStatus,
                    issueKey: release.issueKey,
                    sqlOrders: release.context.sqlOrders.map((o) => ({
                      sqlId: o.sqlId,
                      workflowId: o.workflowId,
                      status: o.status,
                    })),
                    applied: Object.keys(release.context.applied.sql),
                    effects: release.effects.map((e) => e.type),
                  },
                },
              ],
              ...queued(release.effects, Date.now()),
              request: { iteration: release.context.iteration, by: 'import', body: release.request },
            },
          );
        }
        result.imported++;
        request.report(
          `${request.dryRun ? 'would import' : 'imported'} ${describe(release, plan.originalStatus, plan.files.length, source?.kind ?? '')}`,
        );
      } catch (error) {
        result.failed++;
        request.report(`failed ${row.summary} (${row.issue_key}): ${describeError(error)}`);
      }
    }
  } finally {
    store?.close();
  }
  request.report(
    `${result.imported} ${request.dryRun ? 'to import' : 'imported'}, ${result.skipped} skipped, ${result.failed} failed (${db})`,
  );
  return result;
}
