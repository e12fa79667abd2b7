/**
 * Archery's simplejwt session: log in once, refresh the access token before it expires (read from the JWT
 * `exp`), and after a 401 refresh once, then log in again once. Concurrent callers share one login or
 * refresh. Tokens and the password never leave this object except in the Authorization header.
 */
import type { HttpClient } from '../http/http-client.js';
import { isUpstreamError, UpstreamError } from '../http/upstream-error.js';
import type { ArcheryTokenPair } from './archery-wire.js';

export class ArcheryTokenSession {
  private access: string | null = null;
  private refresh: string | null = null;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly http: HttpClient,
    private readonly username: string,
    private readonly password: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The header for the next request ({} before the first login). */
  authorization(): Record<string, string> {
    return this.access ? { authorization: `Bearer ${this.access}` } : {};
  }

  currentAccess(): string | null {
    return this.access;
  }

  /** Make sure an access token that has not expired is held: log in or refresh when needed. */
  async ensure(): Promise<void> {
    if (this.access && !this.expiresSoon(this.access)) return;
    await this.single(async () => {
      if (this.access && !this.expiresSoon(this.access)) return;
      if (this.refresh && !this.expiresSoon(this.refresh)) {
        if (await this.tryRefresh()) return;
      }
      await this.login();
    });
  }

  /**
   * After a 401 for `rejected`: refresh once, and if the refresh token is refused too, log in once. When
   * another caller already replaced the token, nothing is done.
   */
  async recover(rejected: string | null): Promise<void> {
    await this.single(async () => {
      if (this.access !== null && this.access !== rejected) return;
      if (this.refresh && (await this.tryRefresh())) return;
      await this.login();
    });
  }

  private async single(fn: () => Promise<void>): Promise<void> {
    while (this.pending) await this.pending.catch(() => undefined);
    this.pending = fn().finally(() => {
      this.pending = null;
    });
    await this.pending;
  }

  private async login(): Promise<void> {
    this.access = null;
    this.refresh = null;
    try {
      const res = await this.http.request<ArcheryTokenPair>({
        method: 'POST',
        path: 'api/auth/token/',
        json: { username: this.username, password: this.password },
        idempotent: true, // issuing a token changes nothing upstream
      });
      if (typeof res.body?.access !== 'string' || typeof res.body?.refresh !== 'string') {
        throw new UpstreamError({
          upstream: 'archery',
          code: 'BAD_RESPONSE',
          status: res.status,
          message:
            'Archery answered the login without access/refresh tokens; check ARCHERY_BASE_URL points at Archery.',
        });
      }
      this.access = res.body.access;
      this.refresh = res.body.refresh;
    } catch (err) {
      throw this.redact(
        err,
        `Archery refused the login of user "${this.username}"; check ARCHERY_USER and ARCHERY_PASSWORD.`,
      );
    }
  }

  /** true when a new access token was obtained; false when the refresh token was refused. */
  private async tryRefresh(): Promise<boolean> {
    try {
      const res = await this.http.request<{ access: string }>({
        method: 'POST',
        path: 'api/auth/token/refresh/',
        json: { refresh: this.refresh },
        idempotent: true,
      });
      if (typeof res.body?.access !== 'string') return false;
      this.access = res.body.access;
      return true;
    } catch (err) {
      if (isUpstreamError(err) && err.code === 'UNAUTHORIZED') {
        this.refresh = null;
        return false;
      }
      throw this.redact(err);
    }
  }

  private expiresSoon(token: string): boolean {
    const claims = decodeClaims(token);
    if (!claims) return false; // opaque token: rely on the 401 path
    const lifetimeMs = Math.max(0, (claims.exp - (claims.iat ?? claims.exp)) * 1000);
    const margin = Math.min(5_000, lifetimeMs / 10);
    return claims.exp * 1000 - margin <= this.now();
  }

  /** Errors of the auth calls must not carry the password or tokens, whatever the upstream echoed. */
  private redact(err: unknown, unauthorizedMessage?: string): unknown {
    if (!isUpstreamError(err)) return err;
    const secrets = [this.password, this.access, this.refresh].filter(
      (s): s is string => !!s && s.length >= 4,
    );
    const clean = (text: string) => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);
    const message =
      err.code === 'UNAUTHORIZED' && unauthorizedMessage
        ? `${unauthorizedMessage} ${clean(err.message)}`
        : clean(err.message);
    let body: unknown = err.body;
    if (body !== undefined) {
      try {
        body = JSON.parse(clean(JSON.stringify(body)));
      } catch {
        body = undefined;
      }
    }
    return new UpstreamError({
      upstream: 'archery',
      code: err.code,
      status: err.status,
      body,
      retryable: err.retryable,
      message,
    });
  }
}

function decodeClaims(token: string): { exp: number; iat?: number } | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp?: unknown;
      iat?: unknown;
    };
    if (typeof claims.exp !== 'number') return null;
    return { exp: claims.exp, ...(typeof claims.iat === 'number' ? { iat: claims.iat } : {}) };
  } catch {
    return null;
  }
}
