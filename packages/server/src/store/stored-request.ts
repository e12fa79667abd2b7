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
 */

/** A stored request: its row id and its body as stored (JSON text). */
export interface StoredRequest {
  id: number;
  text: string;
}

interface RequestRef {
  storedRequestId: number;
}

/** Where the reference sits in the stored snapshot (an SQLite JSON path), for joins. */
export const requestRefPath = '$.context.request.storedRequestId';

type SnapshotShape = { context?: Record<string, unknown> } & Record<string, unknown>;

function contextOf(snapshot: unknown): Record<string, unknown> | undefined {
  if (!snapshot || typeof snapshot !== 'object') return undefined;
  const context = (snapshot as SnapshotShape).context;
  return context && typeof context === 'object' ? context : undefined;
}

function isRequestRef(value: unknown): value is RequestRef {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as RequestRef).storedRequestId === 'number' &&
    Object.keys(value).length === 1
  );
}

/** The request a snapshot carries, or undefined (no context, no request, or a reference). */
export function inlineRequestOf(snapshot: unknown): unknown {
  const request = contextOf(snapshot)?.request;
  return request === undefined || isRequestRef(request) ? undefined : request;
}

/** The stored form of `snapshot` as JSON text: with the reference when `stored` matches its request. */
export function encodeSnapshot(
  snapshot: unknown,
  requestText: string | undefined,
  stored: StoredRequest | undefined,
): string {
  if (requestText === undefined || !stored || stored.text !== requestText) return JSON.stringify(snapshot);
  const s = snapshot as SnapshotShape;
  const ref: RequestRef = { storedRequestId: stored.id };
  return JSON.stringify({ ...s, context: { ...s.context, request: ref } });
}

/** The reference's request id in a parsed stored snapshot, or null when the request is inline. */
export function requestRefIn(parsed: unknown): number | null {
  const request = contextOf(parsed)?.request;
  return isRequestRef(request) ? request.storedRequestId : null;
}

/** Put the request back into a freshly parsed stored snapshot (in place) and return the snapshot. */
export function attachRequest(parsed: unknown, request: unknown): unknown {
  const context = contextOf(parsed);
  if (context) context.request = request;
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
