import { CliError } from './cli-error.js';

/** The backup started and could not finish (I/O error, disk full, a copy that fails its check): exit 1. */
export class BackupFailedError extends CliError {
  readonly code = 'CLI_BACKUP_FAILED';
  readonly exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupFailedError';
  }
}
