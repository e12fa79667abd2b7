import {
  CdflowError,
  compileRetryPolicy,
  isRetryable,
  NonRetryableError,
  networkErrorCodes,
  RetryAfterError,
  type RetryPolicy,
  RetryPolicyError,
  retryDelayMs,
  shouldRetry,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';

function compileError(partial: Record<string, unknown>): RetryPolicyError {
  try {
    compileRetryPolicy(partial as Partial<RetryPolicy>);
  } catch (err) {
    if (err instanceof RetryPolicyError) return err;
    throw err;
  }
  throw new Error('expected compileRetryPolicy to refuse the policy');
}

describe('compileRetryPolicy', () => {
  it("fills in Temporal's defaults", () => {
    expect(compileRetryPolicy()).toEqual({
      maximumAttempts: Number.POSITIVE_INFINITY,
      initialIntervalMs: 1000,
      maximumIntervalMs: 100_000,
      backoffCoefficient: 2,
    });
    expect(compileRetryPolicy({ initialIntervalMs: 50 }).maximumIntervalMs).toBe(5000);
  });

  it('keeps what it is given, frozen', () => {
    const policy = compileRetryPolicy({
      maximumAttempts: 3,
      initialIntervalMs: 200,
      maximumIntervalMs: 200,
      backoffCoefficient: 1,
      nonRetryableCodes: ['CONFLICT'],
    });
    expect(policy).toEqual({
      maximumAttempts: 3,
      initialIntervalMs: 200,
      maximumIntervalMs: 200,
      backoffCoefficient: 1,
      nonRetryableCodes: ['CONFLICT'],
    });
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.nonRetryableCodes)).toBe(true);
  });

  it.each([
    [
      { maximumAttempts: 0 },
      'maximumAttempts',
      'must be an integer ≥ 1 (1 = never retry) or Infinity, got 0',
    ],
    [
      { maximumAttempts: 2.5 },
      'maximumAttempts',
      'must be an integer ≥ 1 (1 = never retry) or Infinity, got 2.5',
    ],
    [
      { maximumAttempts: '3' },
      'maximumAttempts',
      'must be an integer ≥ 1 (1 = never retry) or Infinity, got "3"',
    ],
    [{ initialIntervalMs: 0 }, 'initialIntervalMs', 'must be a number of milliseconds > 0, got 0'],
    [{ initialIntervalMs: -5 }, 'initialIntervalMs', 'must be a number of milliseconds > 0, got -5'],
    [
      { initialIntervalMs: Number.POSITIVE_INFINITY },
      'initialIntervalMs',
      'must be a number of milliseconds > 0, got Infinity',
    ],
    [{ maximumIntervalMs: 0 }, 'maximumIntervalMs', 'must be a number of milliseconds > 0, got 0'],
    [{ maximumIntervalMs: Number.NaN }, 'maximumIntervalMs', 'must be a number of milliseconds > 0, got NaN'],
    [
      { initialIntervalMs: 1000, maximumIntervalMs: 500 },
      'maximumIntervalMs',
      '(500) cannot be less than initialIntervalMs (1000)',
    ],
    [{ maximumIntervalMs: 999 }, 'maximumIntervalMs', '(999) cannot be less than initialIntervalMs (1000)'],
    [
      { backoffCoefficient: 0.5 },
      'backoffCoefficient',
      'must be a number ≥ 1 (1 = a constant interval), got 0.5',
    ],
    [
      { backoffCoefficient: 0 },
      'backoffCoefficient',
      'must be a number ≥ 1 (1 = a constant interval), got 0',
    ],
    [
      { nonRetryableCodes: 'CONFLICT' },
      'nonRetryableCodes',
      'must be an array of error codes, got "CONFLICT"',
    ],
    [
      { nonRetryableCodes: ['CONFLICT', ''] },
      'nonRetryableCodes[1]',
      'must be a non-empty error code, got ""',
    ],
    [{ nonRetryableCodes: [7] }, 'nonRetryableCodes[0]', 'must be a non-empty error code, got 7'],
    [
      { maxAttempts: 3 },
      'maxAttempts',
      'is not a retry policy field: expected one of maximumAttempts, initialIntervalMs, maximumIntervalMs, backoffCoefficient, nonRetryableCodes',
    ],
  ])('refuses %j: RetryPolicy.%s %s', (partial, field, message) => {
    const err = compileError(partial);
    expect(err).toBeInstanceOf(CdflowError);
    expect(err).toMatchObject({
      name: 'RetryPolicyError',
      code: 'CONFIG_INVALID',
      retryable: false,
      field,
      message: `RetryPolicy.${field} ${message}`,
    });
  });
});

