import type { AlterTableCmd, ColumnDef, Constraint, Node, RawStmt } from 'libpg-query';
import { parseSync } from 'libpg-query';
import { type ColumnType, columnTypeFromPg, pgIntMods, pgNames } from './column-type.js';
import { CodedError } from './input-error.js';
import type { ChangeSource, SchemaChange } from './schema-change.js';
import type { SqlText } from './sql-text.js';

/** Thrown when the PostgreSQL grammar refuses the text; carries the byte offset of the error. */
export class PostgresSyntaxError extends CodedError {
  readonly code = 'SQL_SYNTAX';
  constructor(
    message: string,
    readonly offset: number | null,
  ) {
    super(message);
  }
}

/** Reads the database changes of PostgreSQL text with the real Postgres grammar (libpg-query). */
export function postgresChanges(sql: SqlText, base: Omit<ChangeSource, 'line'>): SchemaChange[] {
  let stmts: RawStmt[];
  try {
    stmts = parseSync(sql.text).stmts ?? [];
  } catch (error) {
    const details = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    throw new PostgresSyntaxError(
      error instanceof Error ? error.message : String(error),
      details?.cursorPosition ?? null,
    );
  }
  const changes: SchemaChange[] = [];
  for (const raw of stmts) {
    if (!raw.stmt) continue;
    const stmtStart = raw.stmt_location ?? 0;
    const at = (location: number | undefined): ChangeSource => {
      const offset = location ?? stmtStart;
      const changeSet = base.changeSet ?? sql.changeSetAt(offset);
      return { file: base.file, line: sql.lineAt(offset), ...(changeSet ? { changeSet } : {}) };
    };
    changes.push(...statementChanges(raw.stmt, at, stmtStart));
  }
  return changes;
}

type At = (location: number | undefined) => ChangeSource;

function statementChanges(stmt: Node, at: At, stmtStart: number): SchemaChange[] {
  const out: SchemaChange[] = [];
  if ('CreateStmt' in stmt) {
    const s = stmt.CreateStmt;
    const columns: Array<{ name: string; type: ColumnType | null }> = [];
    for (const elt of s.tableElts ?? []) {
      if ('ColumnDef' in elt && elt.ColumnDef.colname) {
        columns.push({ name: elt.ColumnDef.colname, type: typeOf(elt.ColumnDef) });
      }
    }
    out.push({
      kind: 'createTable',
      table: s.relation?.relname ?? '',
      columns,
      copiesRows: false,
      ...at(stmtStart),
    });
  } else if ('CreateTableAsStmt' in stmt) {
    const s = stmt.CreateTableAsStmt;
    if (s.objtype === 'OBJECT_TABLE' && s.into?.rel?.relname) {
      out.push({
        kind: 'createTable',
        table: s.into.rel.relname,
        columns: [],
        copiesRows: true,
        ...at(stmtStart),
      });
    }
  } else if ('AlterTableStmt' in stmt) {
    const s = stmt.AlterTableStmt;
    if (s.objtype === 'OBJECT_TABLE' && s.relation?.relname) {
      const table = s.relation.relname;
      for (const cmd of s.cmds ?? []) {
        if ('AlterTableCmd' in cmd)
          out.push(...alterTableCmdChanges(table, cmd.AlterTableCmd, at, s.relation.location));
      }
    }
  } else if ('RenameStmt' in stmt) {
    const s = stmt.RenameStmt;
    const table = s.relation?.relname;
    if (s.renameType === 'OBJECT_COLUMN' && s.relationType === 'OBJECT_TABLE' && table) {
      out.push({ kind: 'renameColumn', table, from: s.subname ?? '', to: s.newname ?? '', ...at(stmtStart) });
    } else if (s.renameType === 'OBJECT_TABLE' && table) {
      out.push({ kind: 'renameTable', from: table, to: s.newname ?? '', ...at(stmtStart) });
    }
  } else if ('DropStmt' in stmt) {
    const s = stmt.DropStmt;
    for (const object of s.objects ?? []) {
      const names =
        'List' in object
          ? pgNames(object.List.items)
          : 'TypeName' in object
            ? pgNames(object.TypeName.names)
            : [];
      const name = names[names.length - 1];
      if (!name) continue;
      if (s.removeType === 'OBJECT_TABLE') out.push({ kind: 'dropTable', table: name, ...at(stmtStart) });
      if (s.removeType === 'OBJECT_TYPE') {
        out.push({
          kind: 'removeEnumValue',
          typeName: name,
          detail: `DROP TYPE ${name} removes every value of the type`,
          ...at(stmtStart),
        });
      }
    }
  } else if ('AlterEnumStmt' in stmt) {
    const s = stmt.AlterEnumStmt;
    const typeName = pgNames(s.typeName).join('.');
    if (s.oldVal !== undefined) {
      out.push({
        kind: 'removeEnumValue',
        typeName,
        detail: `renames value '${s.oldVal}' of ${typeName} to '${s.newVal ?? ''}'`,
        ...at(stmtStart),
      });
    } else if (s.newVal !== undefined) {
      out.push({ kind: 'addEnumValue', typeName, value: s.newVal, ...at(stmtStart) });
    }
  } else if ('CreateEnumStmt' in stmt) {
    const s = stmt.CreateEnumStmt;
    out.push({
      kind: 'createEnum',
      typeName: pgNames(s.typeName).join('.'),
      values: stringValues(s.vals),
      ...at(stmtStart),
    });
  } else if ('InsertStmt' in stmt) {
    const s = stmt.InsertStmt;
    const select = s.selectStmt && 'SelectStmt' in s.selectStmt ? s.selectStmt.SelectStmt : undefined;
    // INSERT … VALUES writes new rows; only INSERT … SELECT copies existing history.
    if (s.relation?.relname && select && !select.valuesLists) {
      out.push({ kind: 'copyRows', table: s.relation.relname, ...at(stmtStart) });
    }
  } else if ('DeleteStmt' in stmt) {
    if (stmt.DeleteStmt.relation?.relname === 'pg_enum') {
      out.push({
        kind: 'removeEnumValue',
        typeName: 'pg_enum',
        detail: 'DELETE FROM pg_enum removes enum values behind the database’s back',
        ...at(stmtStart),
      });
    }
  }
  for (const call of functionCalls(stmt)) {
    if (call.name === 'create_distributed_table' && call.args.length >= 2) {
      out.push({
        kind: 'distributeTable',
        table: call.args[0] ?? '',
        column: call.args[1] ?? '',
        ...at(call.location ?? stmtStart),
      });
    }
  }
  return out;
}

