import { keepsRelay, parseArgs, runInspectMachine, UsageError } from './run-inspect-machine.js';

try {
  const options = parseArgs(process.argv.slice(2));
  const run = await runInspectMachine(options);
  if (keepsRelay(options) || options.relayOnly) {
    process.on('SIGINT', () => {
      run.stop();
      process.exit(0);
    });
  }
} catch (error) {
  process.stderr.write(`${error instanceof UsageError ? 'usage: ' : ''}${(error as Error).message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
}
