/**
 * Per-person API tokens from configuration (`people.tokens`), stored as SHA-256 hashes: the server never
 * holds a person's token, only its hash, and compares hashes in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PersonTokenSetting } from '../../config/server-config.js';
import type { Person } from './person.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class PersonTokenBook {
  private readonly entries: Array<{ hash: Buffer; person: Person }>;

  constructor(tokens: readonly PersonTokenSetting[]) {
    this.entries = tokens.map((t) => ({
      hash: Buffer.from(t.sha256, 'hex'),
      person: { name: t.name, displayName: t.name, groups: [...t.groups], via: 'person-token' },
    }));
  }

  /**
   * The person whose token this is, or null. Every entry is compared (no early exit), each with
   * `timingSafeEqual` over equal-length digests, so timing tells neither which entry nor how close.
   */
  find(presented: string): Person | null {
    const digest = sha256(presented);
    let found: Person | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(digest, entry.hash) && found === null) found = entry.person;
    }
    return found;
  }
}
