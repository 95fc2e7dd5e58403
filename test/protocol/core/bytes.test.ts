// The shared byte helpers: equality (including the length check), concatenation, and hex
// both ways, checked against node's Buffer as an independent oracle.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { concatBytes, equalBytes, fromHex, hex, HexParseError } from '../../../protocol/core/bytes.ts';

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
});
