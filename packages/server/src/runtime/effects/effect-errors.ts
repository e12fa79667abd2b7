/** How effect failures are described for the history (the retry rules are core's `RetryPolicy`). */

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
