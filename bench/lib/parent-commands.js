/**
 * The child's side of lib/child.js's IPC: each message { id, cmd, arg } from the parent goes to
 * `handle(cmd, arg)`, and its result is sent back as { id, value }, or { id, error } with the message of
 * what it threw. The child exits when the parent goes away.
 */
export function answerParentCommands(handle) {
  process.on('message', ({ id, cmd, arg }) => {
    handle(cmd, arg).then(
      (value) => process.send({ id, value }),
      (error) => process.send({ id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
