import { CdflowError } from '@cdflow/core';

/** A configuration problem found at start. The message names every bad setting and what was expected. */
export class ConfigError extends CdflowError {
  /** One line per bad setting, e.g. `CDFLOW_PORT: expected an integer 1–65535, got "abc"`. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      'CONFIG_INVALID',
      `cdflow cannot start: ${problems.length === 1 ? 'one setting is' : `${problems.length} settings are`} wrong.\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
