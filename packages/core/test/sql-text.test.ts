import { describe, expect, it } from 'vitest';
import { decodeSqlText, SqlTextEncodingError } from '../src/index.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const hex = (digits: string) => Uint8Array.from(Buffer.from(digits.replace(/\s+/g, ''), 'hex'));

// "-- 门店区域 𠀀\n" as a Chinese Windows editor saves it (GB18030; 𠀀 needs GB18030's four-byte form).
const gb18030Comment = hex('2d2d20 c3c5 b5ea c7f8 d3f2 20 95328236 0a');
// "COMMENT '会员备注';" in GBK/GB18030 (the two agree on these characters).
const gbkComment = hex('434f4d4d454e542027 bbe1 d4b1 b1b8 d7a2 273b');

describe('decodeSqlText', () => {
  it('decodes UTF-8 as UTF-8, Chinese included', () => {
    const sql = "ALTER TABLE store ADD COLUMN region VARCHAR(16) COMMENT '门店区域';";
    expect(decodeSqlText(utf8(sql))).toEqual({ text: sql, encoding: 'utf-8', bom: false });
  });

  it('strips a UTF-8 byte order mark and says it was there', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('SELECT 1; -- 备注')]);
    expect(decodeSqlText(bytes)).toEqual({ text: 'SELECT 1; -- 备注', encoding: 'utf-8', bom: true });
  });

  it('decodes GB18030 bytes of a Chinese comment with the default fallback', () => {
    expect(decodeSqlText(gb18030Comment)).toEqual({
      text: '-- 门店区域 𠀀\n',
      encoding: 'gb18030',
      bom: false,
    });
  });

  it('decodes GBK bytes with the default fallback and with a gbk fallback', () => {
    expect(decodeSqlText(gbkComment).text).toBe("COMMENT '会员备注';");
    expect(decodeSqlText(gbkComment, 'gbk')).toEqual({
      text: "COMMENT '会员备注';",
      encoding: 'gbk',
      bom: false,
    });
  });

  it('prefers UTF-8 whenever the bytes are valid UTF-8 (ASCII is both)', () => {
    expect(decodeSqlText(utf8('SELECT 1;'), 'gb18030').encoding).toBe('utf-8');
    expect(decodeSqlText(new Uint8Array())).toEqual({ text: '', encoding: 'utf-8', bom: false });
  });

  it('decodes UTF-16 only when it starts with its byte order mark', () => {
    const le = new Uint8Array([0xff, 0xfe, 0x2d, 0x00, 0x2d, 0x00, 0x20, 0x00, 0x07, 0x59, 0xe8, 0x6c]);
    expect(decodeSqlText(le)).toEqual({ text: '-- 备注', encoding: 'utf-16le', bom: true });
  });

  it('refuses bytes the fallback cannot decode either, saying where and what to do', () => {
    // 0xFF is not a byte of UTF-8 nor a lead byte of GB18030.
    const bytes = new Uint8Array([...utf8('SELECT 1;\n-- '), 0xff, 0xff]);
    let error: unknown;
    try {
      decodeSqlText(bytes);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SqlTextEncodingError);
    const e = error as SqlTextEncodingError;
    expect(e.code).toBe('INVALID_REQUEST_ITEM');
    expect(e.retryable).toBe(false);
    expect(e.fallback).toBe('gb18030');
    expect(e.message).toContain('not valid UTF-8');
    expect(e.message).toContain('not valid gb18030 either');
    expect(e.message).toContain('line 2, offset 13');
    expect(e.message).toContain('Save the file as UTF-8');
  });

  it('refuses a fallback that is no encoding, naming it', () => {
    expect(() => decodeSqlText(gbkComment, 'gb-nonsense')).toThrow(
      /the fallback encoding "gb-nonsense" is not an encoding name/,
    );
  });

  it('refuses a UTF-8 BOM followed by bytes that are not UTF-8 instead of guessing', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...gbkComment]);
    expect(() => decodeSqlText(bytes)).toThrow(SqlTextEncodingError);
  });
});
