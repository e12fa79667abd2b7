import { type ColumnType, narrowingReason } from './column-type.js';
import type { Finding } from './finding.js';
import { HistoryTableNaming } from './history-table.js';
import { isTemporaryTable, type PolicyConfig } from './policy-config.js';
import { findPolicyRule } from './policy-rules.js';
import type { ChangeSource, SchemaChange } from './schema-change.js';

export interface DatabaseRuleContext {
  config: PolicyConfig;
  /** Registry version of the release (`1.2`), or null when the version is unknown or invalid. */
  registry: string | null;
}

export interface DatabaseRuleResult {
  findings: Finding[];
  /** Changes to the data model (DF-V003 needs a registry bump for any of them). */
  dataModelChanges: SchemaChange[];
}

const lower = (name: string): string => name.toLowerCase();

function finding(
  ruleId: string,
  at: ChangeSource,
  message: string,
  suggestion: string,
  severity?: Finding['severity'],
): Finding {
  const where = at.changeSet ? ` (changeSet ${at.changeSet})` : '';
  return {
    ruleId,
    severity: severity ?? findPolicyRule(ruleId)?.severity ?? 'error',
    file: at.file,
    line: at.line,
    message: `${message}${where}`,
    suggestion,
  };
}

/**
 * Runs DF-D001…DF-D008 over every database change of one release (all its files or SQL items together:
 * "the same change" of docs/policy.md), in the order they would be applied.
 */
export function checkDatabaseChanges(
  changes: SchemaChange[],
  context: DatabaseRuleContext,
): DatabaseRuleResult {
  const naming = new HistoryTableNaming(context.config.historyTablePattern);
  const created = new Set(changes.flatMap((c) => (c.kind === 'createTable' ? [lower(c.table)] : [])));
  const columnTypes = new Map<string, ColumnType | null>();
  const findings: Finding[] = [];
  const dataModelChanges: SchemaChange[] = [];
  const addColumnsByTable = new Map<string, Array<SchemaChange & { kind: 'addColumn' }>>();

  for (const change of changes) {
    switch (change.kind) {
      case 'createTable':
        dataModelChanges.push(change);
        for (const column of change.columns)
          columnTypes.set(`${lower(change.table)}.${lower(column.name)}`, column.type);
        break;
      case 'addColumn': {
        dataModelChanges.push(change);
        const table = lower(change.table);
        columnTypes.set(`${table}.${lower(change.column)}`, change.type);
        if (created.has(table)) break;
        if (change.notNull && !change.hasDefault) {
          findings.push(
            finding(
              'DF-D006',
              change,
              `NOT NULL column ${change.table}.${change.column} is added without a default to an existing table: its rows would violate it`,
              'Add the column nullable (or with a DEFAULT), fill it, then add the NOT NULL constraint once the data satisfies it.',
              'error',
            ),
          );
        }
        for (const constraint of change.constraints) {
          findings.push(
            constraintWarning(change, change.table, `${constraint} on new column ${change.column}`),
          );
        }
        if (!naming.isHistoryTable(change.table)) {
          const list = addColumnsByTable.get(table) ?? [];
          list.push(change);
          addColumnsByTable.set(table, list);
        }
        break;
      }
      case 'renameColumn': {
        const table = lower(change.table);
        const type = columnTypes.get(`${table}.${lower(change.from)}`);
        if (type !== undefined) columnTypes.set(`${table}.${lower(change.to)}`, type);
        if (created.has(table)) break;
        findings.push(
          finding(
            'DF-D001',
            change,
            `column ${change.table}.${change.from} is renamed to ${change.to}: renames break data lineage`,
            `Keep ${change.from}; add ${change.to} as a new column (with its DF-D007 history migration) and fill it from ${change.from}.`,
          ),
        );
        break;
      }
      case 'renameTable':
        if (created.has(lower(change.from))) break;
        findings.push(
          finding(
            'DF-D001',
            change,
            `table ${change.from} is renamed to ${change.to}: renames break data lineage`,
            `Keep ${change.from}; create ${change.to} as a new table and load it from ${change.from}, or expose the new name as a view.`,
          ),
        );
        break;
      case 'dropColumn':
        if (created.has(lower(change.table))) break;
        findings.push(
          finding(
            'DF-D002',
            change,
            `column ${change.table}.${change.column} is dropped`,
            `Create a new table without ${change.column} and reload the data into it; leave ${change.table} as it is.`,
          ),
        );
        break;
      case 'dropTable':
        // A table created in the same change, or a scratch table (`tmp_…`), holds no data anyone keeps.
        if (created.has(lower(change.table)) || isTemporaryTable(change.table, context.config)) break;
        findings.push(
          finding(
            'DF-D003',
            change,
            `table ${change.table} is dropped with its data`,
            'Keep the table; if only a derived object must go, drop the view or search condition instead.',
          ),
        );
        break;
      case 'alterColumnType': {
        dataModelChanges.push(change);
        const key = `${lower(change.table)}.${lower(change.column)}`;
        const from = columnTypes.get(key) ?? null;
        columnTypes.set(key, change.to);
        if (created.has(lower(change.table)) && from === null) break;
        findings.push(...typeChangeFindings(change, from));
        break;
      }
      case 'addConstraint':
        if (created.has(lower(change.table))) break;
        findings.push(constraintWarning(change, change.table, change.constraint));
        break;
      case 'createEnum':
        dataModelChanges.push(change);
        break;
      case 'addEnumValue':
        dataModelChanges.push(change);
        break;
      case 'removeEnumValue':
        findings.push(
          finding(
            'DF-D005',
            change,
            `enum ${change.typeName}: ${change.detail}; enums may only be extended`,
            'Add the new value with ALTER TYPE … ADD VALUE and keep the old one; values in use must be migrated by hand in a separate, reviewed data reload.',
          ),
        );
        break;
      case 'unparsable':
        findings.push(
          finding(
            'DF-P001',
            change,
            `the SQL cannot be parsed, so it cannot be checked: ${change.detail}`,
            'Fix the syntax (PostgreSQL, or MySQL where it differs) so the policy can verify the change.',
          ),
        );
        break;
      default:
        break;
    }
  }

  if (context.registry !== null) {
    findings.push(...historyFindings(changes, addColumnsByTable, naming, context));
  }
  return { findings, dataModelChanges };
}

