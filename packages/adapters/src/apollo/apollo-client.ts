/**
 * Apollo config center Open API client (docs/upstreams.md, "Apollo"): create-or-update an item, publish a
 * namespace release. Auth is the raw token in `Authorization` (no scheme).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApolloItem, ApolloPort, Env } from '@cdflow/core';
import { type AdapterLogger, HttpClient, type HttpObserver, UpstreamError } from '../http/index.js';

export interface ApolloClientOptions {
  /** The portal's base URL; `/openapi/v1` is appended unless already there. */
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  retries?: number;
  /** First pause before a publish is looked up and tried again (doubles each time). Default 1 s. */
  publishRetryDelayMs?: number;
  logger?: AdapterLogger;
  /** Told after every HTTP attempt (metrics). */
  observer?: HttpObserver;
}

export interface ApolloNamespaceRef {
  appId: string;
  cluster: string;
  namespace: string;
}

export interface ApolloReleaseInput {
  title: string;
  comment: string;
  releasedBy: string;
}

/** Apollo's OpenReleaseDTO, the fields cdflow reads. */
export interface ApolloRelease {
  id: number;
  name: string;
  comment: string | null;
  configurations: Record<string, string>;
}

export interface ApolloItemValue {
  key: string;
  value: string;
  comment: string | null;
  dataChangeLastModifiedBy: string | null;
}

const jsonUtf8 = { 'content-type': 'application/json;charset=UTF-8' };

export class ApolloClient implements ApolloPort {
  private readonly http: HttpClient;
  private readonly retries: number;
  private readonly publishRetryDelayMs: number;
  private readonly logger: AdapterLogger | undefined;

