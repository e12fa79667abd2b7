/** Test helpers for SQL items whose texts the SQL source (svn) answers. */
import {
  decodeSqlText,
  defaultNormalizeOptions,
  type NormalizeOptions,
  type SqlText,
  storedSqlText,
} from '@cdflow/core';

/** The default rules and routing, for the fixtures' project A18 alone. */
export function a18NormalizeOptions(): NormalizeOptions {
  return { ...defaultNormalizeOptions, projectMap: { A18: 'AC' } };
}

/** A SQL file's text as read from svn. */
export function svnSqlText(sql: string): SqlText {
  const bytes = new TextEncoder().encode(sql);
  return storedSqlText(decodeSqlText(bytes), 'svn', bytes.length);
}
