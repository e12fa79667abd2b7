import {
  CdflowError,
  errorAnswer,
  errorCodes,
  InvalidRequestItemError,
  isCdflowError,
  isErrorCode,
  MachineVersionError,
  NonRetryableError,
  RetryAfterError,
  RoutingError,
  UnknownProjectError,
} from '@cdflow/core';
import { describe, expect, it } from 'vitest';

describe('errorCodes: one vocabulary from domain error to HTTP answer', () => {
  it.each([
    // The `error` strings today's answers use: clients and tests rely on them.
    ['INVALID_REQUEST', 400, 'invalid_request'],
    ['INVALID_JSON', 400, 'invalid_json'],
    ['UNKNOWN_PROJECT', 400, 'unknown_project'],
    ['SQL_ROUTING', 400, 'invalid_request'],
    ['INVALID_REQUEST_ITEM', 400, 'invalid_request'],
    ['UNAUTHENTICATED', 401, 'unauthorized'],
    ['NOT_FOUND', 404, 'not_found'],
    ['PAYLOAD_TOO_LARGE', 413, 'payload_too_large'],
    ['UNSUPPORTED_MEDIA_TYPE', 415, 'unsupported_media_type'],
    ['EVENT_REFUSED', 409, 'event_refused'],
    ['RELEASE_BUSY', 409, 'release_busy'],
    ['RELEASE_FINAL', 409, 'release_final'],
    ['MACHINE_VERSION', 500, 'internal'],
    ['SHUTTING_DOWN', 503, 'shutting_down'],
    ['RUNTIME_STOPPED', 503, 'shutting_down'],
    ['INTERNAL', 500, 'internal'],
    ['UNKNOWN_RELEASE', 404, 'not_found'],
    ['REVISION_CONFLICT', 500, 'internal'],
    ['EFFECT_PRECONDITION', 500, 'internal'],
    ['JIRA_MOVE_DEFERRED', 500, 'internal'],
    ['CONFIG_INVALID', 500, 'internal'],
    ['STORE_OPEN_FAILED', 500, 'internal'],
  ] as const)('%s answers %i with error "%s"', (code, status, httpError) => {
    expect(errorCodes[code]).toMatchObject({ status, httpError });
  });

  it.each([
    // The adapters README table: only transient upstream failures are retryable by default.
    ['UNAUTHORIZED', false],
    ['FORBIDDEN', false],
    ['NOT_FOUND', false],
    ['CONFLICT', true],
    ['VALIDATION', false],
    ['RATE_LIMITED', true],
    ['UPSTREAM_UNAVAILABLE', true],
    ['TIMEOUT', true],
    ['NETWORK', true],
    ['BAD_RESPONSE', false],
    ['NO_TARGET', false],
  ] as const)('upstream code %s is retryable by default: %s', (code, retryable) => {
    expect(errorCodes[code].retryable).toBe(retryable);
  });

  it("reports an upstream's failure as a gateway error, never as the caller's 401/403", () => {
    expect(errorCodes.UNAUTHORIZED).toMatchObject({ status: 502, httpError: 'upstream_unauthorized' });
    expect(errorCodes.FORBIDDEN).toMatchObject({ status: 502, httpError: 'upstream_forbidden' });
    expect(errorCodes.TIMEOUT).toMatchObject({ status: 504, httpError: 'upstream_timeout' });
  });

  it('gives every code an error status, a snake_case error string and a one-line meaning', () => {
    for (const [code, entry] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      expect(entry.httpError, code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(entry.meaning, code).toMatch(/^\S.*\.$/);
      expect(entry.meaning, code).not.toContain('\n');
    }
  });

  it('tells a code of the vocabulary from any other string', () => {
    expect(isErrorCode('RELEASE_BUSY')).toBe(true);
    expect(isErrorCode('release_busy')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});

describe('CdflowError', () => {
  it("takes retryable from its code's default", () => {
    const busy = new CdflowError('RELEASE_BUSY', 'AC-1 is mid-stage: send it again when SQL ends.');
    expect(busy).toBeInstanceOf(Error);
    expect(busy).toMatchObject({ name: 'CdflowError', code: 'RELEASE_BUSY', retryable: true });
    expect(new CdflowError('EVENT_REFUSED', 'no').retryable).toBe(false);
  });

  it('lets an error override the default and say when to retry', () => {
    const err = new CdflowError('BAD_RESPONSE', 'garbage in a 200', { retryable: true, retryAfterMs: 1500 });
    expect(err).toMatchObject({ retryable: true, retryAfterMs: 1500 });
  });

  it('serialises to its code, message, retryability and details, omitting what it does not have', () => {
    const cause = new Error('inner');
    const err = new CdflowError('EVENT_REFUSED', 'sqlPassed is not accepted in codeRunning', {
      details: { state: 'codeRunning', acceptedEvents: ['codeFailed'] },
      cause,
    });
    expect(err.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'CdflowError',
      code: 'EVENT_REFUSED',
      message: 'sqlPassed is not accepted in codeRunning',
      retryable: false,
      details: { state: 'codeRunning', acceptedEvents: ['codeFailed'] },
    });
    expect(new CdflowError('INTERNAL', 'x').toJSON()).toEqual({
      name: 'CdflowError',
      code: 'INTERNAL',
      message: 'x',
      retryable: false,
    });
  });

  it('is recognised by isCdflowError, a plain Error is not', () => {
    expect(isCdflowError(new CdflowError('INTERNAL', 'x'))).toBe(true);
    expect(isCdflowError(new Error('x'))).toBe(false);
    expect(isCdflowError({ code: 'INTERNAL', retryable: false })).toBe(false);
  });
});

describe('NonRetryableError and RetryAfterError (effects: "never retry", "retry after")', () => {
  it('NonRetryableError is never retryable, whatever its code says', () => {
    const err = new NonRetryableError('a synchronous CMDB is not supported by this runtime yet');
    expect(err).toBeInstanceOf(CdflowError);
    expect(err).toMatchObject({
      name: 'NonRetryableError',
      code: 'EFFECT_PRECONDITION',
      retryable: false,
      message: 'a synchronous CMDB is not supported by this runtime yet',
    });
    expect(new NonRetryableError('stop', { code: 'RATE_LIMITED' })).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: false,
    });
  });

  it('RetryAfterError is retryable after the given milliseconds', () => {
    const err = new RetryAfterError('waiting for the person’s webhook', 2000, { code: 'JIRA_MOVE_DEFERRED' });
    expect(err).toBeInstanceOf(CdflowError);
    expect(err).toMatchObject({
      name: 'RetryAfterError',
      code: 'JIRA_MOVE_DEFERRED',
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(new RetryAfterError('later', 0)).toMatchObject({ code: 'EFFECT_DEFERRED', retryAfterMs: 0 });
    expect(new RetryAfterError('stop', 10, { code: 'EVENT_REFUSED' }).retryable).toBe(true);
  });

  it.each([
    [-1, 'RetryAfterError: retryAfterMs must be a finite number of milliseconds ≥ 0, got -1'],
    [Number.NaN, 'RetryAfterError: retryAfterMs must be a finite number of milliseconds ≥ 0, got NaN'],
    [
      Number.POSITIVE_INFINITY,
      'RetryAfterError: retryAfterMs must be a finite number of milliseconds ≥ 0, got Infinity',
    ],
  ])('RetryAfterError refuses a delay of %s', (ms, message) => {
    expect(() => new RetryAfterError('later', ms)).toThrow(new RangeError(message));
  });
});

describe("core's errors are CdflowErrors with their names, codes and fields", () => {
  it.each<[string, () => Error, Record<string, unknown>]>([
    [
      'UnknownProjectError',
      () => new UnknownProjectError('B99', ['A18', 'B01']),
      {
        code: 'UNKNOWN_PROJECT',
        retryable: false,
        project: 'B99',
        knownProjects: ['A18', 'B01'],
        message:
          'Unknown project "B99": known projects are A18, B01. ' +
          'Add it to the project map of the configuration or fix the request.',
      },
    ],
    [
      'RoutingError',
      () => new RoutingError('3', 'svn_path "x" names no database'),
      {
        code: 'SQL_ROUTING',
        sqlId: '3',
        message:
          'Cannot route SQL item "3" to Archery: svn_path "x" names no database. ' +
          'Give instance, db_name and group in the item, or an svn_path like "database_acc/db_a18/acc".',
      },
    ],
    [
      'InvalidRequestItemError',
      () => new InvalidRequestItemError('/code_info/0/tag', 'must be V1, V2 or empty'),
      {
        code: 'INVALID_REQUEST_ITEM',
        path: '/code_info/0/tag',
        message: '/code_info/0/tag: must be V1, V2 or empty',
      },
    ],
    [
      'MachineVersionError',
      () => new MachineVersionError(7, 1),
      {
        code: 'MACHINE_VERSION',
        found: 7,
        expected: 1,
        message:
          'Snapshot of release machine version 7 cannot be loaded by machine version 1: ' +
          'migrate the snapshot or run the cdflow version that wrote it.',
      },
    ],
  ])('%s', (name, make, fields) => {
    const err = make();
    expect(err).toBeInstanceOf(CdflowError);
    expect(err).toMatchObject({ name, ...fields });
  });
});

describe('errorAnswer: the HTTP answer of an error', () => {
  /** The 400 answer of an error about one field of the request: its message, and the field's path with it. */
  const fieldAnswer = (err: Error, error: string, path: string, extra: Record<string, unknown> = {}) => ({
    status: 400,
    body: { error, message: err.message, errors: [{ path, message: err.message }], ...extra },
  });

  it("answers an unknown project as the intake route does today, the field's path included", () => {
    const err = new UnknownProjectError('B99', ['A18']);
    expect(errorAnswer(err)).toEqual(
      fieldAnswer(err, 'unknown_project', '/project', { knownProjects: ['A18'] }),
    );
  });

  it('answers routing and item errors as invalid_request naming the field', () => {
    const routing = new RoutingError('3', 'no group');
    expect(errorAnswer(routing)).toEqual(fieldAnswer(routing, 'invalid_request', '/sql_info'));
    const item = new InvalidRequestItemError('/code_info/0/tag', 'must be V1, V2 or empty');
    expect(errorAnswer(item).body).toEqual({
      error: 'invalid_request',
      message: '/code_info/0/tag: must be V1, V2 or empty',
      errors: [{ path: '/code_info/0/tag', message: '/code_info/0/tag: must be V1, V2 or empty' }],
    });
  });

  it('answers a refusal with its details, which cannot replace the error or the message', () => {
    const err = new CdflowError('RELEASE_BUSY', 'AC-1 is running SQL: send it again when it ends', {
      details: { key: 'AC-1', state: 'sqlRunning', error: 'x', message: 'y' },
    });
    expect(errorAnswer(err)).toEqual({
      status: 409,
      body: {
        error: 'release_busy',
        message: 'AC-1 is running SQL: send it again when it ends',
        key: 'AC-1',
        state: 'sqlRunning',
      },
    });
  });

  it('says when to come back, in whole seconds, for an error that knows', () => {
    const err = new CdflowError('RUNTIME_STOPPED', 'cdflow is shutting down', { retryAfterMs: 4100 });
    expect(errorAnswer(err)).toEqual({
      status: 503,
      body: { error: 'shutting_down', message: 'cdflow is shutting down' },
      retryAfterSeconds: 5,
    });
  });

  it('hides the message and details of a 500, and of anything that is not a CdflowError', () => {
    const hidden = {
      error: 'internal',
      message: 'internal error; the server log has the details (request r-7)',
    };
    expect(errorAnswer(new MachineVersionError(7, 1), 'r-7')).toEqual({ status: 500, body: hidden });
    expect(errorAnswer(new Error('SQLITE_BUSY at /var/lib/cdflow.sqlite'), 'r-7')).toEqual({
      status: 500,
      body: hidden,
    });
    expect(errorAnswer('boom').body).toEqual({
      error: 'internal',
      message: 'internal error; the server log has the details',
    });
  });
});
