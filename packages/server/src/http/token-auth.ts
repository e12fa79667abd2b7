/** Token checks for the intake, read and operator endpoints. */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of a presented token with the expected one. Both are hashed first so the
 * compared buffers always have the same length and the comparison leaks neither content nor length.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  if (expected.length === 0) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or null when the header is absent or another scheme. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match ? match[1]! : null;
}

/**
 * The token a request presents in its `Authorization` header: `Bearer <token>`, or the token alone with
 * no scheme (`Authorization: <token>`), as the original release system sends it. Null when the header
 * is absent, empty, or another scheme (`Basic …`: a value with a space that is not a Bearer token).
 */
export function presentedToken(header: string | string[] | undefined): string | null {
  const bearer = bearerToken(header);
  if (bearer !== null) return bearer;
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '' || /\s/.test(value)) return null;
  return value;
}