  constructor(options: ApolloClientOptions) {
    const root = options.baseUrl.replace(/\/+$/, '');
    this.retries = options.retries ?? 2;
    this.publishRetryDelayMs = options.publishRetryDelayMs ?? 1000;
    this.logger = options.logger;
    this.http = new HttpClient({
      upstream: 'apollo',
      baseUrl: root.endsWith('/openapi/v1') ? root : `${root}/openapi/v1`,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      retries: this.retries,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.observer === undefined ? {} : { observer: options.observer }),
      headers: () => ({ authorization: options.token }),
    });
  }

  /** Create the item or set its value (PUT …?createIfNotExists=true; a PUT is safe to repeat). */
  async upsertItem(env: Env, item: ApolloItem, operator: string, comment = 'cdflow'): Promise<void> {
    await this.http.request<unknown>({
      method: 'PUT',
      path: `${namespacePath(env, item)}/items/${encodeURIComponent(item.key)}`,
      searchParams: { createIfNotExists: true },
      headers: jsonUtf8,
      json: {
        key: item.key,
        value: item.value,
        comment,
        dataChangeLastModifiedBy: operator,
        dataChangeCreatedBy: operator,
      },
      allowEmpty: true,
    });
  }

  /** The item's current (unpublished or published) value; null when the key does not exist. */
  async getItem(env: Env, target: ApolloNamespaceRef, key: string): Promise<ApolloItemValue | null> {
    try {
      const res = await this.http.request<unknown>({
        method: 'GET',
        path: `${namespacePath(env, target)}/items/${encodeURIComponent(key)}`,
      });
      const body = res.body;
      if (!isRecord(body) || typeof body.key !== 'string' || typeof body.value !== 'string') {
        throw badResponse(`GET …/items/${key}`, body);
      }
      return {
        key: body.key,
        value: body.value,
        comment: typeof body.comment === 'string' ? body.comment : null,
        dataChangeLastModifiedBy:
          typeof body.dataChangeLastModifiedBy === 'string' ? body.dataChangeLastModifiedBy : null,
      };
    } catch (err) {
      if (err instanceof UpstreamError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  /** The namespace's latest active release; null when it was never released. */
  async latestRelease(env: Env, target: ApolloNamespaceRef): Promise<ApolloRelease | null> {
    const res = await this.http.request<unknown>({
      method: 'GET',
      path: `${namespacePath(env, target)}/releases/latest`,
      allowEmpty: true,
    });
    if (res.body === null || res.body === undefined) return null;
    return parseRelease(res.body, 'GET …/releases/latest');
  }

  /** The namespace's current items (key → value), published or not; comment and blank lines left out. */
  async namespaceItems(env: Env, target: ApolloNamespaceRef): Promise<Record<string, string>> {
    const res = await this.http.request<unknown>({ method: 'GET', path: namespacePath(env, target) });
    const body = res.body;
    if (!isRecord(body) || !Array.isArray(body.items)) throw badResponse('GET …/namespaces/{ns}', body);
    const items: Record<string, string> = {};
    for (const item of body.items) {
      if (
        isRecord(item) &&
        typeof item.key === 'string' &&
        item.key !== '' &&
        typeof item.value === 'string'
      ) {
        items[item.key] = item.value;
      }
    }
    return items;
  }

  /**
   * Publish the namespace. A POST creates a release each time, so it is never blindly repeated: when the
   * latest release already holds exactly the namespace's current items, that release is the answer (so a
   * retried effect, a restart, or a POST that was applied but not answered never publishes twice).
   */
  async publish(
    env: Env,
    target: ApolloNamespaceRef,
    release: ApolloReleaseInput,
  ): Promise<{ releaseId: number; release: ApolloRelease }> {
    const already = await this.publishedAlready(env, target);
    if (already) return { releaseId: already.id, release: already };
    let delay = this.publishRetryDelayMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.http.request<unknown>({
          method: 'POST',
          path: `${namespacePath(env, target)}/releases`,
          headers: jsonUtf8,
          json: {
            releaseTitle: release.title,
            releaseComment: release.comment,
            releasedBy: release.releasedBy,
          },
          idempotent: false,
        });
        const created = parseRelease(res.body, 'POST …/releases');
        return { releaseId: created.id, release: created };
      } catch (err) {
        if (!(err instanceof UpstreamError) || !err.retryable || attempt >= this.retries) throw err;
        this.logger?.warn(
          { upstream: 'apollo', code: err.code, status: err.status, attempt: attempt + 1 },
          'apollo publish failed; checking whether it was applied before trying again',
        );
        // Honour the upstream's Retry-After when it sent one (429/503), else back off.
        await sleep(Math.max(delay, err.retryAfterMs ?? 0));
        delay *= 2;
        const latest = await this.publishedAlready(env, target);
        if (latest) return { releaseId: latest.id, release: latest };
      }
    }
  }

  /** The latest release when it holds exactly the namespace's current items (nothing left to publish). */
  private async publishedAlready(env: Env, target: ApolloNamespaceRef): Promise<ApolloRelease | null> {
    const [latest, items] = await Promise.all([
      this.latestRelease(env, target),
      this.namespaceItems(env, target),
    ]);
    if (latest === null) return null;
    return sameEntries(latest.configurations, items) ? latest : null;
  }
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

function namespacePath(env: Env, target: ApolloNamespaceRef): string {
  return [
    'envs',
    encodeURIComponent(env),
    'apps',
    encodeURIComponent(target.appId),
    'clusters',
    encodeURIComponent(target.cluster || 'default'),
    'namespaces',
    encodeURIComponent(target.namespace),
  ].join('/');
}

function parseRelease(body: unknown, call: string): ApolloRelease {
  if (!isRecord(body) || typeof body.id !== 'number' || typeof body.name !== 'string') {
    throw badResponse(call, body);
  }
  const configurations: Record<string, string> = {};
  if (isRecord(body.configurations)) {
    for (const [k, v] of Object.entries(body.configurations))
      if (typeof v === 'string') configurations[k] = v;
  }
  return {
    id: body.id,
    name: body.name,
    comment: typeof body.comment === 'string' ? body.comment : null,
    configurations,
  };
}

function badResponse(call: string, body: unknown): UpstreamError {
  return new UpstreamError({
    upstream: 'apollo',
    code: 'BAD_RESPONSE',
    // Item values and release configurations may hold secrets of the configured application: not kept.
    message: `apollo answered ${call} with a body that is not the Open API's shape (${describe(body)}); check APOLLO_BASE_URL points at the portal.`,
  });
}

function describe(body: unknown): string {
  if (body === null) return 'null';
  if (Array.isArray(body)) return 'an array';
  if (isRecord(body)) return `an object with keys ${Object.keys(body).slice(0, 8).join(', ') || '(none)'}`;
  return typeof body;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
