/**
 * An error the CLI reports as one line on stderr (`cdflow: <message>`) before ending with `exitCode`:
 * 2 for bad usage or unreadable input, 1 when the command ran and failed. Every sub-command throws
 * subclasses of this; anything else is a bug and keeps its stack trace.
 */
export abstract class CliError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: 1 | 2;
}

/** Bad usage or unreadable input: the CLI prints the message and exits 2. */
export class CliUsageError extends CliError {
  readonly code:
    | 'CLI_UNREADABLE_INPUT'
    | 'CLI_BAD_CONFIG'
    | 'CLI_BAD_USAGE'
    | 'CLI_NOT_A_CDFLOW_DATABASE'
    | 'CLI_TARGET_EXISTS';
  readonly exitCode = 2;
  constructor(code: CliUsageError['code'], message: string) {
    super(message);
    this.name = 'CliUsageError';
    this.code = code;
  }
}
