export { CliUsageError } from './cli-error.js';
export { type CliIo, runCli } from './program.js';
export { readInputs } from './read-inputs.js';
