/**
 * JWT tokens as djangorestframework-simplejwt issues them (HS256, `token_type`, `exp`, `jti`, `user_id`),
 * so a client that reads `exp` to refresh early works against the simulator as against Archery.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export type ArcheryTokenType = 'access' | 'refresh';

export interface ArcheryTokenClaims {
  token_type: ArcheryTokenType;
  exp: number;
  iat: number;
  jti: string;
  user_id: number;
}

export class ArcheryJwt {
  private readonly key = randomBytes(32);
  private readonly issued = new Map<string, ArcheryTokenType>();
  private readonly revoked = new Set<string>();

  issue(type: ArcheryTokenType, userId: number, ttlMs: number, nowMs: number): string {
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const claims: ArcheryTokenClaims = {
      token_type: type,
      // Fractional seconds keep very short sandbox TTLs meaningful; real tokens use whole seconds.
      exp: (nowMs + ttlMs) / 1000,
      iat: Math.floor(nowMs / 1000),
      jti: randomUUID().replace(/-/g, ''),
      user_id: userId,
    };
    this.issued.set(claims.jti, type);
    const payload = b64url(JSON.stringify(claims));
    return `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
  }

  /** Claims of a valid, unexpired token of `type`; null otherwise (bad signature, expired, wrong type). */
  verify(token: string, type: ArcheryTokenType, nowMs: number): ArcheryTokenClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let claims: ArcheryTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ArcheryTokenClaims;
    } catch {
      return null;
    }
    if (claims.token_type !== type || claims.exp * 1000 <= nowMs || this.revoked.has(claims.jti)) return null;
    return claims;
  }

  /** Invalidate every token of these types issued so far (as a blacklist or a SECRET_KEY change would). */
  revokeIssued(types: ArcheryTokenType[]): void {
    for (const [jti, type] of this.issued) if (types.includes(type)) this.revoked.add(jti);
  }

  private sign(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
