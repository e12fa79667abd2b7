import { parseSync } from 'libpg-query';

/**
 * A column type reduced to what DF-D004 compares: a canonical family name and its modifiers.
 * `mods` empty means "no limit given" (varchar, numeric, PostgreSQL timestamp = full precision).
 */
export interface ColumnType {
  name: string;
  mods: number[];
  /** Values of an inline enum (MySQL `ENUM('a','b')`). */
  enumValues?: string[];
  /** As written, for messages. */
  text: string;
}

const aliases: Record<string, string> = {
  'character varying': 'varchar',
  varchar: 'varchar',
  varchar2: 'varchar',
  nvarchar: 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  bpchar: 'bpchar',
  text: 'text',
  clob: 'text',
  tinytext: 'tinytext',
  mediumtext: 'mediumtext',
  longtext: 'longtext',
  tinyint: 'int1',
  int1: 'int1',
  smallint: 'int2',
  int2: 'int2',
  mediumint: 'int3',
  int: 'int4',
  integer: 'int4',
  int4: 'int4',
  bigint: 'int8',
  int8: 'int8',
  numeric: 'numeric',
  decimal: 'numeric',
  number: 'numeric',
  timestamp: 'timestamp',
  datetime: 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  time: 'time',
  timetz: 'timetz',
  enum: 'enum',
};

export function canonicalTypeName(name: string): string {
  const lower = name.toLowerCase();
  return aliases[lower] ?? lower;
}

/** Builds a ColumnType from a PostgreSQL `TypeName` node (names + integer typmods). */
export function columnTypeFromPg(names: string[], mods: number[], text: string): ColumnType {
  const last = names[names.length - 1] ?? '';
  return { name: canonicalTypeName(last), mods, text };
}

/**
 * Parses a type as written in a Liquibase changelog (`varchar(255)`, `BIGINT`, `NUMERIC(10, 2)`) with the
 * PostgreSQL grammar, by declaring a column of that type; null when the grammar refuses it.
 */
export function parseColumnType(text: string): ColumnType | null {
  try {
    const result = parseSync(`CREATE TABLE t (c ${text})`);
    const stmt = result.stmts?.[0]?.stmt;
    if (!stmt || !('CreateStmt' in stmt)) return null;
    const elt = stmt.CreateStmt.tableElts?.[0];
    if (!elt || !('ColumnDef' in elt)) return null;
    const typeName = elt.ColumnDef.typeName;
    if (!typeName) return null;
    return columnTypeFromPg(pgNames(typeName.names), pgIntMods(typeName.typmods), text.trim());
  } catch {
    return null;
  }
}

export function pgNames(nodes: unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const node of nodes ?? []) {
    const s = (node as { String?: { sval?: string } }).String?.sval;
    if (s !== undefined) out.push(s);
  }
  return out;
}

export function pgIntMods(nodes: unknown[] | undefined): number[] {
  const out: number[] = [];
  for (const node of nodes ?? []) {
    const ival = (node as { A_Const?: { ival?: { ival?: number } } }).A_Const?.ival;
    if (ival) out.push(ival.ival ?? 0);
  }
  return out;
}

const intRank: Record<string, number> = { int1: 1, int2: 2, int3: 3, int4: 4, int8: 8 };
const textRank: Record<string, number> = { varchar: 1, tinytext: 2, text: 3, mediumtext: 4, longtext: 5 };

/** Why a change from `from` to `to` would modify data, or null when it is a pure widening (DF-D004/DF-D005). */
export function narrowingReason(from: ColumnType, to: ColumnType): string | null {
  if (from.name === 'enum' || to.name === 'enum') {
    if (from.name !== to.name) return `${from.text} → ${to.text} changes an enum into another type`;
    const missing = (from.enumValues ?? []).filter((v) => !(to.enumValues ?? []).includes(v));
    return missing.length === 0 ? null : `enum values ${missing.map((v) => `'${v}'`).join(', ')} are removed`;
  }
  const [fromLimit] = from.mods;
  const [toLimit] = to.mods;
  if (from.name === to.name) {
    if (from.name === 'numeric') {
      const [p, s = 0] = from.mods;
      const [q, t = 0] = to.mods;
      if (q === undefined) return null;
      if (p === undefined) return `${from.text} → ${to.text} limits an unconstrained numeric`;
      if (t !== s) return `${from.text} → ${to.text} changes the scale`;
      return q >= p ? null : `${from.text} → ${to.text} lowers the precision`;
    }
    if (toLimit === undefined) return null;
    if (fromLimit === undefined) return `${from.text} → ${to.text} limits a column that had no limit`;
    return toLimit >= fromLimit ? null : `${from.text} → ${to.text} is narrower`;
  }
  const fi = intRank[from.name];
  const ti = intRank[to.name];
  if (fi !== undefined && ti !== undefined) {
    return ti >= fi ? null : `${from.text} → ${to.text} is narrower`;
  }
  const ft = textRank[from.name];
  const tt = textRank[to.name];
  if (ft !== undefined && tt !== undefined) {
    return tt >= ft ? null : `${from.text} → ${to.text} is narrower`;
  }
  return `${from.text} → ${to.text} converts the data to another type`;
}
