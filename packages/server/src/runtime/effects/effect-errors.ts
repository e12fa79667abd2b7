/** Why an effect did not complete, as the runner needs to know it: retry (when), or give up. */

/** An effect that cannot run as asked (not an upstream failure): never retried. */
export class EffectPreconditionError extends Error {
  readonly code = 'EFFECT_PRECONDITION';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'EffectPreconditionError';
  }
}

/**
 * cdflow's move would walk the issue back over a status a person may just have chosen (core's
 * `jiraMoveDecision` said defer): try again after the grace period, by which time their webhook has
 * usually brought the newer decision.
 */
export class JiraMoveDeferral extends Error {
  readonly code = 'JIRA_MOVE_DEFERRED';
  readonly retryable = true;
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'JiraMoveDeferral';
  }
}

const networkCodes = new Set([
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

/** Retryable: the upstream said so (`UpstreamError.retryable`), or the network failed. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retryable?: unknown; code?: unknown };
  if (typeof e.retryable === 'boolean') return e.retryable;
  return typeof e.code === 'string' && networkCodes.has(e.code);
}

/** A one-line, secret-free description of a failure for the audit trail and the machine. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
