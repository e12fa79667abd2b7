/**
 * Sandbox mode's logging: everything (request logs included) goes to the log file beside the database;
 * the terminal gets only warnings and errors, one short line each, so the banner and the releases'
 * story stay readable.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, type Logger } from '../http/create-logger.js';

const levelNames: Record<number, string> = { 40: 'warning', 50: 'error', 60: 'fatal' };

/** pino's JSON lines as `warning: <msg> (<err>)`; the secrets are already redacted by the logger. */
function terminalLines(write: (line: string) => void): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) {
        if (text.trim() === '') continue;
        try {
          const entry = JSON.parse(text) as { level?: number; msg?: string; err?: unknown };
          const err =
            typeof entry.err === 'string'
              ? entry.err
              : (entry.err as { message?: string } | undefined)?.message;
          write(`${levelNames[entry.level ?? 40] ?? 'log'}: ${entry.msg ?? ''}${err ? ` (${err})` : ''}`);
        } catch {
          write(text);
        }
      }
      done();
    },
  });
}

export function createSandboxLogger(options: {
  level: string;
  logFile: string;
  /** Where the terminal's warnings go (default stderr). */
  terminal?: (line: string) => void;
}): Logger {
  const terminal = options.terminal ?? ((line: string) => process.stderr.write(`${line}\n`));
  const file = pino.destination({ dest: options.logFile, mkdir: true, sync: true });
  const streams = pino.multistream([
    { level: 'trace', stream: file },
    { level: 'warn', stream: terminalLines(terminal) },
  ]);
  return createLogger({ level: options.level, destination: streams });
}
