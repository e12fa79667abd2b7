/**
 * One got instance per upstream: a timeout on every call, retries with back-off honouring Retry-After
 * for 429/5xx/network errors, POSTs retried only when the caller says it is safe, and every failure turned
 * into an `UpstreamError` whose message and body never carry a secret.
 */
import got, { type Got, HTTPError, type Method, type RequestError, type Response } from 'got';
import { UpstreamError, type UpstreamErrorCode, type UpstreamName } from './upstream-error.js';

export interface HttpClientOptions {
  upstream: UpstreamName;
  baseUrl: string;
  /** Per-attempt timeout of one HTTP request. Default 10 s. */
  timeoutMs?: number;
  /** Retries of a retryable failure (429, 5xx, timeout, network). Default 2. */
  retries?: number;
  /** Longest Retry-After honoured before giving up (ms). Default 60 s. */
  maxRetryAfterMs?: number;
  /** Headers sent on every request (e.g. auth). Their values are treated as secrets. */
  headers?: () => Record<string, string>;
  logger?: AdapterLogger;
}

export interface AdapterLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export interface RequestOptions {
  method: Method;
  /** Path relative to the base URL (no leading slash needed). */
  path: string;
  searchParams?: Record<string, string | number | boolean | undefined>;
  /** A JSON body; allowed on GET too (the original program's CMDB reads a JSON body on a GET). */
  json?: unknown;
  headers?: Record<string, string>;
  /** A POST/PUT is retried only when repeating it cannot duplicate anything upstream. */
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

const retryStatuses = [408, 429, 500, 502, 503, 504];
const retryErrorCodes = [
  'ETIMEDOUT',
  'ECONNRESET',
  'EADDRINUSE',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'ENETUNREACH',
  'EAI_AGAIN',
];

export class HttpClient {
  readonly upstream: UpstreamName;
  private readonly got: Got;
  private readonly secrets: () => string[];

  constructor(private readonly options: HttpClientOptions) {
    this.upstream = options.upstream;
    this.secrets = () => Object.values(options.headers?.() ?? {}).filter((v) => v.length >= 4);
    const prefixUrl = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
    this.got = got.extend({
      prefixUrl,
      timeout: { request: options.timeoutMs ?? 10_000 },
      throwHttpErrors: false,
      retry: {
        limit: options.retries ?? 2,
        methods: ['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS'],
        statusCodes: retryStatuses,
        errorCodes: retryErrorCodes,
        maxRetryAfter: options.maxRetryAfterMs ?? 60_000,
        backoffLimit: 10_000,
      },
      hooks: {
        beforeRequest: [
          (opts) => {
            const headers = options.headers?.() ?? {};
            for (const [k, v] of Object.entries(headers)) opts.headers[k] = v;
          },
        ],
        beforeRetry: [
          (error: RequestError, retryCount: number) => {
            options.logger?.warn(
              {
                upstream: this.upstream,
                retry: retryCount,
                code: error.code,
                status: error.response?.statusCode,
              },
              `retrying ${this.upstream} request`,
            );
          },
        ],
      },
    });
  }

  /** Perform a request; a non-2xx answer throws `UpstreamError` with the upstream's body. */
  request(req: RequestOptions & { responseType: 'buffer' }): Promise<HttpResponse<Buffer>>;
  request(req: RequestOptions & { responseType: 'text' }): Promise<HttpResponse<string>>;
  request<T>(req: RequestOptions): Promise<HttpResponse<T>>;
  async request<T>(req: RequestOptions): Promise<HttpResponse<T | string | Buffer>> {
    const path = req.path.replace(/^\//, '');
    const method = req.method.toUpperCase();
    const retryLimit = req.idempotent === false ? 0 : undefined;
    let res: Response<Buffer>;
    try {
      res = (await this.got(path, {
        method: req.method,
        ...(req.json === undefined ? {} : { json: req.json }),
        ...(req.json !== undefined && method === 'GET' ? { allowGetBody: true } : {}),
        ...(req.searchParams ? { searchParams: cleanParams(req.searchParams) } : {}),
        ...(req.headers ? { headers: req.headers } : {}),
        ...(req.idempotent && (method === 'POST' || method === 'PATCH')
          ? { retry: { methods: ['POST', 'PATCH', 'GET', 'PUT', 'DELETE'] } }
          : {}),
        ...(retryLimit === 0 ? { retry: { limit: 0 } } : {}),
        responseType: 'buffer',
      })) as Response<Buffer>;
    } catch (err) {
      throw this.toUpstreamError(err, method, path);
    }
    const status = res.statusCode;
    const ok = status >= 200 && status < 300;
    if (ok && req.responseType === 'buffer') return { status, body: res.body, headers: res.headers };
    const text = res.body.toString('utf8');
    if (ok && req.responseType === 'text') return { status, body: text, headers: res.headers };
    const parsed = parseBody(text);
    if (ok) {
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
      return { status, body: (parsed ?? null) as T, headers: res.headers };
    }
    throw this.httpError(
      status,
      parsed ?? text.slice(0, 2048),
      method,
      path,
      retryAfterMs(res.headers['retry-after']),
    );
  }

  private httpError(
    status: number,
    body: unknown,
    method: string,
    path: string,
    retryAfter?: number,
  ): UpstreamError {
    const code: UpstreamErrorCode =
      status === 401
        ? 'UNAUTHORIZED'
        : status === 403
          ? 'FORBIDDEN'
          : status === 404
            ? 'NOT_FOUND'
            : status === 409
              ? 'CONFLICT'
              : status === 429
                ? 'RATE_LIMITED'
                : status >= 500
                  ? 'UPSTREAM_UNAVAILABLE'
                  : 'VALIDATION';
    const detail = summariseBody(body);
    const hint = hints[code];
    return new UpstreamError({
      upstream: this.upstream,
      code,
      status,
      body: this.scrubValue(body),
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
      message: this.scrub(
        `${this.upstream} refused ${method} /${path} with ${status}${detail ? `: ${detail}` : ''}. ${hint}`,
      ),
    });
  }

  private toUpstreamError(err: unknown, method: string, path: string): UpstreamError {
    if (err instanceof UpstreamError) return err;
    if (err instanceof HTTPError)
      return this.httpError(err.response.statusCode, err.response.body, method, path);
    const e = err as RequestError;
    const timeout = e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT';
    return new UpstreamError({
      upstream: this.upstream,
      code: timeout ? 'TIMEOUT' : 'NETWORK',
      message: this.scrub(
        timeout
          ? `${this.upstream} did not answer ${method} /${path} in time (${this.options.timeoutMs ?? 10_000} ms per attempt). Check that ${this.options.baseUrl} is up.`
          : `${this.upstream} could not be reached for ${method} /${path} (${e?.code ?? e?.message ?? 'network error'}). Check ${this.options.baseUrl} and the network.`,
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
}

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

function cleanParams(params: Record<string, string | number | boolean | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = String(v);
  return out;
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
