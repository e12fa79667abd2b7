import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';

/** What a sub-command gets when it registers: the run's I/O and how to set the exit code. */
export interface CommandContext {
  io: CliIo;
  /**
   * The exit code the run ends with when the action returns normally: 0 success, 1 the command found
   * problems (policy errors). Bad usage and failures are thrown as `CliError`s instead.
   */
  setExitCode(code: 0 | 1): void;
}

/**
 * One top-level `cdflow <name> …` command. This is the extension point: a new command (as
 * `cdflow import jiracdflow <export.json>` was added) is a `<name>-command.ts` exporting a `SubCommand` that adds
 * itself to the program with commander, plus one entry in `subCommands` (program.ts). Its actions
 * throw `CliError` subclasses for exit codes 1/2 and write only their output to `io.stdout`.
 */
export interface SubCommand {
  readonly name: string;
  register(program: Command, context: CommandContext): void;
}
