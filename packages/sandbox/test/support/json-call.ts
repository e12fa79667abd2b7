/** What a simulator answered a call: its status, its text, and that text parsed (undefined when empty). */
export interface JsonAnswer {
  status: number;
  text: string;
  body: unknown;
}

/** One HTTP call with these headers, `body` (when given) sent as JSON with the content type `contentType`. */
export async function jsonCall(
  method: string,
  url: string,
  options: { body?: unknown; headers?: Record<string, string>; contentType?: string } = {},
): Promise<JsonAnswer> {
  const { body, contentType = 'application/json' } = options;
  const res = await fetch(url, {
    method,
    headers: { ...options.headers, ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
