import { readFile } from 'node:fs/promises';
import {
  checkFiles,
  type Finding,
  formatText,
  type HistoryMigration,
  HistoryMigrationError,
  type PolicyConfig,
  PolicyConfigError,
  parsePolicyConfig,
  readSchemaChanges,
  suggestMissingHistoryMigrations,
  toSarif,
} from '@cdflow/policy';
import { Command, CommanderError, Option } from 'commander';
import { CliUsageError } from './cli-error.js';
import { readInputs } from './read-inputs.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  toolVersion: string;
}

interface CheckOptions {
  version: string;
  previous?: string;
  format: 'text' | 'json' | 'sarif';
  config?: string;
  suggest?: boolean;
}

async function loadConfig(path: string | undefined): Promise<Partial<PolicyConfig> | undefined> {
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliUsageError(
      'CLI_BAD_CONFIG',
      `cannot read the policy configuration ${path}: ${(error as { code?: string }).code === 'ENOENT' ? 'no such file' : String(error)}`,
    );
  }
  try {
    return parsePolicyConfig(text);
  } catch (error) {
    if (error instanceof PolicyConfigError)
      throw new CliUsageError('CLI_BAD_CONFIG', `${path}: ${error.message}`);
    throw error;
  }
}

function renderMigrations(migrations: HistoryMigration[]): string {
  return migrations
    .map(
      (m) =>
        `<!-- ${m.table}: history migration ${m.previousHistoryTable} → ${m.historyTable}; add to the changelog -->\n${m.changeSetXml}`,
    )
    .join('\n');
}

/** Runs the `cdflow` command line; resolves to the exit code (0 clean, 1 policy errors, 2 bad usage/input). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('cdflow')
    .description('cdflow: release orchestrator tools')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `cdflow policy check --help` for usage)');
  const policy = program
    .command('policy')
    .description('the data-platform versioning policy (POLICY.md)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  policy
    .command('check')
    .description('check changelogs, SQL, manifests and queue/repository lists against the versioning policy')
    .argument('<paths...>', 'files or directories (walked for .sql .xml .yaml .yml .json .txt)')
    .requiredOption('--version <version>', 'release version, platform.major.minor (e.g. 1.2.0)')
    .option('--previous <version>', 'last applied version of the regulation')
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'),
    )
    .option(
      '--config <file>',
      'policy configuration (YAML/JSON): rules, historyTablePattern, distributedTables',
    )
    .option('--suggest', 'also print the history-migration changesets missing for added columns')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (paths: string[], options: CheckOptions) => {
      const config = await loadConfig(options.config);
      const inputs = await readInputs(paths, io.cwd);
      const checkOptions = {
        version: options.version,
        ...(options.previous ? { previousVersion: options.previous } : {}),
        ...(config ? { config } : {}),
      };
      const findings = await checkFiles(inputs, checkOptions);
      const migrations = options.suggest ? await missingMigrations(inputs, checkOptions, findings) : [];
      if (options.format === 'json') {
        const errors = findings.filter((f) => f.severity === 'error').length;
        const body = {
          findings,
          summary: { errors, warnings: findings.length - errors },
          ...(options.suggest ? { suggestions: migrations } : {}),
        };
        io.stdout(`${JSON.stringify(body, null, 2)}\n`);
      } else if (options.format === 'sarif') {
        io.stdout(`${JSON.stringify(toSarif(findings, { toolVersion: io.toolVersion }), null, 2)}\n`);
      } else {
        io.stdout(`${formatText(findings)}\n`);
        if (migrations.length > 0)
          io.stdout(`\nSuggested history migrations:\n${renderMigrations(migrations)}\n`);
      }
      exitCode = findings.some((f) => f.severity === 'error') ? 1 : 0;
    });

  policy
    .command('fix')
    .description('print the DF-D007/DF-D008 changesets missing for columns added to operational tables')
    .argument('<paths...>', 'changelogs or SQL files (or directories) of the change')
    .requiredOption('--version <version>', 'release version, platform.major.minor (e.g. 1.2.0)')
    .option('--previous <version>', 'last applied version (names the history table to copy from)')
    .option('--config <file>', 'policy configuration (YAML/JSON)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (paths: string[], options: Omit<CheckOptions, 'format' | 'suggest'>) => {
      const config = await loadConfig(options.config);
      const inputs = await readInputs(paths, io.cwd);
      const checkOptions = {
        version: options.version,
        ...(options.previous ? { previousVersion: options.previous } : {}),
        ...(config ? { config } : {}),
      };
      const migrations = await missingMigrations(inputs, checkOptions, []);
      if (migrations.length === 0) {
        io.stdout(
          'No history migration is missing: every added column already has its DF-D007/DF-D008 changesets.\n',
        );
      } else {
        io.stdout(`${renderMigrations(migrations)}\n`);
      }
      exitCode = 0;
    });

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
    if (error instanceof CliUsageError) {
      io.stderr(`cdflow: ${error.message}\n`);
      return 2;
    }
    if (error instanceof HistoryMigrationError || error instanceof PolicyConfigError) {
      io.stderr(`cdflow: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function missingMigrations(
  inputs: Awaited<ReturnType<typeof readInputs>>,
  options: { version: string; previousVersion?: string; config?: Partial<PolicyConfig> },
  findings: Finding[],
): Promise<HistoryMigration[]> {
  // Without a valid version the history table cannot be named; DF-V001 already says why.
  if (findings.some((f) => f.ruleId === 'DF-V001')) return [];
  const { changes } = await readSchemaChanges(inputs);
  try {
    return suggestMissingHistoryMigrations(changes, options);
  } catch (error) {
    if (error instanceof HistoryMigrationError) throw error;
    if (error instanceof Error && (error as { code?: string }).code === 'VERSION_FORMAT') {
      throw new CliUsageError('CLI_BAD_USAGE', error.message);
    }
    throw error;
  }
}
