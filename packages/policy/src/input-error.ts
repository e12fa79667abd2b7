/** An error of the policy with a stable `code`; its `name` is the name of its class. */
export abstract class CodedError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An input a reader refuses, with the 1-based line of the fault when known. */
export abstract class InputLineError extends CodedError {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}
