/**
 * The text of a SQL file read from a SQL source (SVN, GitLab): UTF-8 with its BOM stripped, or — for the
 * files Chinese Windows editors write — a configured fallback encoding (GB18030 by default). Decided once
 * when the file is fetched, so the text stored with the release and its hash never change afterwards.
 */
import { CdflowError } from './cdflow-error.js';

// Core compiles without the DOM or Node libraries; TextDecoder is a WHATWG global in every runtime cdflow
// runs on (Node 20 ships it with full ICU, GB18030 and GBK included).
declare const TextDecoder: new (
  label?: string,
  options?: { fatal?: boolean; ignoreBOM?: boolean },
) => { readonly encoding: string; decode(input: Uint8Array): string };

export interface DecodedSqlText {
  text: string;
  /** `utf-8`, `utf-16le`/`utf-16be` (only with their BOM), or the fallback's WHATWG name (e.g. `gb18030`). */
  encoding: 'utf-8' | string;
  /** The file started with a byte order mark (removed from `text`). */
  bom: boolean;
}

/**
 * The bytes are neither UTF-8 nor valid in the fallback encoding, or the fallback is not an encoding.
 * Code `INVALID_REQUEST_ITEM` (not retryable): the SQL item's file must change first.
 */
export class SqlTextEncodingError extends CdflowError {
  declare readonly code: 'INVALID_REQUEST_ITEM';
  readonly fallback: string;

  constructor(fallback: string, detail: string) {
    super(
      'INVALID_REQUEST_ITEM',
      `The SQL file is not valid UTF-8 and ${detail}. Save the file as UTF-8 (or set the SQL source's ` +
        'fallback encoding to the one its editor writes, e.g. gb18030), commit it and send the release again.',
      { details: { fallback } },
    );
    this.name = 'SqlTextEncodingError';
    this.fallback = fallback;
  }
}

const utf8Bom = [0xef, 0xbb, 0xbf] as const;

/**
 * Decode a SQL file's bytes. A UTF-8 BOM is stripped; a UTF-16 BOM selects UTF-16 (Windows Notepad's
 * "Unicode"); otherwise UTF-8 when the bytes are valid UTF-8, else `fallback` (default `gb18030`, a
 * superset of GBK and GB2312). Throws `SqlTextEncodingError` when the fallback cannot decode them either:
 * a wrongly decoded statement must never reach a database.
 */
export function decodeSqlText(bytes: Uint8Array, fallback = 'gb18030'): DecodedSqlText {
  if (startsWith(bytes, utf8Bom)) {
    return { text: strictDecode('utf-8', bytes.subarray(3), 'utf-8'), encoding: 'utf-8', bom: true };
  }
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    return { text: strictDecode(encoding, bytes.subarray(2), encoding), encoding, bom: true };
  }
  try {
    return {
      text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes),
      encoding: 'utf-8',
      bom: false,
    };
  } catch {
    // Not UTF-8: the fallback decides.
  }
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(fallback, { fatal: true, ignoreBOM: true });
  } catch {
    throw new SqlTextEncodingError(fallback, `the fallback encoding "${fallback}" is not an encoding name`);
  }
  try {
    return { text: decoder.decode(bytes), encoding: decoder.encoding, bom: false };
  } catch {
    throw new SqlTextEncodingError(
      fallback,
      `not valid ${decoder.encoding} either (the fallback encoding)${firstBadByte(bytes)}`,
    );
  }
}

function strictDecode(encoding: string, bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new SqlTextEncodingError(name, `it starts with a ${name} byte order mark but is not valid ${name}`);
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** Where the bytes stop being UTF-8, so the author can find the character. */
function firstBadByte(bytes: Uint8Array): string {
  const offset = firstInvalidUtf8(bytes);
  if (offset < 0) return '';
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return ` (the first byte that is not UTF-8 is on line ${line}, offset ${offset})`;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (RFC 3629), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const continuation =
      lead >= 0xc2 && lead <= 0xdf
        ? 1
        : lead >= 0xe0 && lead <= 0xef
          ? 2
          : lead >= 0xf0 && lead <= 0xf4
            ? 3
            : 0;
    if (continuation === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k <= continuation; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += continuation + 1;
  }
  return -1;
}
