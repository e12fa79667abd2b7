/** cdflow refuses a request locally because Archery would refuse it or, worse, misread it. */
export class ArcheryInputError extends Error {
  override readonly name = 'ArcheryInputError';
  readonly code = 'ARCHERY_INPUT_INVALID';
  /** Never worth retrying: the input must change. */
  readonly retryable = false;

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
