/**
 * For the tests of people and the console: the e2e harness over a sandbox whose Jira knows two people
 * with passwords, a small cookie-aware HTTP client (sessions, CSRF header, bearer tokens), and a reader
 * of the server-sent-events stream that waits for a matching event with a deadline.
 */
import { createHash } from 'node:crypto';
import { type Sandbox, startSandbox } from '@cdflow/sandbox';
import { type Harness, type HarnessOptions, startHarness } from './e2e-harness.js';

export const people = {
  alice: { name: 'alice', password: 'alice-jira-password-7f3a', displayName: 'Alice Zhang' },
  bob: { name: 'bob', password: 'bob-jira-password-91c2', displayName: 'Bob Li' },
};

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface PeopleHarness extends Harness {
  sandbox: Sandbox;
  call(path: string, init?: CallInit): Promise<CallAnswer>;
  signIn(username: string, password: string): Promise<SignedIn>;
  /** How many times Jira was asked who someone is (GET /rest/api/2/myself). */
  myselfCalls(): number;
}

export interface CallInit {
  method?: string;
  body?: unknown;
  token?: string;
  /** Cookies to send (name → value). */
  cookies?: Record<string, string>;
  csrf?: string;
  headers?: Record<string, string>;
}

export interface CallAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  setCookies: string[];
}

export interface SignedIn extends CallAnswer {
  cookies: Record<string, string>;
  csrfToken: string;
}

export function cookiesOf(setCookies: readonly string[]): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of setCookies) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq > 0) jar[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return jar;
}

export async function startPeopleHarness(
  options: Omit<HarnessOptions, 'sandbox'> = {},
): Promise<PeopleHarness> {
  const sandbox = await startSandbox({
    cmdb: { taskDurationMs: 100 },
    jira: { users: [people.alice, people.bob] },
  });
  let h: Harness;
  try {
    h = await startHarness({ sqlMode: 'auto', ...options, sandbox });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  const close = h.close;
  const call = async (path: string, init: CallInit = {}): Promise<CallAnswer> => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    if (init.cookies !== undefined) {
      headers.cookie = Object.entries(init.cookies)
        .map(([k, v]) => `${k}=${v}`)
        .join('; ');
    }
    if (init.csrf !== undefined) headers['x-csrf-token'] = init.csrf;
    const res = await fetch(`${h.url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      body = { text };
    }
    return { status: res.status, body, headers: res.headers, setCookies: res.headers.getSetCookie() };
  };
  return Object.assign(h, {
    sandbox,
    call,
    async signIn(username: string, password: string): Promise<SignedIn> {
      const answer = await call('/api/session', { method: 'POST', body: { username, password } });
      return {
        ...answer,
        cookies: cookiesOf(answer.setCookies),
        csrfToken: String(answer.body.csrfToken ?? ''),
      };
    },
    myselfCalls: () => sandbox.jira.requestLog().filter((r) => r.url.startsWith('/rest/api/2/myself')).length,
    async close() {
      await close();
      await sandbox.close();
    },
  });
}

export interface ServerSentEvent {
  event: string;
  id: string | null;
  data: string;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** Waits for the next event matching `match` (events before it are consumed), failing after `timeoutMs`. */
  next(
    match: (event: ServerSentEvent) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<ServerSentEvent>;
  /** Resolves when the server ends the stream. */
  ended(): Promise<void>;
  close(): void;
}

export async function openEventStream(url: string, headers: Record<string, string>): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/events`, { headers, signal: abort.signal });
  const queue: ServerSentEvent[] = [];
  const waiters: Array<() => void> = [];
  let done = false;
  let buffer = '';
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const pump = (async () => {
    if (res.body === null) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: ServerSentEvent = { event: 'message', id: null, data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event.event = value;
            else if (field === 'id') event.id = value;
            else if (field === 'data') data.push(value);
          }
          if (data.length > 0 || event.event !== 'message') {
            event.data = data.join('\n');
            queue.push(event);
          }
          end = buffer.indexOf('\n\n');
        }
        wake();
      }
    } catch {
      // Aborted by close().
    } finally {
      done = true;
      wake();
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    async next(match, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (queue.length > 0) {
          const event = queue.shift()!;
          if (match(event)) return event;
        }
        if (done) throw new Error(`the event stream ended before ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event stream message for ${what} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    ended: () => pump,
    close: () => abort.abort(),
  };
}
