/** One HTTP call to a cdflow server's API, as the tests make it. */

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/**
 * A caller of the server at `url`: `method path` with the bearer `token` (none when null) and `body` (a
 * string as is, anything else as JSON). The answer's body is its JSON (`{ unparsable: text }` when it is none).
 */
export function apiCaller(
  url: string,
): (method: string, path: string, token: string | null, body?: unknown) => Promise<Answer> {
  return async (method, path, token, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { unparsable: text };
    }
    return { status: res.status, body: parsed, text };
  };
}
