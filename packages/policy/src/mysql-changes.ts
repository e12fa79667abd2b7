import mysqlParser from 'node-sql-parser/build/mysql.js';
import { type ColumnType, canonicalTypeName } from './column-type.js';
import { InputLineError } from './input-error.js';
import type { ChangeSource, SchemaChange } from './schema-change.js';
import type { SqlText } from './sql-text.js';

export class MysqlSyntaxError extends InputLineError {
  readonly code = 'SQL_SYNTAX';
}

const parser = new mysqlParser.Parser();

type Json = Record<string, unknown>;

/**
 * Reads the database changes of MySQL text with node-sql-parser's MySQL grammar, used where MySQL syntax
 * differs from PostgreSQL (`CHANGE`, `MODIFY`, `RENAME TABLE`). Statements are delimited with the
 * PostgreSQL scanner so each gets its own line.
 */
export function mysqlChanges(sql: SqlText, base: Omit<ChangeSource, 'line'>): SchemaChange[] {
  const ranges = sql.statementRanges() ?? [{ start: 0, end: sql.byteLength }];
  const changes: SchemaChange[] = [];
  for (const range of ranges) {
    const text = sql.slice(range.start, range.end);
    const line = sql.lineAt(range.start);
    let ast: unknown;
    try {
      ast = parser.astify(text, { database: 'MySQL' });
    } catch (error) {
      const where = (error as { location?: { start?: { line?: number } } }).location?.start?.line;
      throw new MysqlSyntaxError(
        error instanceof Error ? error.message : String(error),
        where === undefined ? line : line + where - 1,
      );
    }
    const changeSet = base.changeSet ?? sql.changeSetAt(range.start);
    const source: ChangeSource = { file: base.file, line, ...(changeSet ? { changeSet } : {}) };
    for (const stmt of Array.isArray(ast) ? ast : [ast]) {
      changes.push(...statementChanges(stmt as Json, source));
    }
  }
  return changes;
}

function tableName(node: unknown): string {
  return String((node as Json | undefined)?.table ?? '');
}

function columnName(node: unknown): string {
  const column = (node as Json | undefined)?.column;
  if (typeof column === 'string') return column;
  if (typeof column === 'object' && column !== null) {
    // A column_ref ({ column: 'x' }), or newer node-sql-parser's { expr: { value: 'x' } }.
    const inner = (column as Json).column ?? ((column as Json).expr as Json | undefined)?.value;
    if (typeof inner === 'string') return inner;
    if (typeof inner === 'object' && inner !== null) return columnName({ column: inner });
  }
  return '';
}

function statementChanges(stmt: Json, source: ChangeSource): SchemaChange[] {
  const out: SchemaChange[] = [];
  const tables = (stmt.table as unknown[] | null) ?? [];
  switch (stmt.type) {
    case 'alter': {
      const table = tableName(tables[0]);
      for (const expr of (stmt.expr as Json[] | undefined) ?? [])
        out.push(...alterChanges(table, expr, source));
      break;
    }
    case 'rename':
      for (const pair of tables as unknown[][]) {
        out.push({ kind: 'renameTable', from: tableName(pair[0]), to: tableName(pair[1]), ...source });
      }
      break;
    case 'drop':
      if (stmt.keyword === 'table') {
        for (const name of (stmt.name as unknown[] | undefined) ?? []) {
          out.push({ kind: 'dropTable', table: tableName(name), ...source });
        }
      }
      break;
    case 'create':
      if (stmt.keyword === 'table') {
        const columns = ((stmt.create_definitions as Json[] | null) ?? [])
          .filter((def) => def.resource === 'column')
          .map((def) => ({ name: columnName(def), type: mysqlType(def.definition as Json) }));
        out.push({
          kind: 'createTable',
          table: tableName(tables[0]),
          columns,
          copiesRows: Boolean(stmt.query_expr ?? stmt.as),
          ...source,
        });
      }
      break;
    case 'insert': {
      const values = stmt.values as Json | undefined;
      if (values?.type === 'select') out.push({ kind: 'copyRows', table: tableName(tables[0]), ...source });
      break;
    }
  }
  return out;
}

