/**
 * Console sessions, kept in the server's memory: a random 256-bit id (the cookie's value) maps to the
 * signed-in person, a CSRF token and an absolute expiry. Keys are the ids' SHA-256, so the map never
 * holds a cookie value. A restart ends every session (people sign in again).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Person } from './person.js';

export interface Session {
  person: Person;
  csrfToken: string;
  expiresAt: number;
}

const keyOf = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');
const randomToken = () => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  create(person: Person): { id: string; session: Session } {
    this.prune();
    const id = randomToken();
    const session: Session = { person, csrfToken: randomToken(), expiresAt: this.now() + this.ttlMs };
    this.sessions.set(keyOf(id), session);
    return { id, session };
  }

  /** The live session of this id, or null when unknown, ended or expired (an expired one is dropped). */
  find(id: string): Session | null {
    const key = keyOf(id);
    const session = this.sessions.get(key);
    if (session === undefined) return null;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return null;
    }
    return session;
  }

  end(id: string): void {
    this.sessions.delete(keyOf(id));
  }

  /** Whether `presented` is the session's CSRF token (constant time over equal-length digests). */
  static csrfMatches(session: Session, presented: string): boolean {
    const a = createHash('sha256').update(presented, 'utf8').digest();
    const b = createHash('sha256').update(session.csrfToken, 'utf8').digest();
    return timingSafeEqual(a, b);
  }

  get size(): number {
    return this.sessions.size;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
  }
}