function alterTableCmdChanges(
  table: string,
  cmd: AlterTableCmd,
  at: At,
  tableLocation?: number,
): SchemaChange[] {
  const def = cmd.def;
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      if (!def || !('ColumnDef' in def)) return [];
      const column = def.ColumnDef;
      let notNull = false;
      let hasDefault = false;
      const constraints: string[] = [];
      for (const node of column.constraints ?? []) {
        if (!('Constraint' in node)) continue;
        const c = node.Constraint;
        if (c.contype === 'CONSTR_NOTNULL') notNull = true;
        else if (
          c.contype === 'CONSTR_DEFAULT' ||
          c.contype === 'CONSTR_IDENTITY' ||
          c.contype === 'CONSTR_GENERATED'
        )
          hasDefault = true;
        else if (c.contype === 'CONSTR_PRIMARY') {
          notNull = true;
          constraints.push(constraintLabel(c));
        } else if (c.contype !== 'CONSTR_NULL') constraints.push(constraintLabel(c));
      }
      const type = typeOf(column);
      if (
        type &&
        ['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2'].includes(type.name)
      ) {
        hasDefault = true;
      }
      return [
        {
          kind: 'addColumn',
          table,
          column: column.colname ?? '',
          type,
          notNull,
          hasDefault,
          constraints,
          ...at(column.location ?? tableLocation),
        },
      ];
    }
    case 'AT_DropColumn':
      return [{ kind: 'dropColumn', table, column: cmd.name ?? '', ...at(tableLocation) }];
    case 'AT_AlterColumnType': {
      const column = def && 'ColumnDef' in def ? def.ColumnDef : undefined;
      const type = column ? typeOf(column) : null;
      return [
        {
          kind: 'alterColumnType',
          table,
          column: cmd.name ?? '',
          to: type,
          toText: type?.text ?? 'an unknown type',
          ...at(column?.location ?? tableLocation),
        },
      ];
    }
    case 'AT_AddConstraint': {
      if (!def || !('Constraint' in def)) return [];
      return [
        {
          kind: 'addConstraint',
          table,
          constraint: constraintLabel(def.Constraint),
          ...at(def.Constraint.location),
        },
      ];
    }
    case 'AT_SetNotNull':
      return [
        { kind: 'addConstraint', table, constraint: `NOT NULL on ${cmd.name ?? '?'}`, ...at(tableLocation) },
      ];
    default:
      return [];
  }
}

const contypeLabels: Record<string, string> = {
  CONSTR_NOTNULL: 'NOT NULL',
  CONSTR_CHECK: 'CHECK',
  CONSTR_PRIMARY: 'PRIMARY KEY',
  CONSTR_UNIQUE: 'UNIQUE',
  CONSTR_EXCLUSION: 'EXCLUDE',
  CONSTR_FOREIGN: 'FOREIGN KEY',
};

function constraintLabel(c: Constraint): string {
  const kind = contypeLabels[c.contype ?? ''] ?? (c.contype ?? 'constraint').replace('CONSTR_', '');
  const target = c.contype === 'CONSTR_FOREIGN' && c.pktable?.relname ? ` → ${c.pktable.relname}` : '';
  return c.conname ? `${kind} ${c.conname}${target}` : `${kind}${target}`;
}

function typeOf(column: ColumnDef): ColumnType | null {
  const typeName = column.typeName;
  if (!typeName) return null;
  const names = pgNames(typeName.names);
  const mods = pgIntMods(typeName.typmods);
  const shown = names.filter((n) => n !== 'pg_catalog').join('.');
  return columnTypeFromPg(names, mods, mods.length ? `${shown}(${mods.join(',')})` : shown);
}

function stringValues(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).flatMap((node) =>
    'String' in node && node.String.sval !== undefined ? [node.String.sval] : [],
  );
}

/** Every function call with constant string arguments anywhere in a statement (e.g. Citus calls). */
function functionCalls(root: unknown): Array<{ name: string; args: string[]; location?: number }> {
  const calls: Array<{ name: string; args: string[]; location?: number }> = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    const call = record.FuncCall as { funcname?: unknown[]; args?: unknown[]; location?: number } | undefined;
    if (call) {
      const names = pgNames(call.funcname);
      const args = (call.args ?? []).map(
        (arg) => (arg as { A_Const?: { sval?: { sval?: string } } }).A_Const?.sval?.sval ?? '',
      );
      calls.push({ name: names[names.length - 1] ?? '', args, location: call.location });
    }
    for (const child of Object.values(record)) visit(child);
  };
  visit(root);
  return calls;
}
