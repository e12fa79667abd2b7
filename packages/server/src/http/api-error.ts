/** An answer other than success, with a stable `error` code and a message for the caller. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly error: string;
  /** Extra fields of the JSON answer (e.g. `errors`, `state`, `acceptedEvents`). */
  readonly details: Record<string, unknown>;

  constructor(statusCode: number, error: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.error = error;
    this.details = details;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.error, message: this.message, ...this.details };
  }
}

export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
