// The DNS codec: round trips of every record kind, a published packet decoded byte for byte,
// compression pointers (backwards only: a loop or forward pointer is a typed DecodeError), and
// a fuzz property: any bytes decode or raise DecodeError, never anything else.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { fromHex, utf8 } from '../../../protocol/core/bytes.ts';
import { DecodeError } from '../../../protocol/core/decode-error.ts';
import { decodeDns, encodeDns, nameEquals, recordKey, TYPE, type DnsMessage, type DnsRecord, type Name } from '../../../protocol/discovery/dns-wire.ts';

const label = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => utf8(s).byteLength <= 63);
const name: fc.Arbitrary<Name> = fc.array(label, { minLength: 1, maxLength: 4 });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const record: fc.Arbitrary<DnsRecord> = fc.record({
  name,
  cacheFlush: fc.boolean(),
  ttl_s: fc.nat(0x7fffffff),
  data: fc.oneof(
    ipv4.map((ip) => ({ type: 'A' as const, ip })),
    fc.constant({ type: 'AAAA' as const, ip: 'fe80::1' }),
    name.map((n) => ({ type: 'PTR' as const, name: n })),
    fc.record({ priority: fc.nat(65535), weight: fc.nat(65535), port: fc.nat(65535), target: name }).map((s) => ({ type: 'SRV' as const, ...s })),
    fc.array(fc.uint8Array({ maxLength: 255 }), { minLength: 1, maxLength: 4 }).map((strings) => ({ type: 'TXT' as const, strings })),
  ),
});
const message: fc.Arbitrary<DnsMessage> = fc.record({
  id: fc.nat(65535),
  response: fc.boolean(),
  authoritative: fc.boolean(),
  truncated: fc.boolean(),
  questions: fc.array(fc.record({ name, qtype: fc.constantFrom(1, 12, 16, 28, 33, 255), unicastResponse: fc.boolean() }), { maxLength: 3 }),
  answers: fc.array(record, { maxLength: 4 }),
  authorities: fc.array(record, { maxLength: 2 }),
  additionals: fc.array(record, { maxLength: 3 }),
});

/** Bytes from hex written in readable groups (white space ignored). */
function spacedHex(text: string): Uint8Array {
  return fromHex(text.replace(/\s+/g, ''));
}

describe('DNS codec', () => {
  fcTest.prop([message])('encode then decode gives the same message', (m) => {
    const decoded = decodeDns(encodeDns(m));
    expect(decoded.id).toBe(m.id);
    expect(decoded.response).toBe(m.response);
    expect(decoded.questions.map((q) => [q.name, q.qtype, q.unicastResponse])).toEqual(m.questions.map((q) => [q.name, q.qtype, q.unicastResponse]));
    for (const [got, want] of [[decoded.answers, m.answers], [decoded.authorities, m.authorities], [decoded.additionals, m.additionals]] as const) {
      expect(got.map(recordKey)).toEqual(want.map(recordKey));
      expect(got.map((r) => [r.ttl_s, r.cacheFlush])).toEqual(want.map((r) => [r.ttl_s, r.cacheFlush]));
    }
  });

  fcTest.prop([fc.uint8Array({ maxLength: 600 })])('fuzz: random bytes decode or raise DecodeError', (bytes) => {
    try {
      decodeDns(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
    }
  });

  fcTest.prop([message, fc.nat(), fc.nat(255)])('fuzz: a mutated valid message decodes or raises DecodeError', (m, at, value) => {
    const bytes = encodeDns(m);
    bytes[at % bytes.byteLength] = value;
    try {
      decodeDns(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
    }
  });

  it('decodes a compressed mDNS answer (PTR _http._tcp.local -> x._http._tcp.local, pointer to offset 12)', () => {
    // Header: id 0, flags 0x8400 (response, authoritative), 0 questions, 1 answer.
    // Answer: name _http._tcp.local at offset 12, PTR, class IN|flush bit clear, TTL 4500,
    // rdata = label "x" + pointer to offset 12 (C0 0C).
    const bytes = spacedHex(`
      0000 8400 0000 0001 0000 0000
      05 5f68747470 04 5f746370 05 6c6f63616c 00
      000c 0001 00001194 0004 01 78 c00c`);
    const m = decodeDns(bytes);
    expect(m.response).toBe(true);
    expect(m.answers).toHaveLength(1);
    const a = m.answers[0]!;
    expect(a.name).toEqual(['_http', '_tcp', 'local']);
    expect(a.ttl_s).toBe(4500);
    expect(a.data).toEqual({ type: 'PTR', name: ['x', '_http', '_tcp', 'local'] });
  });

  it('refuses a pointer loop and a forward pointer with a typed error', () => {
    const loop = spacedHex('0000 8400 0000 0001 0000 0000 c00c 000c 0001 00000078 0000');
    expect(() => decodeDns(loop)).toThrow(DecodeError);
    const forward = spacedHex('0000 8400 0000 0001 0000 0000 c00e 000c 0001 00000078 0000 00');
    expect(() => decodeDns(forward)).toThrow(/does not point backwards/);
  });

  it('refuses counts the message cannot hold before reading any record', () => {
    const bytes = spacedHex('0000 8400 0000 00ff 0000 0000 00');
    expect(() => decodeDns(bytes)).toThrow(DecodeError);
  });

  it('names compare case-insensitively and keep dots inside a label', () => {
    expect(nameEquals(['My.Peer', '_peerlab', '_udp', 'local'], ['my.peer', '_PEERLAB', '_udp', 'LOCAL'])).toBe(true);
    expect(nameEquals(['my.peer', 'local'], ['my', 'peer', 'local'])).toBe(false);
    const m = decodeDns(encodeDns({ id: 1, response: true, authoritative: true, truncated: false, questions: [], answers: [{ name: ['a.b c', 'local'], cacheFlush: true, ttl_s: 1, data: { type: 'A', ip: '10.0.0.1' } }], authorities: [], additionals: [] }));
    expect(m.answers[0]!.name).toEqual(['a.b c', 'local']);
    expect(TYPE.SRV).toBe(33);
  });
});
