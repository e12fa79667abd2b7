/**
 * One keep-alive connection pool (node:http Agent) per upstream: a deadline on every attempt, in-call
 * retries on core's one retry-policy shape (429/5xx/timeouts/network, honouring Retry-After), POSTs retried
 * only when the caller says it is safe, and every failure turned into an `UpstreamError` whose message and
 * body never carry a secret. Node's own http costs a fraction of got's CPU per call (bench: `client`).
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileRetryPolicy, type RetryPolicy, retryDelayMs, shouldRetry } from '@cdflow/core';
import { statusErrorCode } from './status-error-code.js';
import { UpstreamError, type UpstreamErrorCode, type UpstreamName } from './upstream-error.js';

export interface HttpClientOptions {
  upstream: UpstreamName;
  baseUrl: string;
  /** Per-attempt timeout of one HTTP request, answer body included. Default 10 s. */
  timeoutMs?: number;
  /** Retries of a retryable failure (429, 5xx, timeout, network). Default 2. */
  retries?: number;
  /** Longest Retry-After honoured before giving up (ms). Default 60 s. */
  maxRetryAfterMs?: number;
  /**
   * The in-call retry policy, when `retries`/`maxRetryAfterMs` are not enough. Default: `retries` + 1
   * attempts, 1 s doubling, at most `maxRetryAfterMs` between attempts; 409 is left to the caller.
   */
  retryPolicy?: Partial<RetryPolicy>;
  /** Headers sent on every request (e.g. auth). Their values are treated as secrets. */
  headers?: () => Record<string, string>;
  /** Other secret values (a token inside the base URL or path): never in an error message or body. */
  redact?: readonly string[];
  logger?: AdapterLogger;
  /** Told after every attempt (metrics); it must not throw or block. */
  observer?: HttpObserver;
}

/** One HTTP attempt as an observer (metrics) sees it: no URL, header or body, so no secret. */
export interface HttpAttempt {
  upstream: UpstreamName;
  method: HttpMethod;
  /** The answer's status; null when none came (timeout, network). */
  status: number | null;
  /** The error code of a failed attempt (`TIMEOUT`, `UPSTREAM_UNAVAILABLE`, ...); null on a 2xx. */
  code: UpstreamErrorCode | null;
  /** 1 = the first attempt of the call; more = an in-call retry. */
  attempt: number;
  durationMs: number;
}

export type HttpObserver = (attempt: HttpAttempt) => void;

export interface AdapterLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface RequestOptions {
  method: HttpMethod;
  /** Path relative to the base URL (no leading slash needed). */
  path: string;
  searchParams?: Record<string, string | number | boolean | undefined>;
  /** A JSON body; allowed on GET too (the original program's CMDB reads a JSON body on a GET). */
  json?: unknown;
  headers?: Record<string, string>;
  /** A POST/PATCH is retried only when true; any other method unless false. */
  idempotent?: boolean;
  /** Expected statuses with no JSON body (e.g. 204). */
  allowEmpty?: boolean;
  /**
   * How a 2xx body is returned: parsed JSON (default), the text, or the raw bytes (any content type; a
   * file read from SVN/GitLab is never "not JSON"). Error answers are summarised as text either way.
   */
  responseType?: HttpResponseType;
}

export type HttpResponseType = 'json' | 'text' | 'buffer';

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** What one attempt got back: the status, headers and the body as asked. */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes?: Buffer;
  text: string;
}

/** 409 means "re-read, then decide": repeating the same request blindly cannot help. */
const leftToCaller = ['CONFLICT'];

