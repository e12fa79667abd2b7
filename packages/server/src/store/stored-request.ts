/**
 * The release system's request is stored once. The machine's context carries it (`context.request`) and
 * the `requests` table keeps every accepted one; writing it in both would double the biggest part of
 * each snapshot write. So the stored snapshot holds a reference in its place,
 * `{ "storedRequestId": <requests.id> }`, and every read puts the request back: callers see the
 * snapshot exactly as it was decided.
 *
 * The invariant, checked on every write: a snapshot gets a reference only to a request row whose body
 * is, as JSON text, identical to the snapshot's request. Request rows are never changed or deleted, so a
 * reference stays true. When no stored row matches (a write whose snapshot request changed without the
 * write carrying it as `request`), the request stays inline in the snapshot: never lost, only stored
 * twice. Snapshots written before this scheme keep their inline request and read as they are.
 *
 * Once the release has read SQL files from the SQL source, its request carries their texts (core's
 * `withSqlTexts` of the received request and `context.sqlTexts`, which the snapshot holds anyway). Such
 * a snapshot refers to the received request with `"withSqlTexts": true`, and reads apply the snapshot's
 * own texts again; the write checks that this gives the snapshot's request exactly, else it is inline.
 */
import { type NormalizedRequest, type SqlText, withSqlTexts } from '@cdflow/core';

/** A stored request: its row id and its body as stored (JSON text). */
export interface StoredRequest {
  id: number;
  text: string;
  /** `text` parsed, once (a cache: see `matchStoredRequest`). */
  parsed?: unknown;
  /** The last request derived from it with SQL texts, by the texts' refs and hashes (a cache). */
  derived?: { texts: string; text: string };
}

interface RequestRef {
  storedRequestId: number;
  /** The snapshot's request is the stored one with the snapshot's `context.sqlTexts` applied. */
  withSqlTexts?: true;
}

/** A stored request the snapshot's request is: as stored, or with the snapshot's SQL texts applied. */
export interface StoredRequestMatch {
  stored: StoredRequest;
  withSqlTexts: boolean;
}

type SnapshotShape = { context?: Record<string, unknown> } & Record<string, unknown>;

function contextOf(snapshot: unknown): Record<string, unknown> | undefined {
  if (!snapshot || typeof snapshot !== 'object') return undefined;
  const context = (snapshot as SnapshotShape).context;
  return context && typeof context === 'object' ? context : undefined;
}

function isRequestRef(value: unknown): value is RequestRef {
  if (!value || typeof value !== 'object' || typeof (value as RequestRef).storedRequestId !== 'number') {
    return false;
  }
  const keys = Object.keys(value).length;
  return keys === 1 || (keys === 2 && (value as RequestRef).withSqlTexts === true);
}

function sqlTextsOf(snapshot: unknown): Record<string, SqlText> | undefined {
  const texts = contextOf(snapshot)?.sqlTexts;
  return texts && typeof texts === 'object' ? (texts as Record<string, SqlText>) : undefined;
}

/**
 * Which candidate the snapshot's request (`requestText`, its JSON) is: a stored request as it is, or
 * with the snapshot's SQL texts applied (compared as JSON text, so a reference always reads back the
 * same request). Undefined when none is.
 */
export function matchStoredRequest(
  snapshot: unknown,
  requestText: string,
  candidates: ReadonlyArray<StoredRequest | undefined>,
): StoredRequestMatch | undefined {
  const present = candidates.filter((c): c is StoredRequest => c !== undefined);
  const same = present.find((c) => c.text === requestText);
  if (same) return { stored: same, withSqlTexts: false };
  const texts = sqlTextsOf(snapshot);
  if (!texts) return undefined;
  const textsKey = Object.entries(texts)
    .map(([ref, t]) => `${ref}\u0000${t?.hash}`)
    .join('\u0000');
  for (const candidate of present) {
    if (candidate.derived?.texts !== textsKey) {
      candidate.parsed ??= JSON.parse(candidate.text);
      const derived = withSqlTexts(candidate.parsed as NormalizedRequest, texts);
      // Unchanged by the texts: the request as stored, which did not match.
      const text = derived === candidate.parsed ? '' : JSON.stringify(derived);
      candidate.derived = { texts: textsKey, text };
    }
    if (candidate.derived.text !== '' && candidate.derived.text === requestText) {
      return { stored: candidate, withSqlTexts: true };
    }
  }
  return undefined;
}

/** The request a snapshot carries, or undefined (no context, no request, or a reference). */
export function inlineRequestOf(snapshot: unknown): unknown {
  const request = contextOf(snapshot)?.request;
  return request === undefined || isRequestRef(request) ? undefined : request;
}

/** The stored form of `snapshot` as JSON text: with the reference when a stored request matched its own. */
export function encodeSnapshot(snapshot: unknown, match: StoredRequestMatch | undefined): string {
  if (!match) return JSON.stringify(snapshot);
  const s = snapshot as SnapshotShape;
  const ref: RequestRef = match.withSqlTexts
    ? { storedRequestId: match.stored.id, withSqlTexts: true }
    : { storedRequestId: match.stored.id };
  return JSON.stringify({ ...s, context: { ...s.context, request: ref } });
}

/** The reference's request id in a parsed stored snapshot, or null when the request is inline. */
export function requestRefIn(parsed: unknown): number | null {
  const request = contextOf(parsed)?.request;
  return isRequestRef(request) ? request.storedRequestId : null;
}

/**
 * Put the stored request back into a freshly parsed stored snapshot (in place, with the snapshot's SQL
 * texts applied where its reference says so) and return the snapshot.
 */
export function attachRequest(parsed: unknown, request: unknown): unknown {
  const context = contextOf(parsed);
  if (!context) return parsed;
  const ref = context.request;
  const texts = sqlTextsOf(parsed);
  context.request =
    isRequestRef(ref) && ref.withSqlTexts && texts
      ? withSqlTexts(request as NormalizedRequest, texts)
      : request;
  return parsed;
}

export class StoredRequestMissingError extends Error {
  readonly code = 'STORE_REQUEST_MISSING';
  constructor(releaseId: string, requestId: number) {
    super(
      `The stored snapshot of release ${releaseId} refers to request row ${requestId}, which is missing: ` +
        'the database was changed outside cdflow or is damaged. Restore it from a backup.',
    );
    this.name = 'StoredRequestMissingError';
  }
}
