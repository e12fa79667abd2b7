/**
 * Calls to the cdflow server from the page: same origin, the session cookie sent by the browser, the
 * session's CSRF token echoed on every write, and failures as `ApiFailure` carrying the server's
 * stable `error` code and message.
 */
import type {
  ConsoleSettings,
  HistoryEntry,
  MachineAnswer,
  Person,
  Release,
  ReleaseList,
} from './api-types.js';

export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }

  /** The finer reason some answers carry (`invalid_credentials`, `session_expired`, `csrf`), else the code. */
  get reason(): string {
    return typeof this.body.reason === 'string' ? this.body.reason : this.code;
  }
}

let csrfToken: string | null = null;

/** The session's CSRF token, from the sign-in answer or GET /api/session (also in the cdflow_csrf cookie). */
export function rememberCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiFailure(0, 'network', (error as Error).message, {});
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const answer = (parsed ?? {}) as Record<string, unknown>;
    const code = typeof answer.error === 'string' ? answer.error : `http_${res.status}`;
    const message = typeof answer.message === 'string' ? answer.message : `${res.status} ${res.statusText}`;
    throw new ApiFailure(res.status, code, message, answer);
  }
  return parsed as T;
}

export interface ListQuery {
  state?: string;
  project?: string;
  env?: string;
  q?: string;
  limit?: number;
  offset?: number;
}

export const api = {
  whoAmI: () => call<Person>('GET', '/api/session'),
  signIn: (username: string, password: string) =>
    call<Person>('POST', '/api/session', { username, password }),
  signOut: () => call<void>('DELETE', '/api/session'),
  settings: () => call<ConsoleSettings>('GET', '/api/console/settings'),
  machine: () => call<MachineAnswer>('GET', '/api/machine'),
  releases(query: ListQuery) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(name, String(value));
    }
    const search = params.toString();
    return call<ReleaseList>('GET', `/api/releases${search === '' ? '' : `?${search}`}`);
  },
  release: (ref: string) => call<Release>('GET', `/api/releases/${encodeURIComponent(ref)}`),
  history: (ref: string) =>
    call<{ key: string; items: HistoryEntry[] }>('GET', `/api/releases/${encodeURIComponent(ref)}/history`),
  sendEvent: (ref: string, type: string, reason?: string) =>
    call<Release>('POST', `/api/releases/${encodeURIComponent(ref)}/events`, {
      type,
      ...(reason === undefined || reason === '' ? {} : { reason }),
    }),
};
