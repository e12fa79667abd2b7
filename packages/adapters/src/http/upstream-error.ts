/** The one error type every adapter throws: a stable code, the upstream's status and body, and a hint. */
import { CdflowError, type ErrorCode } from '@cdflow/core';

export type UpstreamName =
  | 'jira'
  | 'archery'
  | 'cmdb'
  | 'apollo'
  | 'svn'
  | 'gitlab'
  // Where notifications go (packages/adapters/src/chat and mail).
  | 'dingtalk'
  | 'feishu'
  | 'wecom'
  | 'webhook'
  | 'smtp';

/** The upstream codes of core's vocabulary (`errorCodes`), which also gives each one's default `retryable`. */
export type UpstreamErrorCode = Extract<
  ErrorCode,
  | 'UNAUTHORIZED' // 401: credentials wrong or expired (never retried: Jira locks accounts behind CAPTCHA)
  | 'FORBIDDEN' // 403: the service user lacks a permission
  | 'NOT_FOUND' // 404
  | 'CONFLICT' // 409
  | 'VALIDATION' // 400/422: the upstream refused the request; its own error body is in `body`
  | 'RATE_LIMITED' // 429 after retries
  | 'UPSTREAM_UNAVAILABLE' // 5xx after retries
  | 'TIMEOUT' // no answer within the timeout, after retries
  | 'NETWORK' // connection refused/reset, DNS, ... after retries
  | 'BAD_RESPONSE' // an answer that does not match the contract (e.g. HTML where JSON was due)
  | 'NO_TARGET' // a look-up found nothing to act on (e.g. no CMDB deploy target for a tag)
>;

export class UpstreamError extends CdflowError {
  declare readonly code: UpstreamErrorCode;
  readonly upstream: UpstreamName;
  /** HTTP status when the upstream answered. */
  readonly status: number | undefined;
  /** The upstream's error body (parsed JSON when possible, else text truncated to 2 KiB). */
  readonly body: unknown;
  /** Worth trying the whole operation again later (the stage stays where it is). */
  declare readonly retryable: boolean;
  /** The upstream's Retry-After (ms) on a 429/503, when it sent one. */
  declare readonly retryAfterMs: number | undefined;

  constructor(input: {
    upstream: UpstreamName;
    code: UpstreamErrorCode;
    message: string;
    status?: number;
    body?: unknown;
    retryable?: boolean;
    retryAfterMs?: number;
  }) {
    // No `cause`: a transport's errors can hold the request options, headers (and so credentials) included.
    super(input.code, input.message, {
      ...(input.retryable === undefined ? {} : { retryable: input.retryable }),
      ...(input.retryAfterMs === undefined ? {} : { retryAfterMs: input.retryAfterMs }),
      details: { upstream: input.upstream },
    });
    this.name = 'UpstreamError';
    this.upstream = input.upstream;
    this.status = input.status;
    this.body = input.body;
  }

  override toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      upstream: this.upstream,
      code: this.code,
      status: this.status,
      message: this.message,
      body: this.body,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

export function isUpstreamError(err: unknown): err is UpstreamError {
  return err instanceof UpstreamError;
}