describe('retryDelayMs', () => {
  const policy = compileRetryPolicy({
    initialIntervalMs: 100,
    backoffCoefficient: 2,
    maximumIntervalMs: 1000,
  });

  it('backs off from the initial interval by the coefficient, up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((attempt) => retryDelayMs(policy, attempt))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('waits the same each time with a coefficient of 1', () => {
    const constant = compileRetryPolicy({ initialIntervalMs: 250, backoffCoefficient: 1 });
    expect([1, 2, 10].map((attempt) => retryDelayMs(constant, attempt))).toEqual([250, 250, 250]);
  });

  it('waits what the error asks (Retry-After, a deferral) instead of the back-off, up to the maximum', () => {
    expect(retryDelayMs(policy, 1, new RetryAfterError('later', 700))).toBe(700);
    expect(retryDelayMs(policy, 4, { retryAfterMs: 0 })).toBe(0);
    expect(retryDelayMs(policy, 1, new RetryAfterError('much later', 60_000))).toBe(1000);
  });

  it('ignores a retryAfterMs that is not a usable number', () => {
    expect(retryDelayMs(policy, 2, { retryAfterMs: -1 })).toBe(200);
    expect(retryDelayMs(policy, 2, { retryAfterMs: '5' })).toBe(200);
    expect(retryDelayMs(policy, 2, { retryAfterMs: undefined })).toBe(200);
  });

  it.each([0, -1, 1.5])('refuses attempt %s', (attempt) => {
    expect(() => retryDelayMs(policy, attempt)).toThrow(
      new RangeError(
        `retryDelayMs: attempt must be an integer ≥ 1 (the attempt that failed), got ${attempt}`,
      ),
    );
  });
});

describe('shouldRetry', () => {
  const policy = compileRetryPolicy({ maximumAttempts: 3, initialIntervalMs: 10 });
  const transient = new CdflowError('UPSTREAM_UNAVAILABLE', 'jira answered 503');

  it('retries a retryable error until maximumAttempts attempts were made', () => {
    expect([1, 2, 3, 4].map((attempt) => shouldRetry(policy, attempt, transient))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('never retries with maximumAttempts 1, always (while retryable) with Infinity', () => {
    expect(shouldRetry(compileRetryPolicy({ maximumAttempts: 1 }), 1, transient)).toBe(false);
    expect(shouldRetry(compileRetryPolicy(), 10_000, transient)).toBe(true);
  });

  it('does not retry what is not retryable', () => {
    expect(shouldRetry(policy, 1, new CdflowError('VALIDATION', 'jira answered 400'))).toBe(false);
    expect(shouldRetry(policy, 1, new NonRetryableError('no issue yet'))).toBe(false);
    expect(shouldRetry(policy, 1, new Error('undefined is not a function'))).toBe(false);
  });

  it('does not retry a code the policy lists as non-retryable, whatever the error says', () => {
    const strict = compileRetryPolicy({ maximumAttempts: 5, nonRetryableCodes: ['CONFLICT', 'ECONNRESET'] });
    expect(shouldRetry(strict, 1, new CdflowError('CONFLICT', 'jira answered 409'))).toBe(false);
    expect(shouldRetry(strict, 1, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      false,
    );
    expect(shouldRetry(strict, 1, transient)).toBe(true);
  });

  it.each([0, 2.5])('refuses attempt %s', (attempt) => {
    expect(() => shouldRetry(policy, attempt, transient)).toThrow(
      new RangeError(`shouldRetry: attempt must be an integer ≥ 1 (the attempt that failed), got ${attempt}`),
    );
  });
});

describe('isRetryable: the one retryable predicate', () => {
  it("believes a CdflowError's own retryable", () => {
    expect(isRetryable(new CdflowError('TIMEOUT', 'slow'))).toBe(true);
    expect(isRetryable(new CdflowError('TIMEOUT', 'slow', { retryable: false }))).toBe(false);
    expect(isRetryable(new CdflowError('BAD_RESPONSE', 'garbage', { retryable: true }))).toBe(true);
  });

  it('believes any error that says whether it is retryable', () => {
    expect(isRetryable(Object.assign(new Error('x'), { retryable: true }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { retryable: false, code: 'ECONNRESET' }))).toBe(false);
  });

  it.each([
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
  ])('retries the network failure %s, on the error or as its cause', (code) => {
    expect(networkErrorCodes.has(code)).toBe(true);
    expect(isRetryable(Object.assign(new Error('network'), { code }))).toBe(true);
    expect(
      isRetryable(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code }) })),
    ).toBe(true);
  });

  it('does not retry anything else', () => {
    expect(isRetryable(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBe(false);
    expect(isRetryable(new Error('bug'))).toBe(false);
    expect(isRetryable('ECONNRESET')).toBe(false);
    expect(isRetryable(null)).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });
});
