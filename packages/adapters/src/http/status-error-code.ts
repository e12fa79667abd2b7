import type { UpstreamErrorCode } from './upstream-error.js';

/** The error code of a refusing HTTP status (4xx or 5xx): any other 4xx is VALIDATION. */
export function statusErrorCode(status: number): UpstreamErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'UPSTREAM_UNAVAILABLE';
  return 'VALIDATION';
}