function constraintWarning(at: ChangeSource, table: string, constraint: string): Finding {
  return finding(
    'DF-D006',
    at,
    `constraint ${constraint} is added to existing table ${table}; the checker cannot see whether the data satisfies it`,
    `Verify existing rows of ${table} satisfy ${constraint} before applying (query for violations first).`,
  );
}

function typeChangeFindings(
  change: SchemaChange & { kind: 'alterColumnType' },
  from: ColumnType | null,
): Finding[] {
  const column = `${change.table}.${change.column}`;
  if (change.to === null) {
    return [
      finding(
        'DF-D004',
        change,
        `type of ${column} changes to ${change.toText}, a type the checker cannot read`,
        'Write the new type in PostgreSQL syntax (e.g. varchar(255), bigint, numeric(12,2)).',
      ),
    ];
  }
  if (from === null) {
    // Routine DDL (a widening MODIFY) rarely comes with the changelog that created the column: the
    // change is shown, not refused; a narrowing seen against a known type stays an error.
    return [
      finding(
        'DF-D004',
        change,
        `type of ${column} changes to ${change.toText}, but its previous type is not in the checked inputs, so the change cannot be shown to be a widening`,
        `Make sure it widens the column (check the changelog that created ${column} together with this one to have it verified), or keep the column's type.`,
        'warning',
      ),
    ];
  }
  const reason = narrowingReason(from, change.to);
  if (reason === null) return [];
  if (from.name === 'enum' && change.to.name === 'enum') {
    return [
      finding(
        'DF-D005',
        change,
        `enum column ${column}: ${reason}; enums may only be extended`,
        `Keep every existing value of ${column} and only append new ones.`,
      ),
    ];
  }
  return [
    finding(
      'DF-D004',
      change,
      `type of ${column} changes ${reason}, which needs the data to be modified`,
      'Only widen types (varchar(n)→varchar(m≥n), varchar→text, smallint→integer→bigint, numeric(p,s)→numeric(q≥p,s)); otherwise add a new column or table and reload the data.',
    ),
  ];
}

