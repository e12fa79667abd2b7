import { resolve } from 'node:path';
import { importJiracdflow } from './import-jiracdflow.js';
import type { SubCommand } from './sub-command.js';

/**
 * `cdflow import jiracdflow <export.json>`: cut-over from the original program. Creates, in the
 * server's database, one release per row of its `jira_workflow` table, at its stage, with what it had
 * applied (from `sql_workflow`), so the release system's next publish plans only what is new.
 */
export const importCommand: SubCommand = {
  name: 'import',
  register(program, { io, setExitCode }) {
    const command = program
      .command('import')
      .description('import the releases of another release orchestrator into the server database');
    command
      .command('jiracdflow')
      .description(
        "the original program's jira_workflow and sql_workflow rows (the export the README defines); run it with the server's environment while the server is stopped",
      )
      .argument('<export.json>', 'the export file')
      .option('--db <path>', "the server's database (default: $CDFLOW_DB, else ./data/cdflow.sqlite)")
      .option('--dry-run', 'check the rows and read the SQL files, write nothing')
      .action(async (file: string, options: { db?: string; dryRun?: boolean }) => {
        const result = await importJiracdflow({
          file: resolve(io.cwd, file),
          env: io.env,
          cwd: io.cwd,
          ...(options.db === undefined ? {} : { db: options.db }),
          dryRun: options.dryRun === true,
          report: (line) => io.stdout(`${line}\n`),
        });
        setExitCode(result.failed > 0 ? 1 : 0);
      });
  },
};
