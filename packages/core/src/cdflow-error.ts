/**
 * One error base for every package and one code vocabulary, from a domain error to an HTTP answer: each
 * code says which status and `error` string an answer uses and whether trying again can help.
 */

export interface ErrorCodeEntry {
  /** HTTP status of an answer that reports this error. */
  readonly status: number;
  /** The `error` field of that answer (lower case; clients and tests rely on these strings). */
  readonly httpError: string;
  /** Whether trying the same thing again later can succeed (an error may say otherwise). */
  readonly retryable: boolean;
  /** One line: what happened. */
  readonly meaning: string;
}

export const errorCodes = {
  // The caller's request.
  INVALID_REQUEST: {
    status: 400,
    httpError: 'invalid_request',
    retryable: false,
    meaning: 'The request does not match the schema; the answer lists every bad field.',
  },
  INVALID_JSON: {
    status: 400,
    httpError: 'invalid_json',
    retryable: false,
    meaning: 'The body is empty or not valid JSON.',
  },
  UNKNOWN_PROJECT: {
    status: 400,
    httpError: 'unknown_project',
    retryable: false,
    meaning: 'The request names a project the project map does not know.',
  },
  SQL_ROUTING: {
    status: 400,
    httpError: 'invalid_request',
    retryable: false,
    meaning: 'An SQL item names no Archery instance/db/group and none follows from its svn_path.',
  },
  INVALID_REQUEST_ITEM: {
    status: 400,
    httpError: 'invalid_request',
    retryable: false,
    meaning: 'A request item is unusable under the configured normalisation rules.',
  },
  UNAUTHENTICATED: {
    status: 401,
    httpError: 'unauthorized',
    retryable: false,
    meaning: "The caller's token or webhook secret is missing or wrong.",
  },
  PERMISSION_DENIED: {
    status: 403,
    httpError: 'forbidden',
    retryable: false,
    meaning: 'The authenticated person may not do this (e.g. not in a Jira group allowed to send the event).',
  },
  NOT_FOUND: {
    status: 404,
    httpError: 'not_found',
    retryable: false,
    meaning: 'The object asked for does not exist (for an UpstreamError: the upstream answered 404).',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    httpError: 'payload_too_large',
    retryable: false,
    meaning: 'The body is larger than the endpoint accepts.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    httpError: 'unsupported_media_type',
    retryable: false,
    meaning: 'The body is not sent as application/json.',
  },
  EVENT_REFUSED: {
    status: 409,
    httpError: 'event_refused',
    retryable: false,
    meaning: "The release's state does not accept this decision; the answer lists the accepted events.",
  },
  RELEASE_BUSY: {
    status: 409,
    httpError: 'release_busy',
    retryable: true,
    meaning: 'The release is mid-stage and takes no new iteration until the stage ends.',
  },
  PROD_NOT_CONFIGURED: {
    status: 409,
    httpError: 'prod_not_configured',
    retryable: false,
    meaning:
      'A production release (a PRO request, a promotion) while cdflow has no production upstreams: configure them first.',
  },
  RELEASE_FINAL: {
    status: 409,
    httpError: 'release_final',
    retryable: false,
    meaning: 'The release has ended and takes no new iteration or decision.',
  },
  MACHINE_VERSION: {
    status: 500,
    httpError: 'internal',
    retryable: false,
    meaning: 'A stored snapshot was written by a release machine version this build cannot load.',
  },
  SHUTTING_DOWN: {
    status: 503,
    httpError: 'shutting_down',
    retryable: true,
    meaning: 'cdflow is stopping and takes no new work; send the request again once it is back.',
  },
  INTERNAL: {
    status: 500,
    httpError: 'internal',
    retryable: false,
    meaning: 'An unexpected failure; the server log has the details.',
  },
  // The runtime.
  RUNTIME_STOPPED: {
    status: 503,
    httpError: 'shutting_down',
    retryable: true,
    meaning: 'The release runtime has stopped and takes no new work.',
  },
  UNKNOWN_RELEASE: {
    status: 404,
    httpError: 'not_found',
    retryable: false,
    meaning: 'No release has this Jira key, release id or summary.',
  },
  REVISION_CONFLICT: {
    status: 500,
    httpError: 'internal',
    retryable: false,
    meaning: 'The release changed under a decision: another writer shares the database.',
  },
  EFFECT_PRECONDITION: {
    status: 500,
    httpError: 'internal',
    retryable: false,
    meaning: 'An effect cannot run as asked (not an upstream failure); trying again will not help.',
  },
  EFFECT_DEFERRED: {
    status: 503,
    httpError: 'retry_later',
    retryable: true,
    meaning: 'An effect asked to be run again later, after retryAfterMs.',
  },
  JIRA_MOVE_DEFERRED: {
    status: 500,
    httpError: 'internal',
    retryable: true,
    meaning: "cdflow's Jira move waits for a person's webhook before walking the issue back.",
  },
  // Configuration and storage at start.
  CONFIG_INVALID: {
    status: 500,
    httpError: 'internal',
    retryable: false,
    meaning: 'A setting is missing or wrong; the message names each one and what was expected.',
  },
  STORE_OPEN_FAILED: {
    status: 500,
    httpError: 'internal',
    retryable: false,
    meaning:
      'The database could not be opened: a SQLite file (path not writable, held by another program) or ' +
      'PostgreSQL (unreachable, refused the login, migrations failed).',
  },
  STORE_URL_INVALID: {
    status: 500,
    httpError: 'internal',
    retryable: false,
    meaning: 'CDFLOW_DB is neither a file path nor a valid postgres:// URL.',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    httpError: 'retry_later',
    retryable: true,
    meaning: 'The database is unreachable for now (PostgreSQL down or the network to it lost).',
  },
  LEASE_LOST: {
    status: 409,
    httpError: 'conflict',
    retryable: false,
    meaning:
      "Another replica took over this work when this one's lease ran out; its outcome is not recorded.",
  },
  DELIVERY_PROCESSED: {
    status: 409,
    httpError: 'conflict',
    retryable: false,
    meaning:
      'Another replica processed this Jira delivery first (its claim had run out); this decision is dropped.',
  },
  // Upstreams (UpstreamError and the adapters' local refusals). An answer reporting one is a gateway error.
  UNAUTHORIZED: {
    status: 502,
    httpError: 'upstream_unauthorized',
    retryable: false,
    meaning: "An upstream refused cdflow's credentials (401; never retried: Jira locks accounts).",
  },
  FORBIDDEN: {
    status: 502,
    httpError: 'upstream_forbidden',
    retryable: false,
    meaning: "An upstream answered 403: cdflow's service user lacks a permission.",
  },
  CONFLICT: {
    status: 502,
    httpError: 'upstream_conflict',
    retryable: true,
    meaning: 'An upstream answered 409: the object changed concurrently.',
  },
  VALIDATION: {
    status: 502,
    httpError: 'upstream_validation',
    retryable: false,
    meaning: "An upstream refused the request (400/422); its own message is in the error's body.",
  },
  RATE_LIMITED: {
    status: 502,
    httpError: 'upstream_rate_limited',
    retryable: true,
    meaning: 'An upstream kept answering 429.',
  },
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    httpError: 'upstream_unavailable',
    retryable: true,
    meaning: 'An upstream kept answering 5xx.',
  },
  TIMEOUT: {
    status: 504,
    httpError: 'upstream_timeout',
    retryable: true,
    meaning: 'An upstream did not answer within the timeout.',
  },
  NETWORK: {
    status: 502,
    httpError: 'upstream_unreachable',
    retryable: true,
    meaning: 'An upstream could not be reached (connection refused or reset, DNS).',
  },
  BAD_RESPONSE: {
    status: 502,
    httpError: 'upstream_bad_response',
    retryable: false,
    meaning: "An upstream's answer breaks the contract (HTML or garbage where JSON was due).",
  },
  NO_TARGET: {
    status: 502,
    httpError: 'upstream_no_target',
    retryable: false,
    meaning: 'A look-up upstream found nothing to act on (no CMDB target for a tag, no Jira path).',
  },
  ARCHERY_INPUT_INVALID: {
    status: 400,
    httpError: 'invalid_request',
    retryable: false,
    meaning: 'cdflow refused locally what Archery would refuse or misread (e.g. a name over 50 characters).',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof errorCodes;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}

