import { distributionOf, distributionRequired } from './database-rules.js';
import { HistoryTableNaming } from './history-table.js';
import { CodedError } from './input-error.js';
import { type PolicyConfig, resolvePolicyConfig } from './policy-config.js';
import type { SchemaChange } from './schema-change.js';
import { parseVersion, registryVersion } from './version.js';

export interface HistoryMigrationRequest {
  /** The operational table that gains columns. */
  table: string;
  columns: Array<{ name: string; type: string }>;
  /** Release version (`1.2.0`): names the new history table. */
  version: string;
  /** Last applied version: names the history table to copy from; defaults to the previous major. */
  previousVersion?: string;
  /** Distribution column of the predecessor (DF-D008), or null when it is not distributed. */
  distributionColumn?: string | null;
  /** Column identifying an operational row in history (default `{table}_id`). */
  keyColumn?: string;
  /** Column ordering history records, newest first (default `ddm_created_at`). */
  createdAtColumn?: string;
  config?: Partial<PolicyConfig>;
}

export interface HistoryMigration {
  table: string;
  historyTable: string;
  previousHistoryTable: string;
  /** Liquibase XML `<changeSet>` element(s), ready to paste into the changelog. */
  changeSetXml: string;
  /** The same migration as plain PostgreSQL. */
  sql: string;
}

export class HistoryMigrationError extends CodedError {
  readonly code = 'HISTORY_MIGRATION_UNKNOWN_PREDECESSOR';
}

function previousRegistry(version: string, previousVersion: string | undefined): string {
  if (previousVersion) return registryVersion(previousVersion);
  const v = parseVersion(version);
  if (v.major === 0) {
    throw new HistoryMigrationError(
      `cannot tell which history table ${version} follows (platform bump); pass the previous version (--previous)`,
    );
  }
  return `${v.platform}.${v.major - 1}`;
}

const xmlEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The changesets DF-D007/DF-D008 require for columns added to an operational table: keep the current
 * history table, create the one for the new registry version (distributed like its predecessor) and copy
 * the latest history record of every operational row into it.
 */
export function suggestHistoryMigration(request: HistoryMigrationRequest): HistoryMigration {
  const config = resolvePolicyConfig(request.config);
  const naming = new HistoryTableNaming(config.historyTablePattern);
  const registry = registryVersion(request.version);
  const historyTable = naming.nameFor(request.table, registry);
  const previousHistoryTable = naming.nameFor(
    request.table,
    previousRegistry(request.version, request.previousVersion),
  );
  const key = request.keyColumn ?? `${request.table}_id`;
  const createdAt = request.createdAtColumn ?? 'ddm_created_at';
  const statements = [
    `CREATE TABLE ${historyTable} (LIKE ${previousHistoryTable} INCLUDING ALL);`,
    ...request.columns.map((c) => `ALTER TABLE ${historyTable} ADD COLUMN ${c.name} ${c.type};`),
  ];
  if (request.distributionColumn) {
    statements.push(`SELECT create_distributed_table('${historyTable}', '${request.distributionColumn}');`);
  }
  // New columns are appended by ALTER TABLE, so `h.*` followed by one NULL per new column lines up.
  statements.push(
    [
      `INSERT INTO ${historyTable}`,
      `  SELECT DISTINCT ON (h.${key}) h.*, ${request.columns.map(() => 'NULL').join(', ')}`,
      `  FROM ${previousHistoryTable} h`,
      `  ORDER BY h.${key}, h.${createdAt} DESC;`,
    ].join('\n'),
  );
  const sql = `${statements.join('\n')}\n`;
  const id = `${request.table}-hst-${registry.replace('.', '-')}`;
  const indented = sql
    .trimEnd()
    .split('\n')
    .map((line) => `      ${xmlEscape(line)}`)
    .join('\n');
  const rules = request.distributionColumn ? 'DF-D007/DF-D008' : 'DF-D007';
  const changeSetXml = [
    `  <changeSet id="${id}" author="cdflow-policy-fix">`,
    `    <comment>${rules}: keep ${previousHistoryTable}, start ${historyTable} with the latest history of every ${request.table} row.</comment>`,
    '    <sql>',
    indented,
    '    </sql>',
    '  </changeSet>',
  ].join('\n');
  return { table: request.table, historyTable, previousHistoryTable, changeSetXml, sql };
}

/**
 * For each operational table that gains columns in `changes` without its history migration, the
 * migration to add (what `cdflow policy fix` prints).
 */
export function suggestMissingHistoryMigrations(
  changes: SchemaChange[],
  options: { version: string; previousVersion?: string; config?: Partial<PolicyConfig> },
): HistoryMigration[] {
  const config = resolvePolicyConfig(options.config);
  const naming = new HistoryTableNaming(config.historyTablePattern);
  const registry = registryVersion(options.version);
  const created = new Set(changes.flatMap((c) => (c.kind === 'createTable' ? [c.table.toLowerCase()] : [])));
  const copied = new Set(changes.flatMap((c) => (c.kind === 'copyRows' ? [c.table.toLowerCase()] : [])));
  const distributed = distributionOf(changes, config);
  const byTable = new Map<string, Array<{ name: string; type: string }>>();
  for (const change of changes) {
    if (change.kind !== 'addColumn') continue;
    const table = change.table.toLowerCase();
    if (created.has(table) || naming.isHistoryTable(table)) continue;
    const history = naming.nameFor(table, registry).toLowerCase();
    if (created.has(history) && copied.has(history)) continue;
    const list = byTable.get(table) ?? [];
    list.push({ name: change.column, type: change.type?.text ?? 'text' });
    byTable.set(table, list);
  }
  return [...byTable].map(([table, columns]) => {
    const history = naming.nameFor(table, registry).toLowerCase();
    const required = distributionRequired(table, history, distributed, naming);
    return suggestHistoryMigration({
      table,
      columns,
      version: options.version,
      ...(options.previousVersion ? { previousVersion: options.previousVersion } : {}),
      distributionColumn: required?.column ?? null,
      config,
    });
  });
}
