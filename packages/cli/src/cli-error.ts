/** Bad usage or unreadable input: the CLI prints the message and exits 2. */
export class CliUsageError extends Error {
  readonly code: 'CLI_UNREADABLE_INPUT' | 'CLI_BAD_CONFIG' | 'CLI_BAD_USAGE';
  constructor(code: CliUsageError['code'], message: string) {
    super(message);
    this.name = 'CliUsageError';
    this.code = code;
  }
}
