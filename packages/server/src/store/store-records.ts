/**
 * The rows the repositories read with their own prepared SQL (snake_case, as SQLite answers) and their
 * mapping to the camelCase shapes drizzle's schema infers, so a caller cannot tell which path read a row.
 */

import { unpackJson } from './packed-json.js';
import type { OutboxStatus } from './schema.js';
import { decodeDelivery } from './stored-delivery.js';

/** An outbox row with its payload (kept apart while unfinished; inline in rows queued before that). */
export const outboxSelect = `select o.id, o.release_id, o.idempotency_key, o.type, o.payload, o.status,
  o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.updated_at
  from outbox o`;

export interface OutboxRecord {
  id: number;
  release_id: string;
  idempotency_key: string;
  type: string;
  payload: string | null;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export function outboxRowOf(r: OutboxRecord) {
  return {
    id: r.id,
    releaseId: r.release_id,
    idempotencyKey: r.idempotency_key,
    type: r.type,
    payload: r.payload === null ? null : (JSON.parse(r.payload) as unknown),
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const timerColumns = 'id, release_id, name, due_at, schedule_key, created_at';

export interface TimerRecord {
  id: number;
  release_id: string;
  name: string;
  due_at: number;
  schedule_key: string;
  created_at: string;
}

export function timerRowOf(r: TimerRecord) {
  return {
    id: r.id,
    releaseId: r.release_id,
    name: r.name,
    dueAt: r.due_at,
    scheduleKey: r.schedule_key,
    createdAt: r.created_at,
  };
}

/**
 * A delivery's dedupe key as stored: a SHA-256 in hex (what the route derives) as its 32 bytes, a BLOB,
 * half the row's and the unique index's bytes; any other key as it is. `dedupeKeyOf` reads either.
 */
export function storedDedupeKey(key: string): Buffer | string {
  return /^[0-9a-f]{64}$/.test(key) ? Buffer.from(key, 'hex') : key;
}

export function dedupeKeyOf(stored: Uint8Array | string): string {
  return typeof stored === 'string' ? stored : Buffer.from(stored).toString('hex');
}

/**
 * A delivery's times as stored: epoch milliseconds in the text column, 13 characters for the ISO
 * string's 24 (with the key as bytes, two processed deliveries share a 512-byte page where each took
 * one). `isoTimeOf` reads either form back as the ISO string.
 */
export function storedTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? String(ms) : iso;
}

export function isoTimeOf(stored: string): string;
export function isoTimeOf(stored: string | null): string | null;
export function isoTimeOf(stored: string | null): string | null {
  return stored !== null && /^\d+$/.test(stored) ? new Date(Number(stored)).toISOString() : stored;
}

export const deliveryColumns =
  'id, dedupe_key, received_at, webhook_event, issue_key, delivery, raw_size, status, attempts, outcome, detail, processed_at';

export interface DeliveryRecord {
  id: number;
  dedupe_key: Uint8Array | string;
  received_at: string;
  webhook_event: string;
  issue_key: string | null;
  /** JSON text (a value packed by packed-json.ts reads too). */
  delivery: Uint8Array | string;
  raw_size: number;
  status: 'received' | 'processed';
  attempts: number;
  outcome: string | null;
  detail: Uint8Array | string | null;
  processed_at: string | null;
}

export function deliveryRowOf(r: DeliveryRecord) {
  const dedupeKey = dedupeKeyOf(r.dedupe_key);
  return {
    id: r.id,
    dedupeKey,
    receivedAt: isoTimeOf(r.received_at),
    webhookEvent: r.webhook_event,
    issueKey: r.issue_key,
    delivery: decodeDelivery(unpackJson(r.delivery), {
      dedupeKey,
      webhookEvent: r.webhook_event,
      issueKey: r.issue_key,
    }),
    rawSize: r.raw_size,
    status: r.status,
    attempts: r.attempts,
    outcome: r.outcome,
    detail: r.detail === null ? null : (JSON.parse(unpackJson(r.detail)) as unknown),
    processedAt: isoTimeOf(r.processed_at),
  };
}

/** The outbox row of an effect just queued, as stored (pending, first try, due now): no read back. */
export function queuedRowOf(
  id: number,
  releaseId: string,
  effect: { idempotencyKey: string; type: string; payload: unknown },
  at: string,
) {
  return {
    id,
    releaseId,
    idempotencyKey: effect.idempotencyKey,
    type: effect.type,
    payload: effect.payload,
    status: 'pending' as const,
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** JSON text of a value for a nullable JSON column (undefined and null are SQL NULL, as drizzle stores them). */
export function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** `(?, ?, …), (…)`: `rows` groups of `columns` placeholders, for a multi-row insert. */
export function placeholderRows(rows: number, columns: number, template?: string): string {
  const one = template ?? `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => one).join(', ');
}
