/** An answer Archery gives instead of doing the thing: its HTTP status and its exact body. */
export class ArcheryRefusal extends Error {
  readonly code = 'ARCHERY_REFUSAL';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`archery refuses with ${status}: ${JSON.stringify(body)}`);
  }
}

/** Django's default 500 page with DEBUG off: what Archery answers when a view raises unexpectedly. */
export const djangoServerErrorPage =
  '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n';

/** Serializer-style `{"errors": "..."}` raised from a view or `create()` (not wrapped in a list). */
export function errorsRefusal(message: string): ArcheryRefusal {
  return new ArcheryRefusal(400, { errors: message });
}

/** `{"errors": ["..."]}`: raised in a serializer's `validate()`, which DRF wraps in a list. */
export function validateRefusal(message: string): ArcheryRefusal {
  return new ArcheryRefusal(400, { errors: [message] });
}
