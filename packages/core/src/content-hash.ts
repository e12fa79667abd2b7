import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/**
 * SHA-256 hex of `text` with line endings normalised to "\n", so the same script checked out on
 * Windows and on Linux has the same hash (planning compares SQL and config content by this hash).
 */
export function contentHash(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n');
  return bytesToHex(sha256(utf8ToBytes(normalised)));
}
