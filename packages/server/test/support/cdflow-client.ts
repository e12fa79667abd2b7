/**
 * A small HTTP client of a cdflow server at a URL (in-process or a child process), as the release
 * system, an operator and Jira use it, with a deadline-bound poll for states. No fixed sleeps: every
 * wait polls with a deadline and says what it last saw.
 */
import { signWebhookBody } from '../../src/http/webhook-signature.js';
import { type Answer, apiCaller } from './api-call.js';
import { tokens } from './e2e-harness.js';

export type { Answer } from './api-call.js';

export interface ReleaseAnswer extends Record<string, unknown> {
  key: string | null;
  state: string;
  jiraStatus: string;
}

export interface CdflowClient {
  url: string;
  call(method: string, path: string, token: string | null, body?: unknown): Promise<Answer>;
  intake(body: unknown): Promise<Answer>;
  /** null when the release is unknown (404). `ref`: issue key, release id or summary. */
  release(ref: string): Promise<ReleaseAnswer | null>;
  history(ref: string): Promise<Array<Record<string, unknown>>>;
  operatorEvent(ref: string, event: Record<string, unknown>): Promise<Answer>;
  /** Post a raw webhook body signed with the test secret. */
  webhook(rawBody: string, signature?: string): Promise<Answer>;
  waitFor(
    ref: string,
    match: (release: ReleaseAnswer) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<ReleaseAnswer>;
}

export function cdflowClient(url: string): CdflowClient {
  const call = apiCaller(url);
  const client: CdflowClient = {
    url,
    call,
    intake: (body) => call('POST', '/cicdflow/', tokens.intake, body),
    async release(ref) {
      const res = await call('GET', `/api/releases/${encodeURIComponent(ref)}`, tokens.operator);
      if (res.status === 404) return null;
      if (res.status !== 200) throw new Error(`GET release ${ref} → ${res.status} ${res.text}`);
      return res.body as ReleaseAnswer;
    },
    async history(ref) {
      const res = await call('GET', `/api/releases/${encodeURIComponent(ref)}/history`, tokens.operator);
      if (res.status !== 200) throw new Error(`GET history ${ref} → ${res.status} ${res.text}`);
      return res.body.items as Array<Record<string, unknown>>;
    },
    operatorEvent: (ref, event) =>
      call('POST', `/api/releases/${encodeURIComponent(ref)}/events`, tokens.operator, event),
    async webhook(rawBody, signature) {
      const res = await fetch(`${url}/cicdflow/jira/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature': signature ?? signWebhookBody(rawBody, tokens.webhook),
        },
        body: rawBody,
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, text };
    },
    async waitFor(ref, match, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: ReleaseAnswer | null = null;
      while (Date.now() < deadline) {
        last = await client.release(ref);
        if (last && match(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const trail = last ? await client.history(ref).catch(() => []) : [];
      throw new Error(
        `release ${ref} did not reach ${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)}\n` +
          `history: ${JSON.stringify(trail.map((e) => [e.event, e.toState, e.accepted, e.detail]))}`,
      );
    },
  };
  return client;
}

/** Poll `check` until it returns true, or fail after `timeoutMs` saying `what` (no fixed sleeps). */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
}