function alterChanges(table: string, expr: Json, source: ChangeSource): SchemaChange[] {
  const action = expr.action;
  const resource = expr.resource;
  if (action === 'add' && resource === 'column') {
    const constraints: string[] = [];
    if (expr.unique) constraints.push('UNIQUE');
    if (expr.primary_key) constraints.push('PRIMARY KEY');
    if (expr.reference_definition) constraints.push('FOREIGN KEY');
    if (expr.check) constraints.push('CHECK');
    return [
      {
        kind: 'addColumn',
        table,
        column: columnName(expr),
        type: mysqlType(expr.definition as Json),
        notNull: (expr.nullable as Json | undefined)?.type === 'not null' || Boolean(expr.primary_key),
        hasDefault: Boolean(expr.default_val || expr.auto_increment),
        constraints,
        ...source,
      },
    ];
  }
  if (action === 'add' && (resource === 'constraint' || resource === 'index')) {
    const def = (expr.create_definitions as Json | undefined) ?? expr;
    const kind = String(def.constraint_type ?? expr.constraint_type ?? '').toUpperCase();
    if (resource === 'index' && !kind.includes('UNIQUE')) return [];
    const name = def.constraint ?? expr.index;
    return [{ kind: 'addConstraint', table, constraint: name ? `${kind} ${String(name)}` : kind, ...source }];
  }
  if (action === 'drop' && resource === 'column') {
    return [{ kind: 'dropColumn', table, column: columnName(expr), ...source }];
  }
  if (action === 'rename' && resource === 'column') {
    return [
      {
        kind: 'renameColumn',
        table,
        from: columnName(expr.old_column as Json),
        to: columnName(expr),
        ...source,
      },
    ];
  }
  if (action === 'rename' && resource === 'table') {
    const target = expr.table;
    return [
      {
        kind: 'renameTable',
        from: table,
        to: typeof target === 'string' ? target : tableName(target),
        ...source,
      },
    ];
  }
  if ((action === 'change' || action === 'modify') && resource === 'column') {
    const out: SchemaChange[] = [];
    const to = columnName(expr);
    const from = action === 'change' ? columnName(expr.old_column as Json) : to;
    if (from !== to) out.push({ kind: 'renameColumn', table, from, to, ...source });
    const type = mysqlType(expr.definition as Json);
    out.push({
      kind: 'alterColumnType',
      table,
      column: from,
      to: type,
      toText: type?.text ?? '?',
      ...source,
    });
    if ((expr.nullable as Json | undefined)?.type === 'not null') {
      out.push({ kind: 'addConstraint', table, constraint: `NOT NULL on ${to}`, ...source });
    }
    return out;
  }
  return [];
}

const timeTypes = new Set(['timestamp', 'time', 'timetz', 'timestamptz']);

function mysqlType(definition: Json | undefined): ColumnType | null {
  if (!definition || typeof definition.dataType !== 'string') return null;
  const raw = definition.dataType.toLowerCase();
  const name = canonicalTypeName(raw);
  if (name === 'enum') {
    const values = (((definition.expr as Json | undefined)?.value as Json[] | undefined) ?? []).map((v) =>
      String(v.value),
    );
    return { name, mods: [], enumValues: values, text: `ENUM(${values.map((v) => `'${v}'`).join(',')})` };
  }
  const mods: number[] = [];
  if (typeof definition.length === 'number') mods.push(definition.length);
  if (typeof definition.scale === 'number') mods.push(definition.scale);
  // MySQL DATETIME/TIMESTAMP without a precision keep whole seconds (fsp 0), unlike PostgreSQL.
  if (mods.length === 0 && timeTypes.has(name)) mods.push(0);
  return { name, mods, text: mods.length ? `${raw}(${mods.join(',')})` : raw };
}
