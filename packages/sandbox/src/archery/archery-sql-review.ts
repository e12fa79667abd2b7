/**
 * A stand-in for Archery's MySQL engine reviewing SQL with goInception (`execute_check`): the rows
 * goInception answers (a `use` row first, then one per statement; a statement that does not parse ends
 * the review with one RERUN row at errlevel 2 and `line L column C near "…" `), then the checks Archery's
 * MySQL engine adds on top (a SELECT is refused). Review rules set by a test (`ArcheryCheckRules`) raise a
 * statement to a warning or an error, the way a site's goInception configuration would.
 */
import type { ArcheryCheckRules } from './archery-check-rules.js';

/** One row as Archery stores it in `review_content` / `execute_result` (ReviewResult.__dict__). */
export interface ArcheryReviewRow {
  id: number;
  stage: string;
  errlevel: 0 | 1 | 2;
  stagestatus: string;
  errormessage: string;
  sql: string;
  affected_rows: number;
  sequence: string;
  backup_dbname: string;
  execute_time: string;
  sqlsha1: string;
  backup_time: string;
  actual_affected_rows: number | string;
}

export interface ArcheryReviewResult {
  rows: ArcheryReviewRow[];
  warningCount: number;
  errorCount: number;
  /** 1 when a DDL statement is present, else 2 (goInception's engine never answers 0). */
  syntaxType: 1 | 2;
}

export interface ArcheryReviewContext {
  dbName: string;
  /** Databases of the instance: `use` of another one is goInception's "not existed" error. */
  databases: readonly string[];
  rules: ArcheryCheckRules;
}

/** The columns goInception answers, as Archery passes them on in sqlcheck's `column_list`. */
export const goInceptionColumns = [
  'order_id',
  'stage',
  'error_level',
  'stage_status',
  'error_message',
  'sql',
  'affected_rows',
  'sequence',
  'backup_dbname',
  'execute_time',
  'sqlsha1',
  'backup_time',
] as const;

const ddl = /^(create|alter|drop|truncate|rename)\b/i;
const known = /^(create|alter|drop|truncate|rename|insert|update|delete|replace|select|set|use)\b/i;

/** Split on semicolons outside quotes and comments; empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
    } else if (ch === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

export function reviewSql(sql: string, context: ArcheryReviewContext): ArcheryReviewResult {
  const rows: ArcheryReviewRow[] = [];
  const useRow = row(1, `use \`${context.dbName}\``);
  if (!context.databases.includes(context.dbName)) {
    useRow.errlevel = 2;
    useRow.errormessage = `Selected Database '${context.dbName}' not existed.`;
  }
  rows.push(useRow);
  let sawDdl = false;
  for (const statement of splitStatements(sql)) {
    const syntax = syntaxError(statement);
    if (syntax) {
      // goInception stops at the first statement it cannot parse: one RERUN row, nothing after it.
      const failed = row(rows.length + 1, statement);
      failed.stage = 'RERUN';
      failed.errlevel = 2;
      failed.errormessage = syntax;
      rows.push(failed);
      break;
    }
    const reviewed = row(rows.length + 1, statement);
    if (ddl.test(statement)) sawDdl = true;
    if (/^(update|delete)\b/i.test(statement) && !/\bwhere\b/i.test(statement)) {
      raise(reviewed, 1, 'Please set the where condition.');
    }
    for (const verdict of context.rules.verdicts(statement))
      raise(reviewed, verdict.errlevel, verdict.message);
    // Archery's MySQL engine refuses queries after goInception's review.
    if (/^select\b/i.test(statement)) {
      reviewed.stagestatus = '驳回不支持语句';
      reviewed.errlevel = 2;
      reviewed.errormessage = '仅支持DML和DDL语句，查询语句请使用SQL查询功能！';
    }
    rows.push(reviewed);
  }
  return {
    rows,
    warningCount: rows.filter((r) => r.errlevel === 1).length,
    errorCount: rows.filter((r) => r.errlevel === 2).length,
    syntaxType: sawDdl ? 1 : 2,
  };
}

function row(id: number, sql: string): ArcheryReviewRow {
  return {
    id,
    stage: 'CHECKED',
    errlevel: 0,
    stagestatus: 'Audit Completed',
    // goInception answers NULL for no message; ReviewResult keeps `"" or ""`.
    errormessage: '',
    sql,
    affected_rows: 0,
    sequence: `'0_0_${String(id - 1).padStart(8, '0')}'`,
    backup_dbname: '',
    execute_time: '0',
    sqlsha1: '',
    backup_time: '0',
    actual_affected_rows: '',
  };
}

/** goInception appends messages line by line and keeps the highest level. */
function raise(target: ArcheryReviewRow, errlevel: 1 | 2, message: string): void {
  target.errlevel = errlevel > target.errlevel ? errlevel : target.errlevel;
  target.errormessage = target.errormessage ? `${target.errormessage}\n${message}` : message;
}

/**
 * The TiDB parser's message for a statement it cannot parse, or null. Only the shapes a release's SQL
 * gets wrong are recognised: an unknown leading word, unbalanced quotes or parentheses, and statements
 * cut short (UPDATE without SET, INSERT without VALUES/SELECT/SET, DELETE without FROM, ALTER TABLE or
 * CREATE TABLE without a body).
 */
function syntaxError(statement: string): string | null {
  const first = /^\S+/.exec(statement)?.[0] ?? '';
  if (!known.test(statement)) return near(statement, first.length, statement);
  if (!balanced(statement)) return near(statement, statement.length, '');
  const cutShort =
    (/^update\b/i.test(statement) && !/\bset\b/i.test(statement)) ||
    (/^(insert|replace)\b/i.test(statement) && !/\b(values?|select|set)\b/i.test(statement)) ||
    (/^delete\b/i.test(statement) && !/\bfrom\b/i.test(statement)) ||
    /^alter\s+table\s+\S+$/i.test(statement) ||
    /^(alter|create|drop|truncate|rename)(\s+table)?$/i.test(statement) ||
    (/^create\s+table\b/i.test(statement) && !/[(]|\blike\b|\bselect\b/i.test(statement));
  return cutShort ? near(statement, statement.length, '') : null;
}

/** `line L column C near "rest" ` (with the trailing space the TiDB lexer leaves). */
function near(statement: string, offset: number, rest: string): string {
  const before = statement.slice(0, offset).split('\n');
  const line = before.length;
  const column = (before[before.length - 1] ?? '').length;
  return `line ${line} column ${column} near "${rest}" `;
}

function balanced(statement: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (const ch of statement) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth < 0) return false;
    }
  }
  return depth === 0 && quote === null;
}
