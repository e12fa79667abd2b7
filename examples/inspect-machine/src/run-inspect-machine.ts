/**
 * The example's command line:
 *   (no flag)        start Stately's inspector relay on --port (default 8080), open the browser on it,
 *                    walk the sample release, then keep the relay up until Ctrl-C;
 *   --headless       the same without opening a browser: print the URL to open (e.g. through an SSH tunnel);
 *   --once           exit after the walk (scripts, CI) instead of keeping the relay up;
 *   --url ws://…     send the walk to an inspector relay already running there (no relay started), then exit;
 *   --relay          only start the relay (and the browser), for a live cdflow started with
 *                    CDFLOW_INSPECT_URL=ws://localhost:<port>;
 *   --pause <ms>     pause between decisions (default 700 while the relay stays up for a watcher, else 0).
 */
import { InspectorSocket } from '@cdflow/server';
import { createInspector } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import { walkSampleRelease } from './sample-walk.js';

export interface RunOptions {
  headless: boolean;
  once: boolean;
  relayOnly: boolean;
  url: string | null;
  port: number;
  pauseMs: number | null;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseArgs(argv: readonly string[]): RunOptions {
  const options: RunOptions = {
    headless: false,
    once: false,
    relayOnly: false,
    url: null,
    port: 8080,
    pauseMs: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--headless') options.headless = true;
    else if (arg === '--once') options.once = true;
    else if (arg === '--relay') options.relayOnly = true;
    else if (arg === '--url') options.url = value();
    else if (arg === '--port') options.port = Number(value());
    else if (arg === '--pause') options.pauseMs = Number(value());
    else
      throw new UsageError(
        `unknown option ${arg}: expected --headless, --once, --relay, --url <ws-url>, --port <n>, --pause <ms>`,
      );
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535)
    throw new UsageError('--port: expected an integer 1–65535');
  if (options.pauseMs !== null && !(options.pauseMs >= 0))
    throw new UsageError('--pause: expected milliseconds ≥ 0');
  if (options.url !== null && !/^wss?:\/\//.test(options.url))
    throw new UsageError('--url: expected a ws:// or wss:// URL');
  return options;
}

/** Whether the relay stays up after the walk (someone may be watching), until stop() or Ctrl-C. */
export function keepsRelay(options: RunOptions): boolean {
  return options.url === null && !options.once;
}

/** Run the example: the walk's states, and stop() for a relay kept up. */
export async function runInspectMachine(
  options: RunOptions,
  print: (line: string) => void = console.log,
): Promise<{ stop(): void; states: string[] }> {
  const relay =
    options.url === null ? createInspectorServer({ port: options.port, autoOpen: !options.headless }) : null;
  const url = options.url ?? `ws://localhost:${options.port}`;
  if (relay) {
    print(`Stately inspector relay on ${url}`);
    print(
      `Open http://localhost:${options.port} in a browser: it embeds https://stately.ai/inspect and shows the release.`,
    );
  }
  if (options.relayOnly) {
    print(`Start cdflow with CDFLOW_INSPECT_URL=${url} to watch its live releases. Ctrl-C stops the relay.`);
    return { stop: () => relay?.stop(), states: [] };
  }
  const socket = new InspectorSocket({ url });
  const inspector = createInspector(socket);
  socket.start();
  const states = await walkSampleRelease({
    inspector,
    pauseMs: options.pauseMs ?? (keepsRelay(options) ? 700 : 0),
    step: (event, state) => print(`${event.padEnd(22)} -> ${state}`),
  });
  const sent = await socket.drained();
  print(
    sent ? `sent ${states.length} decisions to ${url}` : `the inspector at ${url} did not take every event`,
  );
  socket.stop();
  if (keepsRelay(options)) print('The relay stays up for the browser: Ctrl-C stops it.');
  else relay?.stop();
  return { stop: () => relay?.stop(), states };
}
