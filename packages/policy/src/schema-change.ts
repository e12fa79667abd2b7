import type { ColumnType } from './column-type.js';

/** Where a change was written: the file (or request field) and a 1-based line, plus the Liquibase changeset. */
export interface ChangeSource {
  file: string;
  line: number | null;
  changeSet?: string;
}

/**
 * A database change, whatever it was written in (Liquibase XML/YAML/JSON, formatted SQL, PostgreSQL,
 * MySQL). Every parser turns its input into these, and the database rules read only these.
 */
export type SchemaChange = ChangeSource &
  (
    | {
        kind: 'createTable';
        table: string;
        columns: Array<{ name: string; type: ColumnType | null }>;
        copiesRows: boolean;
      }
    | {
        kind: 'addColumn';
        table: string;
        column: string;
        type: ColumnType | null;
        notNull: boolean;
        hasDefault: boolean;
        /** Constraints declared with the column, as people would name them (`UNIQUE`, `FOREIGN KEY fk_x`). */
        constraints: string[];
      }
    | { kind: 'renameColumn'; table: string; from: string; to: string }
    | { kind: 'renameTable'; from: string; to: string }
    | { kind: 'dropColumn'; table: string; column: string }
    | { kind: 'dropTable'; table: string }
    | { kind: 'alterColumnType'; table: string; column: string; to: ColumnType | null; toText: string }
    | { kind: 'addConstraint'; table: string; constraint: string }
    | { kind: 'createEnum'; typeName: string; values: string[] }
    | { kind: 'addEnumValue'; typeName: string; value: string }
    | { kind: 'removeEnumValue'; typeName: string; detail: string }
    | { kind: 'copyRows'; table: string }
    | { kind: 'distributeTable'; table: string; column: string }
    | { kind: 'unparsable'; detail: string }
  );

export type SchemaChangeKind = SchemaChange['kind'];
