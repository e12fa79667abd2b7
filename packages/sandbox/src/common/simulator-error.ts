/** An error a simulator throws: its `name` is its class's, and its stable `code` tells callers what it is. */
export class SimulatorError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
