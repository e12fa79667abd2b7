import { scanSync } from 'libpg-query';

export interface SqlToken {
  start: number;
  end: number;
  text: string;
  tokenName: string;
}

/**
 * SQL text with byte-offset → line mapping. PostgreSQL reports locations as byte offsets into the UTF-8
 * text, so lines are counted over the encoded bytes, not over JavaScript characters.
 */
export class SqlText {
  /** UTF-8 length of the text. */
  readonly byteLength: number;
  private readonly newlines: number[] = [];
  /** charIndexAt[byteOffset] for every code point start (PostgreSQL counts bytes, JavaScript UTF-16 units). */
  private readonly charIndexAt = new Map<number, number>();
  private tokensCache: SqlToken[] | null = null;

  constructor(
    readonly text: string,
    /** Line of the file on which `text` starts. */
    readonly firstLine: number,
  ) {
    let byte = 0;
    let index = 0;
    for (const ch of text) {
      this.charIndexAt.set(byte, index);
      if (ch === '\n') this.newlines.push(byte);
      const code = ch.codePointAt(0) ?? 0;
      byte += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      index += ch.length;
    }
    this.charIndexAt.set(byte, index);
    this.byteLength = byte;
  }

  /** File line of a byte offset into the text. */
  lineAt(offset: number): number {
    let low = 0;
    let high = this.newlines.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.newlines[mid] ?? 0) < offset) low = mid + 1;
      else high = mid;
    }
    return this.firstLine + low;
  }

  slice(start: number, end: number): string {
    return this.text.slice(this.charIndexAt.get(start) ?? 0, this.charIndexAt.get(end) ?? this.text.length);
  }

  /** Tokens of the PostgreSQL scanner (comments included), or null when the scanner refuses the text. */
  tokens(): SqlToken[] | null {
    if (this.tokensCache) return this.tokensCache;
    try {
      this.tokensCache = scanSync(this.text).tokens.map((t) => ({
        start: t.start,
        end: t.end,
        text: t.text,
        tokenName: t.tokenName,
      }));
      return this.tokensCache;
    } catch {
      return null;
    }
  }

  /** The Liquibase `--changeset author:id` comment in force at a byte offset (formatted SQL changelogs). */
  changeSetAt(offset: number): string | undefined {
    let found: string | undefined;
    for (const token of this.tokens() ?? []) {
      if (token.start >= offset) break;
      if (token.tokenName !== 'SQL_COMMENT') continue;
      const body = token.text.slice(2).trim();
      if (body.startsWith('changeset ')) found = body.slice('changeset '.length).trim().split(' ')[0];
    }
    return found;
  }

  /** Whether the text is a Liquibase formatted SQL changelog (first comment `--liquibase formatted sql`). */
  isLiquibaseFormatted(): boolean {
    const first = this.tokens()?.[0];
    return (
      first !== undefined &&
      first.tokenName === 'SQL_COMMENT' &&
      first.text.slice(2).trim().toLowerCase().startsWith('liquibase formatted sql')
    );
  }

  /** Statements as byte ranges, split on `;` tokens of the scanner (comments are not statements). */
  statementRanges(): Array<{ start: number; end: number }> | null {
    const tokens = this.tokens();
    if (!tokens) return null;
    const ranges: Array<{ start: number; end: number }> = [];
    let start: number | null = null;
    let end = 0;
    for (const token of tokens) {
      if (token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT') continue;
      if (token.text === ';') {
        if (start !== null) ranges.push({ start, end });
        start = null;
        continue;
      }
      if (start === null) start = token.start;
      end = token.end;
    }
    if (start !== null) ranges.push({ start, end });
    return ranges;
  }
}
