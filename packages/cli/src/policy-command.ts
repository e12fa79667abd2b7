import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
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
import { Option } from 'commander';
import { CliUsageError } from './cli-error.js';
import { readInputs } from './read-inputs.js';
import { anchorToSourceRoot } from './sarif-source-root.js';
import type { SubCommand } from './sub-command.js';

interface CheckOptions {
  version: string;
  previous?: string;
  format: 'text' | 'json' | 'sarif';
  config?: string;
  suggest?: boolean;
}

type CheckInputs = Awaited<ReturnType<typeof readInputs>>;

interface MigrationOptions {
  version: string;
  previousVersion?: string;
  config?: Partial<PolicyConfig>;
}

async function loadConfig(path: string | undefined, cwd: string): Promise<Partial<PolicyConfig> | undefined> {
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
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

async function missingMigrations(
  inputs: CheckInputs,
  options: MigrationOptions,
  findings: Finding[],
): Promise<HistoryMigration[]> {
  // Without a valid version the history table cannot be named; DF-V001 already says why.
  if (findings.some((f) => f.ruleId === 'DF-V001')) return [];
  const { changes } = await readSchemaChanges(inputs);
  try {
    return suggestMissingHistoryMigrations(changes, options);
  } catch (error) {
    if (error instanceof Error && (error as { code?: string }).code === 'VERSION_FORMAT') {
      throw new CliUsageError('CLI_BAD_USAGE', error.message);
    }
    throw error;
  }
}

/** The policy's own input errors (a history table it cannot name, a bad configuration) are bad usage: exit 2. */
function asUsageErrors<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await action(...args);
    } catch (error) {
      if (error instanceof HistoryMigrationError || error instanceof PolicyConfigError)
        throw new CliUsageError('CLI_BAD_USAGE', error.message);
      throw error;
    }
  };
}

function migrationOptions(
  options: { version: string; previous?: string },
  config: Partial<PolicyConfig> | undefined,
): MigrationOptions {
  return {
    version: options.version,
    ...(options.previous ? { previousVersion: options.previous } : {}),
    ...(config ? { config } : {}),
  };
}

/** `cdflow policy check|fix`: the data-platform versioning policy, as the orchestrator's gate runs it. */
export const policyCommand: SubCommand = {
  name: 'policy',
  register(program, { io, setExitCode }) {
    const policy = program.command('policy').description('the data-platform versioning policy (DF-* rules)');

    policy
      .command('check')
      .description(
        'check changelogs, SQL, manifests and queue/repository lists against the versioning policy',
      )
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
      .action(
        asUsageErrors(async (paths: string[], options: CheckOptions) => {
          const config = await loadConfig(options.config, io.cwd);
          const inputs = await readInputs(paths, io.cwd);
          const checkOptions = migrationOptions(options, config);
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
            const log = anchorToSourceRoot(toSarif(findings, { toolVersion: io.toolVersion }), io.cwd);
            io.stdout(`${JSON.stringify(log, null, 2)}\n`);
          } else {
            io.stdout(`${formatText(findings)}\n`);
            if (migrations.length > 0)
              io.stdout(`\nSuggested history migrations:\n${renderMigrations(migrations)}\n`);
          }
          setExitCode(findings.some((f) => f.severity === 'error') ? 1 : 0);
        }),
      );

    policy
      .command('fix')
      .description('print the DF-D007/DF-D008 changesets missing for columns added to operational tables')
      .argument('<paths...>', 'changelogs or SQL files (or directories) of the change')
      .requiredOption('--version <version>', 'release version, platform.major.minor (e.g. 1.2.0)')
      .option('--previous <version>', 'last applied version (names the history table to copy from)')
      .option('--config <file>', 'policy configuration (YAML/JSON)')
      .action(
        asUsageErrors(async (paths: string[], options: Omit<CheckOptions, 'format' | 'suggest'>) => {
          const config = await loadConfig(options.config, io.cwd);
          const inputs = await readInputs(paths, io.cwd);
          const migrations = await missingMigrations(inputs, migrationOptions(options, config), []);
          if (migrations.length === 0) {
            io.stdout(
              'No history migration is missing: every added column already has its DF-D007/DF-D008 changesets.\n',
            );
          } else {
            io.stdout(`${renderMigrations(migrations)}\n`);
          }
          setExitCode(0);
        }),
      );
  },
};
