/**
 * A robot's webhook URL split for the shared HttpClient: the origin as its base URL, the path and query
 * per request, and the URL's token-like parts (query values, long path segments such as Feishu's hook
 * id) as values the client redacts from every error, so a failing robot never shows its token.
 */
import { HttpClient, type HttpObserver } from '../http/index.js';
import type { UpstreamName } from '../http/upstream-error.js';

export interface RobotOptions {
  /** The robot's webhook URL as the chat app shows it (its token included). */
  url: string;
  /** The signing secret, when the robot has signing turned on. */
  secret?: string | undefined;
  /** Per-attempt timeout (ms). Default 10 s. */
  timeoutMs?: number;
  /** Told after every HTTP attempt (metrics). */
  observer?: HttpObserver;
}

export interface RobotEndpoint {
  upstream: UpstreamName;
  http: HttpClient;
  path: string;
  query: Record<string, string>;
}

export function robotEndpoint(upstream: UpstreamName, options: RobotOptions): RobotEndpoint {
  const url = new URL(options.url);
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const redact = [
    ...Object.values(query),
    ...url.pathname.split('/').filter((segment) => segment.length >= 16),
    ...(options.secret ? [options.secret] : []),
  ];
  const http = new HttpClient({
    upstream,
    baseUrl: url.origin,
    timeoutMs: options.timeoutMs ?? 10_000,
    // A chat message is not idempotent: the notification outbox retries with back-off, not the client.
    retries: 0,
    redact,
    ...(options.observer ? { observer: options.observer } : {}),
  });
  return { upstream, http, path: url.pathname, query };
}
