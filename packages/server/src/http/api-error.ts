/**
 * An HTTP answer other than success: a `CdflowError` (one code vocabulary from domain to answer), built
 * from the status and `error` string a route means. `errorAnswer` turns it into the JSON body.
 */
import { CdflowError, type ErrorCode, errorCodes } from '@cdflow/core';

/** The vocabulary's code for an answer's (status, `error` string). */
function codeFor(status: number, error: string): ErrorCode {
  const codes = Object.keys(errorCodes) as ErrorCode[];
  const code = codes.find((c) => errorCodes[c].status === status && errorCodes[c].httpError === error);
  if (!code) throw new Error(`internal: no error code answers ${status} ${error}; add it to errorCodes`);
  return code;
}

export class ApiError extends CdflowError {
  /** HTTP status of the answer. */
  readonly statusCode: number;
  /** The `error` string of the answer. */
  readonly error: string;

  constructor(statusCode: number, error: string, message: string, details: Record<string, unknown> = {}) {
    super(codeFor(statusCode, error), message, { details });
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.error = error;
  }
}

export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
export const forbidden = (message: string, details: Record<string, unknown> = {}) =>
  new ApiError(403, 'forbidden', message, details);
export const badRequest = (message: string, details: Record<string, unknown> = {}) =>
  new ApiError(400, 'invalid_request', message, details);
