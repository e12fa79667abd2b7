import { resolve } from 'node:path';
import { backupDatabase } from './backup-database.js';
import type { SubCommand } from './sub-command.js';

/** Where the server keeps its database when CDFLOW_DB is not set (relative to its working directory). */
export const defaultDatabasePath = './data/cdflow.sqlite';

/** `cdflow backup <file>`: an online backup of the server's database, safe while the server runs. */
export const backupCommand: SubCommand = {
  name: 'backup',
  register(program, { io, setExitCode }) {
    program
      .command('backup')
      .description("online backup of the server's SQLite database (consistent, safe while the server runs)")
      .argument('<file>', 'where to write the backup (refused if it exists, unless --force)')
      .option('--db <path>', `the server's database (default: $CDFLOW_DB, else ${defaultDatabasePath})`)
      .option('--force', 'replace <file> if it exists')
      .action(async (file: string, options: { db?: string; force?: boolean }) => {
        const fromEnv = io.env.CDFLOW_DB?.trim();
        const source = resolve(io.cwd, options.db ?? (fromEnv ? fromEnv : defaultDatabasePath));
        const result = await backupDatabase({
          source,
          target: resolve(io.cwd, file),
          force: options.force === true,
        });
        io.stdout(
          `wrote ${result.target}: ${result.bytes} bytes, ${result.pages} pages, ${result.releases} ` +
            `release${result.releases === 1 ? '' : 's'} (online backup of ${result.source})\n`,
        );
        setExitCode(0);
      });
  },
};
