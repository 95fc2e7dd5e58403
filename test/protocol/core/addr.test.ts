// Addr: parsing, canonical formatting (RFC 5952), byte round-trips and ordering.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  AddrParseError,
  addr,
  addrEquals,
  canonicalIp,
  compareAddr,
  formatAddr,
  ipFromBytes,
  ipToBytes,
  parseAddr,
} from '../../../protocol/core/addr.ts';

describe('addr', () => {
  it('parses and formats IPv4 and IPv6', () => {
    expect(formatAddr(parseAddr('1.2.3.4:5678'))).toBe('1.2.3.4:5678');
    expect(formatAddr(parseAddr('[2001:DB8:0:0:0:0:0:1]:443'))).toBe('[2001:db8::1]:443');
    expect(parseAddr('[::1]:9').family).toBe(6);
  });

  it('canonicalises IPv6 per RFC 5952', () => {
    expect(canonicalIp('2001:0db8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // one zero group is not compressed
    expect(canonicalIp('0:0:0:0:0:0:0:0')).toBe('::');
    expect(canonicalIp('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
  });

  it('rejects malformed input with a typed error', () => {
    for (const bad of ['1.2.3:4', '1.2.3.4', '256.1.1.1:1', '01.2.3.4:5', '1.2.3.4:70000', '[::1:5', '1::2::3', 'x:1', '[::1]:']) {
      expect(() => parseAddr(bad), bad).toThrow(AddrParseError);
    }
  });

  it('orders IPv4 before IPv6, then by bytes, then port', () => {
    const list = [addr('::1', 1), addr('10.0.0.2', 1), addr('10.0.0.1', 9), addr('10.0.0.1', 2)];
    expect(list.sort(compareAddr).map(formatAddr)).toEqual(['10.0.0.1:2', '10.0.0.1:9', '10.0.0.2:1', '[::1]:1']);
  });

  test.prop([fc.ipV4(), fc.integer({ min: 0, max: 65535 })])('IPv4 text round-trips', (ip, port) => {
    const parsed = parseAddr(`${ip}:${port}`);
    expect(formatAddr(parsed)).toBe(`${ip}:${port}`);
    expect(ipFromBytes(ipToBytes(parsed.ip))).toBe(parsed.ip);
  });

  test.prop([fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 65535 })])(
    'IPv6 bytes round-trip through canonical text and parse back equal',
    (bytes, port) => {
      const text = ipFromBytes(bytes);
      expect(ipToBytes(text)).toEqual(bytes);
      const a = addr(text, port);
      expect(addrEquals(parseAddr(formatAddr(a)), a)).toBe(true);
    },
  );

  test.prop([fc.string({ maxLength: 60 })])('parseAddr never throws anything but AddrParseError', (text) => {
    try {
      parseAddr(text);
    } catch (error) {
      expect(error).toBeInstanceOf(AddrParseError);
    }
  });
});
