// STUN codec against the RFC 5769 test vectors (typed in from the RFC text), plus round
// trips and fast-check fuzzing: decoders either return a message or raise DecodeError.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { md5 } from '@noble/hashes/legacy.js';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { addr } from '../../../protocol/core/addr.ts';
import { decodeStun, encodeStun, findAttribute, verifyIntegrity } from '../../../protocol/punch/stun-codec.ts';
import {
  decodeAddressValue,
  decodeChangeRequest,
  decodeErrorCode,
  decodeXorAddressValue,
  encodeXorAddressValue,
  errorCodeAttribute,
  changeRequestAttribute,
  softwareAttribute,
  xorMappedAttribute,
  addressAttribute,
} from '../../../protocol/punch/stun-attributes.ts';
import { STUN_ATTR, STUN_METHOD } from '../../../protocol/punch/stun-types.ts';

const hex = (s: string): Uint8Array => Uint8Array.from((s.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

// RFC 5769 section 2 vectors, kept in test/vectors/rfc5769.json with their source.
const RFC5769 = JSON.parse(readFileSync(new URL('../../vectors/rfc5769.json', import.meta.url), 'utf8')) as { vectors: Record<string, string> };
const vector = (name: string): Uint8Array => hex(RFC5769.vectors[name]!);
const SAMPLE_REQUEST = vector('2.1 sample request');
const SAMPLE_IPV4_RESPONSE = vector('2.2 sample IPv4 response');
const SAMPLE_IPV6_RESPONSE = vector('2.3 sample IPv6 response');
const SAMPLE_LONG_TERM = vector('2.4 sample request with long-term authentication');

const SHORT_TERM_KEY = new TextEncoder().encode('VOkJxbRl1RmTxUk/WvJxBt');
const TID = hex('b7 e7 a7 01 bc 34 d6 86 fa 87 df ae');

describe('RFC 5769 test vectors', () => {
  it('2.1 sample request: attributes, MESSAGE-INTEGRITY and FINGERPRINT', () => {
    const m = decodeStun(SAMPLE_REQUEST);
    expect(m.method).toBe(STUN_METHOD.binding);
    expect(m.cls).toBe('request');
    expect(m.transactionId).toEqual(TID);
    expect(m.hasFingerprint).toBe(true);
    expect(text(findAttribute(m, STUN_ATTR.software))).toBe('STUN test client');
    expect(text(findAttribute(m, STUN_ATTR.username))).toBe('evtj:h6vY');
    expect(verifyIntegrity(m, SHORT_TERM_KEY, nobleCrypto)).toBe(true);
    expect(verifyIntegrity(m, new TextEncoder().encode('wrong'), nobleCrypto)).toBe(false);
  });

  it('2.2 IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853 both ways', () => {
    const m = decodeStun(SAMPLE_IPV4_RESPONSE);
    expect(m.cls).toBe('success');
    expect(text(findAttribute(m, STUN_ATTR.software))).toBe('test vector');
    const value = findAttribute(m, STUN_ATTR.xorMappedAddress)!;
    expect(decodeXorAddressValue(value, m.transactionId)).toEqual(addr('192.0.2.1', 32853));
    expect(encodeXorAddressValue(addr('192.0.2.1', 32853), TID)).toEqual(value);
    expect(verifyIntegrity(m, SHORT_TERM_KEY, nobleCrypto)).toBe(true);
  });

  it('2.3 IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853', () => {
    const m = decodeStun(SAMPLE_IPV6_RESPONSE);
    const mapped = addr('2001:db8:1234:5678:11:2233:4455:6677', 32853);
    const value = findAttribute(m, STUN_ATTR.xorMappedAddress)!;
    expect(decodeXorAddressValue(value, m.transactionId)).toEqual(mapped);
    expect(encodeXorAddressValue(mapped, TID)).toEqual(value);
    expect(verifyIntegrity(m, SHORT_TERM_KEY, nobleCrypto)).toBe(true);
  });

  it('2.4 long-term credentials: key = MD5(username:realm:password)', () => {
    const m = decodeStun(SAMPLE_LONG_TERM);
    expect(m.hasFingerprint).toBe(false);
    expect(text(findAttribute(m, STUN_ATTR.username))).toBe('\u30de\u30c8\u30ea\u30c3\u30af\u30b9');
    expect(text(findAttribute(m, STUN_ATTR.realm))).toBe('example.org');
    expect(text(findAttribute(m, STUN_ATTR.nonce))).toBe('f//499k954d6OL34oL9FSTvy64sA');
    const key = md5(new TextEncoder().encode('\u30de\u30c8\u30ea\u30c3\u30af\u30b9:example.org:TheMatrIX'));
    expect(verifyIntegrity(m, key, nobleCrypto)).toBe(true);
    // Re-encoding the same attributes with the same key reproduces the vector byte for byte.
    const again = encodeStun(
      { method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: m.attributes.filter((a) => a.type !== STUN_ATTR.messageIntegrity) },
      { integrity: { key, crypto: nobleCrypto } },
    );
    expect(again).toEqual(SAMPLE_LONG_TERM);
  });

  // The RFC pads with spaces (0x20) in 2.1-2.3 and with zeros in 2.4; RFC 8489 lets the sender
  // choose, so the encoder takes the padding byte and every vector is reproduced whole:
  // attributes, padding, MESSAGE-INTEGRITY and FINGERPRINT.
  const reencode = (vectorBytes: Uint8Array, key: Uint8Array, padding_byte: number): Uint8Array => {
    const m = decodeStun(vectorBytes);
    const body = m.attributes.filter((a) => a.type !== STUN_ATTR.messageIntegrity && a.type !== STUN_ATTR.fingerprint);
    return encodeStun({ method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: body }, { integrity: { key, crypto: nobleCrypto }, fingerprint: m.hasFingerprint, padding_byte });
  };
  for (const [name, bytes] of [['2.1', SAMPLE_REQUEST], ['2.2', SAMPLE_IPV4_RESPONSE], ['2.3', SAMPLE_IPV6_RESPONSE]] as const) {
    it(`re-encodes ${name} byte for byte, the whole message (${bytes.byteLength} bytes)`, () => {
      const again = reencode(bytes, SHORT_TERM_KEY, 0x20);
      expect(again.byteLength).toBe(bytes.byteLength);
      expect(again).toEqual(bytes);
    });
  }
  it('zero padding (our default) changes only the padding bytes and the two checksums', () => {
    const again = reencode(SAMPLE_IPV4_RESPONSE, SHORT_TERM_KEY, 0);
    const differing = [...again.keys()].filter((i) => again[i] !== SAMPLE_IPV4_RESPONSE[i]);
    expect(differing[0]).toBe(35); // SOFTWARE's one padding byte
    expect(differing.every((i) => i === 35 || i >= 52)).toBe(true); // then MESSAGE-INTEGRITY and FINGERPRINT values
    expect(decodeStun(again).hasFingerprint).toBe(true);
  });
});

describe('decode rejects bad framing with typed errors', () => {
  const good = encodeStun({ method: 1, cls: 'request', transactionId: TID, attributes: [softwareAttribute('abc')] }, { fingerprint: true });
  const reasonOf = (bytes: Uint8Array): string => {
    try {
      decodeStun(bytes);
      return 'ok';
    } catch (e) {
      if (e instanceof DecodeError) return e.reason;
      throw e;
    }
  };
  it('classifies each fault', () => {
    expect(reasonOf(good)).toBe('ok');
    expect(reasonOf(good.subarray(0, 19))).toBe('truncated');
    expect(reasonOf(good.subarray(0, good.length - 4))).toBe('truncated');
    expect(reasonOf(new Uint8Array([...good, 0, 0, 0, 0]))).toBe('trailing');
    const badCookie = good.slice();
    badCookie[4] ^= 1;
    expect(reasonOf(badCookie)).toBe('invalid');
    const badFingerprint = good.slice();
    badFingerprint[25] ^= 1;
    expect(reasonOf(badFingerprint)).toBe('invalid');
    expect(reasonOf(new Uint8Array(600))).toBe('oversize');
  });
  it('attribute codecs', () => {
    expect(decodeErrorCode(errorCodeAttribute(420, 'Unknown Attribute').value)).toEqual({ code: 420, reason: 'Unknown Attribute' });
    expect(decodeChangeRequest(changeRequestAttribute({ changeIp: true, changePort: false }).value)).toEqual({ changeIp: true, changePort: false });
    expect(decodeAddressValue(addressAttribute(1, addr('2001:db8::1', 9)).value)).toEqual(addr('2001:db8::1', 9));
    expect(() => decodeAddressValue(new Uint8Array([0, 3, 0, 1, 1, 2, 3, 4]))).toThrow(DecodeError);
  });
});

const arbAddr = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 65535 })),
  fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 65535 })),
);

