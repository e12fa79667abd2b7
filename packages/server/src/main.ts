/**
 * CLI entry: `node packages/server/dist/main.js` (or `pnpm start`). Reads the configuration from the
 * environment, starts the server (with the simulators in sandbox mode), and shuts down gracefully on
 * SIGINT/SIGTERM: stop accepting, finish in-flight requests and effects, close the store — then exits 0.
 *
 * In sandbox mode the logs go to a file beside the database and the terminal shows the banner and the
 * releases' story; at the first start (an empty database) the sample release is posted, so the banner
 * shows its real key.
 */
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import type { ServerConfig } from './config/server-config.js';
import { createLogger, type Logger } from './http/create-logger.js';
import { tellReleaseStory } from './sandbox/release-story.js';
import { postSampleRelease, type SampleRelease } from './sandbox/sample-release.js';
import { sandboxFiles } from './sandbox/sandbox-files.js';
import { createSandboxLogger } from './sandbox/sandbox-log.js';
import { sandboxBanner } from './sandbox-mode.js';
import { type RunningServer, startServer } from './start-server.js';

/**
 * A wrapper such as pnpm forwards the terminal's Ctrl-C to its child, which the terminal has already
 * interrupted: two SIGINTs for one key press. A second signal this soon is that copy, not a person
 * insisting.
 */
const duplicateSignalMs = 1_000;

const say = (line: string) => process.stdout.write(`${line}\n`);

function loggerFor(config: ServerConfig): Logger {
  if (!config.sandbox) return createLogger({ level: config.logLevel });
  return createSandboxLogger({ level: config.logLevel, logFile: sandboxFiles(config.dbPath).log });
}

async function announceSandbox(server: RunningServer): Promise<void> {
  const { sandbox, sandboxMode, config, runtime } = server;
  if (!sandbox || !sandboxMode) return;
  let sample: SampleRelease | null = null;
  if ((await runtime.listReleases({ limit: 1, offset: 0 })).total === 0) {
    sample = await postSampleRelease(server.url, config.intakeToken);
  }
  const { total, items } = await runtime.listReleases({ limit: 1, offset: 0 });
  const latest = items[0];
  const release = latest
    ? { ref: latest.key ?? latest.releaseId, summary: latest.summary, postedNow: sample?.posted === true }
    : null;
  say(
    sandboxBanner({
      url: server.url,
      config,
      sandbox,
      controlUrl: sandboxMode.controlUrl,
      files: { state: sandboxMode.start.stateFile, log: sandboxMode.logFile },
      notice: sandboxMode.start.notice,
      release,
      sampleProblem: sample?.posted === false ? sample.reason : null,
      releases: total,
    }),
  );
  await tellReleaseStory(runtime, say);
  say(
    `${new Date().toTimeString().slice(0, 8)}  cdflow started (${total} release(s)); Ctrl-C stops it cleanly`,
  );
}

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const server = await startServer(config, { logger: loggerFor(config) });
  server.logger.info({ url: server.url, sandbox: server.config.sandbox }, 'cdflow listening');
  await announceSandbox(server);

  let stoppingSince: number | null = null;
  const stop = (signal: string) => {
    if (stoppingSince !== null) {
      if (Date.now() - stoppingSince < duplicateSignalMs) return;
      server.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    server.logger.info({ signal }, 'shutting down: finishing in-flight work');
    server.close().then(
      () => {
        server.logger.info({ signal }, 'stopped cleanly');
        if (server.sandbox)
          say(`${new Date().toTimeString().slice(0, 8)}  cdflow stopped cleanly (state saved)`);
        // A clean shutdown after a stop request is a success: exit 0, not the signal's 128+n.
        process.exit(0);
      },
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