export interface CdflowErrorOptions {
  /** Overrides the code's default (e.g. garbage in a 2xx is a transient BAD_RESPONSE). */
  retryable?: boolean;
  /** When to try again, if the error knows (an upstream's Retry-After, a deferral). */
  retryAfterMs?: number;
  /** Extra fields of an HTTP answer; never secrets (they are sent to the caller as they are). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class CdflowError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CdflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CdflowError';
    this.code = code;
    this.retryable = options.retryable ?? errorCodes[code].retryable;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.details !== undefined) this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isCdflowError(error: unknown): error is CdflowError {
  return error instanceof CdflowError;
}

/** Never worth retrying: the input or the world must change first (Inngest's NonRetriableError). */
export class NonRetryableError extends CdflowError {
  declare readonly retryable: false;

  constructor(
    message: string,
    options: { code?: ErrorCode; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(options.code ?? 'EFFECT_PRECONDITION', message, { ...options, retryable: false });
    this.name = 'NonRetryableError';
  }
}

/** Worth retrying, but not before `retryAfterMs` (Inngest's RetryAfterError). */
export class RetryAfterError extends CdflowError {
  declare readonly retryable: true;
  declare readonly retryAfterMs: number;

  constructor(
    message: string,
    retryAfterMs: number,
    options: { code?: ErrorCode; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) {
      throw new RangeError(
        `RetryAfterError: retryAfterMs must be a finite number of milliseconds ≥ 0, got ${String(retryAfterMs)}`,
      );
    }
    super(options.code ?? 'EFFECT_DEFERRED', message, { ...options, retryable: true, retryAfterMs });
    this.name = 'RetryAfterError';
  }
}

export interface ErrorAnswer {
  status: number;
  body: { error: string; message: string } & Record<string, unknown>;
  /** For a `Retry-After` header, when the error says when to come back. */
  retryAfterSeconds?: number;
}

/**
 * The HTTP answer reporting `error`: the code's status and `error` string, the message and the error's
 * details. A 500, or anything that is not a CdflowError, shows no message or details (they may describe
 * internals); the log has them, found by `requestId`.
 */
export function errorAnswer(error: unknown, requestId?: string): ErrorAnswer {
  const code: ErrorCode = isCdflowError(error) ? error.code : 'INTERNAL';
  const entry: ErrorCodeEntry = errorCodes[code];
  const retryAfterMs = isCdflowError(error) ? error.retryAfterMs : undefined;
  const retryAfter = retryAfterMs === undefined ? {} : { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) };
  if (!isCdflowError(error) || entry.status === 500) {
    const where = requestId === undefined ? '' : ` (request ${requestId})`;
    return {
      status: entry.status,
      body: { error: entry.httpError, message: `internal error; the server log has the details${where}` },
      ...retryAfter,
    };
  }
  const body: ErrorAnswer['body'] = { error: entry.httpError, message: error.message };
  for (const [key, value] of Object.entries(error.details ?? {})) {
    if (key !== 'error' && key !== 'message') body[key] = value;
  }
  return { status: entry.status, body, ...retryAfter };
}
