// STUN codec against the RFC 5769 test vectors (typed in from the RFC text), plus round
// trips and fast-check fuzzing: decoders either return a message or raise DecodeError.
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

// RFC 5769 section 2.1, Sample Request (short-term password "VOkJxbRl1RmTxUk/WvJxBt").
const SAMPLE_REQUEST = hex(`
  00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
  00 24 00 04 6e 00 01 ff
  80 29 00 08 93 2f f9 b1 51 26 3b 36
  00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
  00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
  80 28 00 04 e5 7a 3b cf`);
// Section 2.2, Sample IPv4 Response: 192.0.2.1:32853.
const SAMPLE_IPV4_RESPONSE = hex(`
  01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 08 00 01 a1 47 e1 12 a6 43
  00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
  80 28 00 04 c0 7d 4c 96`);
// Section 2.3, Sample IPv6 Response: [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const SAMPLE_IPV6_RESPONSE = hex(`
  01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
  80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
  00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
  00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
  80 28 00 04 c8 fb 0b 4c`);
// Section 2.4, Sample Request with Long-Term Authentication (no FINGERPRINT).
const SAMPLE_LONG_TERM = hex(`
  00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
  00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
  00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
  00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
  00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`);

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

  it('re-encodes 2.2 byte for byte (SOFTWARE padding aside) and its FINGERPRINT matches', () => {
    const m = decodeStun(SAMPLE_IPV4_RESPONSE);
    const again = encodeStun(
      { method: m.method, cls: m.cls, transactionId: m.transactionId, attributes: m.attributes.filter((a) => a.type === STUN_ATTR.xorMappedAddress || a.type === STUN_ATTR.software) },
      { integrity: { key: SHORT_TERM_KEY, crypto: nobleCrypto }, fingerprint: true },
    );
    // The RFC pads SOFTWARE with 0x20; we pad with zeros (RFC 8489 lets the sender choose),
    // so compare after restoring that one padding byte and recomputing nothing else.
    const patched = again.slice();
    patched[35] = 0x20;
    expect(decodeStun(again).hasFingerprint).toBe(true);
    expect(patched.subarray(0, 36)).toEqual(SAMPLE_IPV4_RESPONSE.subarray(0, 36));
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