function historyFindings(
  changes: SchemaChange[],
  addColumnsByTable: Map<string, Array<SchemaChange & { kind: 'addColumn' }>>,
  naming: HistoryTableNaming,
  context: DatabaseRuleContext,
): Finding[] {
  const registry = context.registry ?? '';
  const findings: Finding[] = [];
  const distributed = distributionOf(changes, context.config);
  const createdTables = new Map<string, SchemaChange & { kind: 'createTable' }>();
  for (const c of changes) if (c.kind === 'createTable') createdTables.set(lower(c.table), c);
  const copied = new Set(changes.flatMap((c) => (c.kind === 'copyRows' ? [lower(c.table)] : [])));

  for (const [table, adds] of addColumnsByTable) {
    const first = adds[0];
    if (!first) continue;
    const history = lower(naming.nameFor(first.table, registry));
    const create = createdTables.get(history);
    const hasCopy = copied.has(history) || create?.copiesRows === true;
    if (create && hasCopy) continue;
    const missing = [
      create ? null : `create ${history}`,
      hasCopy ? null : `copy the latest history rows into ${history} (INSERT … SELECT)`,
    ].filter((s): s is string => s !== null);
    const columns = adds.map((a) => a.column).join(', ');
    findings.push(
      finding(
        'DF-D007',
        first,
        `column${adds.length > 1 ? 's' : ''} ${columns} ${adds.length > 1 ? 'are' : 'is'} added to operational table ${table} without its history migration: ${missing.join(' and ')}`,
        `In the same change, keep the current history table, create ${history} for registry version ${registry} and copy the latest history record of every ${table} row into it; \`cdflow policy fix\` prints these changesets.`,
      ),
    );
  }

  for (const [name, create] of createdTables) {
    const base = naming.baseOf(name);
    if (base === null) continue;
    const required = distributionRequired(base, name, distributed, naming);
    if (!required) continue;
    const actual = distributed.get(name);
    if (actual && lower(actual.column) === lower(required.column)) continue;
    findings.push(
      finding(
        'DF-D008',
        create,
        actual
          ? `history table ${name} is distributed on ${actual.column}, but ${required.from} is distributed on ${required.column}`
          : `history table ${name} is not distributed, but ${required.from} is distributed on ${required.column}`,
        `Distribute ${name} like its predecessor: SELECT create_distributed_table('${name}', '${required.column}');`,
      ),
    );
  }
  return findings;
}

interface Distribution {
  column: string;
  source: 'config' | 'changelog';
}

/** Distributed tables from configuration and from `create_distributed_table` calls seen in the inputs. */
export function distributionOf(changes: SchemaChange[], config: PolicyConfig): Map<string, Distribution> {
  const map = new Map<string, Distribution>();
  for (const [table, column] of Object.entries(config.distributedTables)) {
    map.set(lower(table), { column, source: 'config' });
  }
  for (const c of changes) {
    if (c.kind === 'distributeTable') map.set(lower(c.table), { column: c.column, source: 'changelog' });
  }
  return map;
}

/** The distribution a new history table must keep: its operational table's, or an older history table's. */
export function distributionRequired(
  base: string,
  historyTable: string,
  distributed: Map<string, Distribution>,
  naming: HistoryTableNaming,
): { column: string; from: string } | null {
  const own = distributed.get(lower(base));
  if (own) return { column: own.column, from: base };
  for (const [name, distribution] of distributed) {
    if (name !== historyTable && naming.baseOf(name) === lower(base))
      return { column: distribution.column, from: name };
  }
  return null;
}
