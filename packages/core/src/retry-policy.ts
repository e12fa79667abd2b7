/**
 * One retry-policy shape for every retry in cdflow (in-call HTTP retries, effects, Jira deliveries), after
 * Temporal's `RetryPolicy`: a plain object, compiled once with precise errors, and pure functions that say
 * whether to try again and when. No clock, no timers: callers wait.
 */
import { CdflowError } from './cdflow-error.js';

export interface RetryPolicy {
  /** Attempts in all, the first included: 1 = never retry, `Infinity` = until it succeeds. */
  maximumAttempts: number;
  /** Wait before the first retry (ms). */
  initialIntervalMs: number;
  /** Longest wait between attempts (ms), back-off and an error's `retryAfterMs` alike. */
  maximumIntervalMs: number;
  /** Each wait is the previous one times this (1 = a constant interval). */
  backoffCoefficient: number;
  /** Error codes never retried, whatever the error says. */
  nonRetryableCodes?: readonly string[];
}

/** Temporal's defaults: 1 s, doubling, up to 100 × the first interval, until it succeeds. */
export const retryPolicyDefaults = {
  maximumAttempts: Number.POSITIVE_INFINITY,
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
} as const;

/** A retry policy that cannot be used; `field` names the setting. */
export class RetryPolicyError extends CdflowError {
  declare readonly code: 'CONFIG_INVALID';
  readonly field: string;

  constructor(field: string, message: string) {
    super('CONFIG_INVALID', `RetryPolicy.${field} ${message}`);
    this.name = 'RetryPolicyError';
    this.field = field;
  }
}

const fields: ReadonlySet<string> = new Set([
  'maximumAttempts',
  'initialIntervalMs',
  'maximumIntervalMs',
  'backoffCoefficient',
  'nonRetryableCodes',
]);

/**
 * A complete, frozen policy from a partial one (defaults filled in), or a `RetryPolicyError` naming the
 * first bad field and what was expected.
 */
export function compileRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  for (const key of Object.keys(partial)) {
    if (!fields.has(key)) {
      throw new RetryPolicyError(
        key,
        `is not a retry policy field: expected one of ${[...fields].join(', ')}`,
      );
    }
  }
  const maximumAttempts = partial.maximumAttempts ?? retryPolicyDefaults.maximumAttempts;
  if (
    typeof maximumAttempts !== 'number' ||
    !(
      maximumAttempts === Number.POSITIVE_INFINITY ||
      (Number.isInteger(maximumAttempts) && maximumAttempts >= 1)
    )
  ) {
    throw new RetryPolicyError(
      'maximumAttempts',
      `must be an integer ≥ 1 (1 = never retry) or Infinity, got ${show(maximumAttempts)}`,
    );
  }
  const initialIntervalMs = partial.initialIntervalMs ?? retryPolicyDefaults.initialIntervalMs;
  requirePositiveMs('initialIntervalMs', initialIntervalMs);
  const maximumIntervalMs = partial.maximumIntervalMs ?? 100 * initialIntervalMs;
  requirePositiveMs('maximumIntervalMs', maximumIntervalMs);
  if (maximumIntervalMs < initialIntervalMs) {
    throw new RetryPolicyError(
      'maximumIntervalMs',
      `(${maximumIntervalMs}) cannot be less than initialIntervalMs (${initialIntervalMs})`,
    );
  }
  const backoffCoefficient = partial.backoffCoefficient ?? retryPolicyDefaults.backoffCoefficient;
  if (
    typeof backoffCoefficient !== 'number' ||
    !Number.isFinite(backoffCoefficient) ||
    backoffCoefficient < 1
  ) {
    throw new RetryPolicyError(
      'backoffCoefficient',
      `must be a number ≥ 1 (1 = a constant interval), got ${show(backoffCoefficient)}`,
    );
  }
  const codes = partial.nonRetryableCodes;
  if (codes !== undefined) {
    if (!Array.isArray(codes)) {
      throw new RetryPolicyError('nonRetryableCodes', `must be an array of error codes, got ${show(codes)}`);
    }
    codes.forEach((code: unknown, i) => {
      if (typeof code !== 'string' || code === '') {
        throw new RetryPolicyError(
          `nonRetryableCodes[${i}]`,
          `must be a non-empty error code, got ${show(code)}`,
        );
      }
    });
  }
  return Object.freeze({
    maximumAttempts,
    initialIntervalMs,
    maximumIntervalMs,
    backoffCoefficient,
    ...(codes === undefined ? {} : { nonRetryableCodes: Object.freeze([...codes]) }),
  });
}

/**
 * How long to wait after failed attempt number `attempt` (1 = the first): the error's own `retryAfterMs`
 * when it has one (an upstream's Retry-After, a deferral), else the back-off; capped by maximumIntervalMs.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, error?: unknown): number {
  requireAttempt('retryDelayMs', attempt);
  const asked = retryAfterOf(error);
  if (asked !== undefined) return Math.min(asked, policy.maximumIntervalMs);
  const backoff = policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1);
  return Math.min(backoff, policy.maximumIntervalMs);
}

/** Whether to try again after failed attempt number `attempt` ended with `error`. */
export function shouldRetry(policy: RetryPolicy, attempt: number, error: unknown): boolean {
  requireAttempt('shouldRetry', attempt);
  if (attempt >= policy.maximumAttempts) return false;
  const code = codeOf(error);
  if (code !== undefined && policy.nonRetryableCodes?.includes(code)) return false;
  return isRetryable(error);
}

/** Connection-level failures of Node's http/net and of undici: the request may never have arrived. */
export const networkErrorCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The one retryable predicate: a CdflowError (or any error) that says whether it is retryable, else a
 * network failure (its own code or its cause's, as fetch reports them). Anything else is not retried.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof CdflowError) return error.retryable;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retryable?: unknown; code?: unknown; cause?: unknown };
  if (typeof e.retryable === 'boolean') return e.retryable;
  if (typeof e.code === 'string' && networkErrorCodes.has(e.code)) return true;
  const cause = e.cause as { code?: unknown } | null | undefined;
  return typeof cause?.code === 'string' && networkErrorCodes.has(cause.code);
}

function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const ms = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function requirePositiveMs(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RetryPolicyError(field, `must be a number of milliseconds > 0, got ${show(value)}`);
  }
}

function requireAttempt(fn: string, attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `${fn}: attempt must be an integer ≥ 1 (the attempt that failed), got ${show(attempt)}`,
    );
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || value === undefined || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}
