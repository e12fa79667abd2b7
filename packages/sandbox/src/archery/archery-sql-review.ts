/**
 * A small stand-in for goInception's review: one row per statement, errlevel 0 ok / 1 warning / 2 error,
 * with the row shape Archery stores in `review_content` and answers from sqlcheck.
 */

export interface ArcheryReviewRow {
  id: number;
  stage: string;
  errlevel: 0 | 1 | 2;
  stagestatus: string;
  errormessage: string;
  sql: string;
  affected_rows: number;
  sequence: string;
  backup_dbname: string | null;
  execute_time: string;
  sqlsha1: string;
  actual_affected_rows: number | string;
}

export interface ArcheryReviewResult {
  rows: ArcheryReviewRow[];
  warningCount: number;
  errorCount: number;
  /** 1 DDL, 2 DML, 0 other/mixed, as ReviewSet.syntax_type. */
  syntaxType: 0 | 1 | 2;
}

const ddl = /^(create|alter|drop|truncate|rename)\b/i;
const dml = /^(insert|update|delete|replace)\b/i;

/** Split on semicolons outside quotes; empty statements are dropped. */
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

export function reviewSql(sql: string): ArcheryReviewResult {
  const statements = splitStatements(sql);
  let warningCount = 0;
  let errorCount = 0;
  let sawDdl = false;
  let sawDml = false;
  const rows = statements.map((statement, index): ArcheryReviewRow => {
    let errlevel: 0 | 1 | 2 = 0;
    let errormessage = 'None';
    if (ddl.test(statement)) sawDdl = true;
    else if (dml.test(statement)) {
      sawDml = true;
      if (/^(update|delete)\b/i.test(statement) && !/\bwhere\b/i.test(statement)) {
        errlevel = 1;
        errormessage = '缺少 WHERE 条件，会影响全表数据。';
      }
    } else if (/^select\b/i.test(statement)) {
      errlevel = 2;
      errormessage = '仅支持DML和DDL语句，查询语句请使用SQL查询功能！';
    } else {
      errlevel = 2;
      errormessage = `SQL语法错误，无法识别的语句: ${statement.slice(0, 40)}`;
    }
    if (errlevel === 1) warningCount += 1;
    if (errlevel === 2) errorCount += 1;
    return {
      id: index + 1,
      stage: 'CHECKED',
      errlevel,
      stagestatus: errlevel === 2 ? 'Audit completed' : 'Audit completed',
      errormessage,
      sql: statement,
      affected_rows: 0,
      sequence: `'0_0_${String(index).padStart(8, '0')}'`,
      backup_dbname: null,
      execute_time: '0',
      sqlsha1: '',
      actual_affected_rows: '',
    };
  });
  if (rows.length === 0) {
    errorCount = 1;
    rows.push({
      id: 1,
      stage: 'CHECKED',
      errlevel: 2,
      stagestatus: 'Audit completed',
      errormessage: '没有有效的SQL语句',
      sql: sql,
      affected_rows: 0,
      sequence: "'0_0_00000000'",
      backup_dbname: null,
      execute_time: '0',
      sqlsha1: '',
      actual_affected_rows: '',
    });
  }
  const syntaxType = sawDdl && !sawDml ? 1 : sawDml && !sawDdl ? 2 : 0;
  return { rows, warningCount, errorCount, syntaxType };
}
