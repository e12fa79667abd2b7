/**
 * CLI entry: `node packages/server/dist/main.js` (or `pnpm start`). Reads the configuration from the
 * environment, starts the server (with the simulators in sandbox mode), and shuts down gracefully on
 * SIGINT/SIGTERM: stop accepting, finish in-flight requests and effects, close the store.
 */
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import { sandboxBanner } from './sandbox-mode.js';
import { startServer } from './start-server.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const server = await startServer(config);
  if (server.sandbox) {
    // Printed on stdout for a person, once; the log lines never carry the tokens.
    process.stdout.write(
      `${sandboxBanner({ url: server.url, config: server.config, sandbox: server.sandbox })}\n`,
    );
  }
  server.logger.info({ url: server.url, sandbox: server.config.sandbox }, 'cdflow listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      server.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    server.logger.info({ signal }, 'shutting down: finishing in-flight work');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`cdflow failed to start: ${message}\n`);
  process.exit(1);
});
