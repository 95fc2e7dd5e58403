// The shared byte helpers: equality (including the length check), concatenation, hex both
// ways and UTF-8 (encode, lenient and strict decode, truncation on a character boundary),
// checked against node's Buffer as an independent oracle.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { concatBytes, equalBytes, fromHex, fromUtf8, fromUtf8Strict, hex, HexParseError, truncateUtf8, utf8, utf8Into } from '../../../protocol/core/bytes.ts';

describe('bytes', () => {
  it('equalBytes compares content and length', () => {
    expect(equalBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('hex and fromHex are inverse and lower-case', () => {
    expect(hex(Uint8Array.of(0, 15, 16, 255))).toBe('000f10ff');
    expect([...fromHex('000F10ff')]).toEqual([0, 15, 16, 255]);
    expect(() => fromHex('abc')).toThrow(HexParseError);
    expect(() => fromHex('zz')).toThrow(HexParseError);
  });

  test.prop([fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 })])('concatBytes and hex agree with Buffer', (parts) => {
    const joined = concatBytes(...parts);
    const oracle = Buffer.concat(parts.map((p) => Buffer.from(p)));
    expect(equalBytes(joined, oracle)).toBe(true);
    expect(hex(joined)).toBe(oracle.toString('hex'));
    expect(equalBytes(fromHex(hex(joined)), joined)).toBe(true);
  });

  test.prop([fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 })])('equalBytes agrees with Buffer.equals', (a, b) => {
    expect(equalBytes(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
  });

  it('fromUtf8 replaces malformed bytes; fromUtf8Strict refuses them', () => {
    const bad = Uint8Array.of(0x61, 0xff, 0x62, 0xe2, 0x82); // 'a', a stray byte, 'b', a cut-off '€'
    expect(fromUtf8(bad)).toBe('a\uFFFDb\uFFFD');
    expect(fromUtf8Strict(bad)).toBeUndefined();
    expect(fromUtf8Strict(Uint8Array.of(0xc0, 0x80))).toBeUndefined(); // overlong NUL
    expect(fromUtf8Strict(Uint8Array.of(0xed, 0xa0, 0x80))).toBeUndefined(); // an encoded surrogate
    expect(fromUtf8Strict(utf8('h€llo 𝄞'))).toBe('h€llo 𝄞');
    expect(fromUtf8(new Uint8Array(0))).toBe('');
    expect(fromUtf8Strict(new Uint8Array(0))).toBe('');
    // Both drop one leading byte-order mark, as TextDecoder does by default (the call sites
    // these helpers replaced relied on that default).
    expect(fromUtf8(utf8('\uFEFFa\uFEFF'))).toBe('a\uFEFF');
    expect(fromUtf8Strict(utf8('\uFEFFa'))).toBe('a');
  });

  test.prop([fc.uint8Array({ maxLength: 48 })])('fromUtf8Strict accepts exactly the bytes Buffer decodes losslessly', (bytes) => {
    const text = Buffer.from(bytes).toString('utf8');
    const wellFormed = Buffer.from(text, 'utf8').equals(Buffer.from(bytes));
    const expected = text.startsWith('\uFEFF') ? text.slice(1) : text;
    expect(fromUtf8Strict(bytes)).toBe(wellFormed ? expected : undefined);
    if (wellFormed) expect(fromUtf8(bytes)).toBe(expected);
    else expect(fromUtf8(bytes)).toContain('\uFFFD');
  });

  test.prop([fc.string({ unit: 'binary', maxLength: 40 })])('utf8 agrees with Buffer and round-trips', (text) => {
    expect(equalBytes(utf8(text), Buffer.from(text, 'utf8'))).toBe(true);
    if (!text.startsWith('\uFEFF')) expect(fromUtf8Strict(utf8(text))).toBe(text);
  });

  it('utf8Into fills a caller\'s buffer and stops at the last whole character that fits', () => {
    const target = new Uint8Array(6).fill(0xaa);
    expect(utf8Into('hé', target)).toBe(3);
    expect([...target.subarray(0, 4)]).toEqual([0x68, 0xc3, 0xa9, 0xaa]);
    expect(utf8Into('abcd€', target)).toBe(4); // '€' takes three bytes, two are left
    expect(utf8Into('', target)).toBe(0);
  });

  it('truncateUtf8 cuts between characters, never inside one', () => {
    expect(truncateUtf8('héllo', 10)).toBe('héllo');
    expect(truncateUtf8('héllo', 6)).toBe('héllo'); // exactly fits: é takes two bytes
    expect(truncateUtf8('héllo', 2)).toBe('h'); // é would straddle the limit
    expect(truncateUtf8('a𝄞b', 4)).toBe('a'); // 𝄞 takes four bytes (a surrogate pair)
    expect(truncateUtf8('a𝄞b', 5)).toBe('a𝄞');
    expect(truncateUtf8('a\uD800b', 4)).toBe('a\uD800'); // a lone surrogate is encoded as U+FFFD: 3 bytes
    expect(truncateUtf8('abc\uFFFD', 5)).toBe('abc'); // a real U+FFFD is a character like any other
    expect(truncateUtf8('abc\uFFFD', 6)).toBe('abc\uFFFD');
    expect(truncateUtf8('abc', 0)).toBe('');
  });

  // Code units, not just code points, so that lone surrogates are generated too.
  const anyUnits = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('\uD800', '\uDFFF', '\uFEFF', '\uFFFD')), maxLength: 24 });
  test.prop([anyUnits, fc.nat({ max: 80 })])('truncateUtf8 keeps the longest prefix that fits', (text, max_bytes) => {
    const cut = truncateUtf8(text, max_bytes);
    expect(text.startsWith(cut)).toBe(true);
    const used = Buffer.byteLength(cut, 'utf8');
    expect(used).toBeLessThanOrEqual(max_bytes);
    if (cut.length < text.length) {
      // The next code point would not have fitted.
      const next = String.fromCodePoint(text.codePointAt(cut.length)!);
      expect(used + Buffer.byteLength(next, 'utf8')).toBeGreaterThan(max_bytes);
    }
  });
});