export class HttpClient {
  readonly upstream: UpstreamName;
  private readonly transport: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: string;
  /** The base URL's path, with a trailing slash ("/" when it has none). */
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: HttpClientOptions) {
    this.upstream = options.upstream;
    const base = new URL(options.baseUrl);
    this.prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.policy = compileRetryPolicy({
      maximumAttempts: (options.retries ?? 2) + 1,
      initialIntervalMs: 1000,
      backoffCoefficient: 2,
      maximumIntervalMs: Math.max(1000, this.maxRetryAfterMs),
      nonRetryableCodes: leftToCaller,
      ...options.retryPolicy,
    });
    this.transport = base.protocol === 'https:' ? https : http;
    this.host = base.hostname.replace(/^\[|\]$/g, '');
    this.port = base.port;
    // Idle sockets are closed before the server's Keep-Alive hint (or 4 s) runs out, so a reused socket
    // is rarely one the server is closing; idle sockets do not keep the process alive.
    this.agent = new this.transport.Agent({ keepAlive: true, timeout: 4000 });
  }

  /** Perform a request; a non-2xx answer throws `UpstreamError` with the upstream's body. */
  request(req: RequestOptions & { responseType: 'buffer' }): Promise<HttpResponse<Buffer>>;
  request(req: RequestOptions & { responseType: 'text' }): Promise<HttpResponse<string>>;
  request<T>(req: RequestOptions): Promise<HttpResponse<T>>;
  async request<T>(req: RequestOptions): Promise<HttpResponse<T | string | Buffer>> {
    const method = req.method.toUpperCase() as HttpMethod;
    const path = req.path.replace(/^\//, '');
    const target = this.prefix + path + query(path, req.searchParams);
    const body = req.json === undefined ? undefined : JSON.stringify(req.json);
    const repeatable =
      method === 'POST' || method === 'PATCH' ? req.idempotent === true : req.idempotent !== false;
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      const started = performance.now();
      try {
        answer = await this.attempt(method, target, req, body);
      } catch (err) {
        const error = this.transportError(err, method, path);
        this.observe(method, null, error.code, attempt, started);
        if (!repeatable || !this.retryInCall(attempt, error)) throw error;
        await this.pause(attempt, error);
        continue;
      }
      const { status } = answer;
      if (status >= 200 && status < 300) {
        this.observe(method, status, null, attempt, started);
        return this.success(answer, req, method, path) as HttpResponse<T>;
      }
      const error = this.httpError(answer, method, path);
      this.observe(method, status, error.code, attempt, started);
      if (!repeatable || !this.retryInCall(attempt, error)) throw error;
      await this.pause(attempt, error);
    }
  }

  private observe(
    method: HttpMethod,
    status: number | null,
    code: UpstreamErrorCode | null,
    attempt: number,
    started: number,
  ): void {
    const observer = this.options.observer;
    if (!observer) return;
    try {
      observer({
        upstream: this.upstream,
        method,
        status,
        code,
        attempt,
        durationMs: performance.now() - started,
      });
    } catch {
      // Metrics must never fail a call.
    }
  }

  /** Close the client's connections, idle and in flight. */
  async close(): Promise<void> {
    this.agent.destroy();
  }

  /** One HTTP exchange under a deadline that covers the answer's body too. */
  private attempt(method: HttpMethod, path: string, req: RequestOptions, body?: string): Promise<Answer> {
    const headers: Record<string, string> = { 'user-agent': 'cdflow' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    // The configured headers (credentials) win over a request's.
    for (const [k, v] of Object.entries(this.options.headers?.() ?? {})) headers[k.toLowerCase()] = v;
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const request = this.transport.request({
        host: this.host,
        port: this.port,
        method,
        path,
        headers,
        agent: this.agent,
      });
      // Destroying the request destroys its socket: a late answer can never reach a reused connection.
      const timer = setTimeout(() => {
        const deadline = new DeadlineError();
        settle(() => reject(deadline));
        request.destroy(deadline);
      }, this.timeoutMs);
      request.on('error', (err) => settle(() => reject(err)));
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => settle(() => reject(err)));
        res.on('close', () => {
          if (!res.complete) settle(() => reject(new ConnectionClosedError()));
        });
        res.on('end', () =>
          settle(() => {
            const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            const ok = status >= 200 && status < 300;
            resolve(
              ok && req.responseType === 'buffer'
                ? { status, headers: res.headers, bytes, text: '' }
                : { status, headers: res.headers, text: bytes.toString('utf8') },
            );
          }),
        );
      });
      request.end(body);
    });
  }

  private success(
    answer: Answer,
    req: RequestOptions,
    method: string,
    path: string,
  ): HttpResponse<unknown | string | Buffer> {
    const { status, headers, text } = answer;
    if (answer.bytes !== undefined) return { status, headers, body: answer.bytes };
    if (req.responseType === 'text') return { status, headers, body: text };
    const parsed = parseBody(text);
    if (text.length > 0 && parsed === undefined && !req.allowEmpty) {
      // Garbage in a 2xx (a proxy's page, a cut-off body) is a transient fault, not a contract change:
      // the caller may try the whole operation again later (effects look up before they create).
      throw new UpstreamError({
        upstream: this.upstream,
        code: 'BAD_RESPONSE',
        status,
        body: this.scrub(text.slice(0, 2048)),
        message: `${this.upstream} answered ${method} /${path} with ${status} but a body that is not JSON`,
        retryable: true,
      });
    }
    return { status, headers, body: parsed ?? null };
  }

  /** In-call retries follow the policy, except a Retry-After longer than the client will wait. */
  private retryInCall(attempt: number, error: UpstreamError): boolean {
    if (error.retryAfterMs !== undefined && error.retryAfterMs > this.maxRetryAfterMs) return false;
    return shouldRetry(this.policy, attempt, error);
  }

  private async pause(attempt: number, error: UpstreamError): Promise<void> {
    const delayMs = retryDelayMs(this.policy, attempt, error);
    this.options.logger?.warn(
      { upstream: this.upstream, retry: attempt, code: error.code, status: error.status, delayMs },
      `retrying ${this.upstream} request`,
    );
    await sleep(delayMs);
  }

  private httpError(answer: Answer, method: string, path: string): UpstreamError {
    const { status } = answer;
    const body = parseBody(answer.text) ?? answer.text.slice(0, 2048);
    const code = statusErrorCode(status);
    const detail = summariseBody(body);
    const retryAfter = retryAfterMs(answer.headers['retry-after']);
    return new UpstreamError({
      upstream: this.upstream,
      code,
      status,
      body: this.scrubValue(body),
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      message: this.scrub(
        `${this.upstream} refused ${method} /${path} with ${status}${detail ? `: ${detail}` : ''}. ${hints[code]}`,
      ),
    });
  }

  private transportError(err: unknown, method: string, path: string): UpstreamError {
    if (err instanceof UpstreamError) return err;
    const e = err as { code?: unknown; message?: unknown } | null;
    const code = typeof e?.code === 'string' ? e.code : undefined;
    const timeout = err instanceof DeadlineError || (code !== undefined && timeoutCodes.has(code));
    const what = code ?? (typeof e?.message === 'string' ? e.message : 'network error');
    // No `cause`: the transport's error can hold the request, headers (and so credentials) included.
    return new UpstreamError({
      upstream: this.upstream,
      code: timeout ? 'TIMEOUT' : 'NETWORK',
      message: this.scrub(
        timeout
          ? `${this.upstream} did not answer ${method} /${path} in time (${this.timeoutMs} ms per attempt). Check that ${this.options.baseUrl} is up.`
          : `${this.upstream} could not be reached for ${method} /${path} (${what}). Check ${this.options.baseUrl} and the network.`,
      ),
    });
  }

  /** Replace any header secret that an upstream echoed back. */
  private scrub(text: string): string {
    let out = text;
    for (const s of this.secrets()) out = out.split(s).join('[redacted]');
    return out;
  }

  private scrubValue(value: unknown): unknown {
    if (value === undefined || value === null) return value;
    try {
      return JSON.parse(this.scrub(JSON.stringify(value)));
    } catch {
      return undefined;
    }
  }

  private secrets(): string[] {
    return [...Object.values(this.options.headers?.() ?? {}), ...(this.options.redact ?? [])].filter(
      (v) => v.length >= 4,
    );
  }
}

