/** cdflow refuses a request locally because Archery would refuse it or, worse, misread it. */
import { CdflowError } from '@cdflow/core';

export class ArcheryInputError extends CdflowError {
  declare readonly code: 'ARCHERY_INPUT_INVALID';
  /** Never worth retrying: the input must change. */
  declare readonly retryable: false;

  constructor(
    readonly field: string,
    message: string,
  ) {
    super('ARCHERY_INPUT_INVALID', message, { retryable: false, details: { field } });
    this.name = 'ArcheryInputError';
  }
}
