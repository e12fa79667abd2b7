import { Command, CommanderError } from 'commander';
import { backupCommand } from './backup-command.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { importCommand } from './import-command.js';
import { policyCommand } from './policy-command.js';
import type { SubCommand } from './sub-command.js';

/** The top-level commands, in the order `cdflow --help` lists them. A new command is one entry here (see SubCommand). */
export const subCommands: readonly SubCommand[] = [policyCommand, backupCommand, importCommand];

/**
 * Runs the `cdflow` command line; resolves to the exit code: 0 success, 1 the command found problems or
 * failed (policy errors, a backup that could not be written), 2 bad usage or unreadable input.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('cdflow')
    .description('cdflow: release orchestrator tools')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)');
  const context = {
    io,
    setExitCode: (code: 0 | 1) => {
      exitCode = code;
    },
  };
  for (const command of subCommands) command.register(program, context);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests are successes; every other parse failure is bad usage.
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
        ? 0
        : 2;
    }
    if (error instanceof CliError) {
      io.stderr(`cdflow: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
