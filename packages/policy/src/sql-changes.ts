import { MysqlSyntaxError, mysqlChanges } from './mysql-changes.js';
import { PostgresSyntaxError, postgresChanges } from './postgres-changes.js';
import type { SchemaChange } from './schema-change.js';
import { SqlText } from './sql-text.js';

export type SqlDialect = 'postgresql' | 'mysql';

export interface SqlOrigin {
  file: string;
  /** File line on which the SQL text starts (a `<sql>` element inside a changelog starts mid-file). */
  firstLine: number;
  changeSet?: string;
  /** Forces one grammar; without it PostgreSQL is tried first, then MySQL. */
  dialect?: SqlDialect;
}

/** Database changes of SQL text; text neither grammar accepts becomes one `unparsable` change. */
export function sqlChanges(text: string, origin: SqlOrigin): SchemaChange[] {
  const sql = new SqlText(text, origin.firstLine);
  const base = { file: origin.file, ...(origin.changeSet ? { changeSet: origin.changeSet } : {}) };
  let pgError: PostgresSyntaxError | null = null;
  if (origin.dialect !== 'mysql') {
    try {
      return postgresChanges(sql, base);
    } catch (error) {
      if (!(error instanceof PostgresSyntaxError)) throw error;
      pgError = error;
    }
  }
  if (origin.dialect !== 'postgresql') {
    try {
      return mysqlChanges(sql, base);
    } catch (error) {
      if (!(error instanceof MysqlSyntaxError)) throw error;
      if (!pgError) {
        return [{ kind: 'unparsable', detail: `MySQL: ${error.message}`, ...base, line: error.line }];
      }
    }
  }
  const line = pgError?.offset != null ? sql.lineAt(pgError.offset) : origin.firstLine;
  return [{ kind: 'unparsable', detail: `PostgreSQL: ${pgError?.message ?? 'syntax error'}`, ...base, line }];
}