describe('fuzz', () => {
  const decodeAll = (bytes: Uint8Array): void => {
    try {
      const m = decodeStun(bytes);
      verifyIntegrity(m, SHORT_TERM_KEY, nobleCrypto);
      for (const a of m.attributes) {
        for (const f of [() => decodeAddressValue(a.value), () => decodeXorAddressValue(a.value, m.transactionId), () => decodeErrorCode(a.value), () => decodeChangeRequest(a.value)]) {
          try {
            f();
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  };
  fcTest.prop([fc.uint8Array({ maxLength: 700 })], { numRuns: 3000 })('random bytes never throw anything but DecodeError', (bytes) => {
    decodeAll(bytes);
  });
  const vectors = [SAMPLE_REQUEST, SAMPLE_IPV4_RESPONSE, SAMPLE_IPV6_RESPONSE, SAMPLE_LONG_TERM];
  fcTest.prop(
    [fc.integer({ min: 0, max: 3 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(), fc.boolean()],
    { numRuns: 3000 },
  )('mutated vectors never throw anything but DecodeError', (which, flips, cut, truncate) => {
    const bytes = vectors[which]!.slice();
    for (const [at, value] of flips) bytes[at % bytes.length] = value;
    decodeAll(truncate ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes);
  });
  fcTest.prop([arbAddr, fc.uint8Array({ minLength: 12, maxLength: 12 })])('address round trips', ([ip, port], tid) => {
    const a = addr(ip.length === 4 ? Array.from(ip).join('.') : Array.from({ length: 8 }, (_, i) => ((ip[2 * i]! << 8) | ip[2 * i + 1]!).toString(16)).join(':'), port);
    const m = encodeStun({ method: 1, cls: 'success', transactionId: tid, attributes: [xorMappedAttribute(a, tid)] }, { fingerprint: true });
    const d = decodeStun(m);
    expect(decodeXorAddressValue(findAttribute(d, STUN_ATTR.xorMappedAddress)!, d.transactionId)).toEqual(a);
  });
});
