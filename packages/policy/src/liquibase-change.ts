import { type ColumnType, parseColumnType } from './column-type.js';
import type { SchemaChange } from './schema-change.js';
import { sqlChanges } from './sql-changes.js';

/** A Liquibase change as read from XML, YAML or JSON: its name, attributes, nested columns and SQL text. */
export interface LiquibaseChange {
  name: string;
  attributes: Record<string, string>;
  line: number;
  /** For `sql`: text chunks with the file line each starts on. */
  chunks: Array<{ text: string; line: number }>;
  /** For `addColumn`/`createTable`/`dropColumn`: nested columns. */
  columns: LiquibaseColumn[];
}

export interface LiquibaseColumn {
  attributes: Record<string, string>;
  constraints: Record<string, string>;
  line: number;
}

function isFalse(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'false';
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

/** The schema changes of one Liquibase change (XML element or YAML/JSON map). */
export function liquibaseChangeToSchema(
  element: LiquibaseChange,
  file: string,
  changeSet: string | undefined,
): SchemaChange[] {
  const a = element.attributes;
  const source = { file, line: element.line, ...(changeSet ? { changeSet } : {}) };
  const table = a.tableName ?? '';
  switch (element.name) {
    case 'addColumn':
      return element.columns.map((column) => addColumnChange(table, column, file, changeSet));
    case 'createTable':
      return [
        {
          kind: 'createTable',
          table,
          columns: element.columns.map((c) => ({
            name: c.attributes.name ?? '',
            type: typeOf(c.attributes.type),
          })),
          copiesRows: false,
          ...source,
        },
      ];
    case 'renameColumn':
      return [
        { kind: 'renameColumn', table, from: a.oldColumnName ?? '', to: a.newColumnName ?? '', ...source },
      ];
    case 'renameTable':
      return [{ kind: 'renameTable', from: a.oldTableName ?? '', to: a.newTableName ?? '', ...source }];
    case 'dropColumn': {
      const names = a.columnName ? [a.columnName] : element.columns.map((c) => c.attributes.name ?? '');
      return names.map((column) => ({ kind: 'dropColumn', table, column, ...source }));
    }
    case 'mergeColumns':
      return [a.column1Name ?? '', a.column2Name ?? ''].map((column) => ({
        kind: 'dropColumn',
        table,
        column,
        ...source,
      }));
    case 'dropTable':
      return [{ kind: 'dropTable', table, ...source }];
    case 'modifyDataType':
      return [
        {
          kind: 'alterColumnType',
          table,
          column: a.columnName ?? '',
          to: typeOf(a.newDataType),
          toText: a.newDataType ?? '?',
          ...source,
        },
      ];
    case 'addNotNullConstraint':
      return [{ kind: 'addConstraint', table, constraint: `NOT NULL on ${a.columnName ?? '?'}`, ...source }];
    case 'addUniqueConstraint':
      return [
        {
          kind: 'addConstraint',
          table,
          constraint: `UNIQUE ${a.constraintName ?? ''} (${a.columnNames ?? ''})`.replace('  ', ' '),
          ...source,
        },
      ];
    case 'addForeignKeyConstraint':
      return [
        {
          kind: 'addConstraint',
          table: a.baseTableName ?? '',
          constraint: `FOREIGN KEY ${a.constraintName ?? ''} → ${a.referencedTableName ?? '?'}`,
          ...source,
        },
      ];
    case 'addCheckConstraint':
      return [
        { kind: 'addConstraint', table, constraint: `CHECK ${a.constraintName ?? ''}`.trim(), ...source },
      ];
    case 'addPrimaryKey':
      return [
        {
          kind: 'addConstraint',
          table,
          constraint: `PRIMARY KEY ${a.constraintName ?? ''}`.trim(),
          ...source,
        },
      ];
    case 'sql': {
      const dialect = (a.dbms ?? '').toLowerCase().includes('mysql') ? ('mysql' as const) : undefined;
      return element.chunks
        .filter((chunk) => chunk.text.trim() !== '')
        .flatMap((chunk) =>
          sqlChanges(chunk.text, {
            file,
            firstLine: chunk.line,
            ...(changeSet ? { changeSet } : {}),
            ...(dialect ? { dialect } : {}),
          }),
        );
    }
    default:
      return [];
  }
}

function typeOf(text: string | undefined): ColumnType | null {
  return text ? parseColumnType(text) : null;
}

function addColumnChange(
  table: string,
  column: LiquibaseColumn,
  file: string,
  changeSet: string | undefined,
): SchemaChange {
  const a = column.attributes;
  const c = column.constraints;
  const hasDefault = Object.keys(a).some((key) => key.startsWith('defaultValue')) || isTrue(a.autoIncrement);
  const constraints: string[] = [];
  if (isTrue(c.unique))
    constraints.push(c.uniqueConstraintName ? `UNIQUE ${c.uniqueConstraintName}` : 'UNIQUE');
  if (isTrue(c.primaryKey)) constraints.push('PRIMARY KEY');
  if (c.foreignKeyName || c.references || c.referencedTableName) {
    constraints.push(
      `FOREIGN KEY ${c.foreignKeyName ?? ''} → ${c.referencedTableName ?? c.references ?? '?'}`,
    );
  }
  if (c.checkConstraint) constraints.push(`CHECK (${c.checkConstraint})`);
  return {
    kind: 'addColumn',
    table,
    column: a.name ?? '',
    type: typeOf(a.type),
    notNull: isFalse(c.nullable) || isTrue(c.primaryKey),
    hasDefault,
    constraints,
    file,
    line: column.line,
    ...(changeSet ? { changeSet } : {}),
  };
}
