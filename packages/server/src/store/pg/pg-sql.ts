/**
 * What the PostgreSQL store's statements share: the executor type (the pool's database or a
 * transaction on one of its connections), the database clock leases are measured on, the advisory lock
 * keys, and the conversions of what node-postgres returns (bigint columns arrive as strings).
 */
import { type SQL, sql } from 'drizzle-orm';
import type { NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type * as pgSchema from './schema.js';

export type PgExecutor = PgDatabase<NodePgQueryResultHKT, typeof pgSchema>;

/** Now, in epoch ms, by the database's clock (leases compare with it, so replicas' clocks need not agree). */
export const dbNowMs = sql.raw('(extract(epoch from clock_timestamp()) * 1000)::bigint');

/**
 * Advisory lock keys. A release's lock is the two-key form (this namespace, hashtext(release id)); the
 * migrations take the one-key form, a space of its own (PostgreSQL keeps the two forms apart).
 */
export const releaseLockSpace = 0x63646601;
export const migrationLockKey = 0x6364666c6f77; // "cdflow"

/** Take the release's lock for the rest of the current transaction (reentrant within it). */
export function lockRelease(db: PgExecutor, releaseId: string): Promise<unknown> {
  return db.execute(sql`select pg_advisory_xact_lock(${releaseLockSpace}, hashtext(${releaseId}))`);
}

export async function rowsOf<T extends Record<string, unknown>>(db: PgExecutor, query: SQL): Promise<T[]> {
  return (await db.execute<T>(query)).rows as T[];
}

export async function changed(db: PgExecutor, query: SQL): Promise<number> {
  return (await db.execute(query)).rowCount ?? 0;
}

/** A bigint (or count) column as node-postgres returns it: a string. */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

/** JSON text bound as a json value. */
export function jsonParam(text: string | null): SQL {
  return text === null ? sql`null` : sql`${text}::json`;
}

/** PostgreSQL text holds no NUL character: an upstream's error text may carry one. */
export function pgText(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : value.replaceAll('\u0000', '\uFFFD');
}

/** `value` as a LIKE pattern that matches only itself (then `%` may be appended). */
export function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** PostgreSQL's code for a unique violation. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = (error as { cause?: unknown })?.cause ?? error;
  const pgError = e as { code?: unknown; constraint?: unknown };
  return pgError?.code === '23505' && (constraint === undefined || pgError.constraint === constraint);
}