/** The attempt's own deadline passed. */
class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  constructor() {
    super('the attempt took longer than its timeout');
  }
}

/** The connection closed before the whole answer arrived. */
class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly code = 'ECONNRESET';
  constructor() {
    super('the connection closed before the answer was complete');
  }
}

const timeoutCodes: ReadonlySet<string> = new Set(['ETIMEDOUT']);

const hints: Record<UpstreamErrorCode, string> = {
  UNAUTHORIZED: 'Check the configured credentials (not retried, to avoid locking the account).',
  FORBIDDEN: "The service user lacks a permission for this call; grant it in the upstream's admin.",
  NOT_FOUND: 'The object does not exist upstream (or the base URL is wrong).',
  CONFLICT: 'The object changed concurrently; re-read and try again.',
  VALIDATION: 'The upstream rejected the request; its own message is above — fix the data and retry.',
  RATE_LIMITED: 'The upstream is rate limiting; cdflow will retry later.',
  UPSTREAM_UNAVAILABLE: 'The upstream failed; cdflow will retry later.',
  TIMEOUT: '',
  NETWORK: '',
  BAD_RESPONSE: '',
  NO_TARGET: '',
};

/** Retry-After as milliseconds (seconds or an HTTP date); undefined when absent or unreadable. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The query string of `searchParams` (undefined values left out), joined to a path's own. */
function query(path: string, params: RequestOptions['searchParams']): string {
  if (params === undefined) return '';
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.append(k, String(v));
  const text = search.toString();
  if (text === '') return '';
  return `${path.includes('?') ? '&' : '?'}${text}`;
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A one-line digest of an upstream error body, for the message. */
function summariseBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  if (typeof body === 'string') return body.replace(/\s+/g, ' ').slice(0, 300);
  return JSON.stringify(body).slice(0, 300);
}
