export { type BackupRequest, type BackupResult, backupDatabase } from './backup-database.js';
export { BackupFailedError } from './backup-failed-error.js';
export { CliError, CliUsageError } from './cli-error.js';
export type { CliIo } from './cli-io.js';
export { type ImportRequest, type ImportResult, importJiracdflow } from './import-jiracdflow.js';
export { runCli, subCommands } from './program.js';
export { readInputs } from './read-inputs.js';
export { anchorToSourceRoot, artifactLocationOf, sourceRootId } from './sarif-source-root.js';
export type { CommandContext, SubCommand } from './sub-command.js';
