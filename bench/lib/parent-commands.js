/**
 * The child's side of lib/child.js's IPC: each message { id, cmd, arg } from the parent goes to
 * `handle(cmd, arg)`, and its result is sent back as { id, value }, or { id, error } with the message of
 * what it threw. `stop` is answered here: `close` (what the child started) ends, the child answers true
 * and exits. The child also exits when the parent goes away.
 */
export function answerParentCommands(handle, close = async () => {}) {
  const stop = async () => {
    await close();
    setImmediate(() => process.exit(0));
    return true;
  };
  process.on('message', ({ id, cmd, arg }) => {
    (cmd === 'stop' ? stop() : handle(cmd, arg)).then(
      (value) => process.send({ id, value }),
      (error) => process.send({ id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
