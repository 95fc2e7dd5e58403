// The STUN server machine driven by hand: Binding answers, RFC 5780 CHANGE-REQUEST from the
// other addresses, error responses, and fuzzing (random and mutated datagrams never throw,
// every bad one is counted).
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import type { Transmit } from '../../../protocol/core/machine.ts';
import { StunServer } from '../../../protocol/punch/stun-server.ts';
import { decodeStun, encodeStun, findAttribute } from '../../../protocol/punch/stun-codec.ts';
import { changeRequestAttribute, decodeAddressValue, decodeErrorCode, decodeXorAddressValue } from '../../../protocol/punch/stun-attributes.ts';
import { STUN_ATTR, type StunAttribute } from '../../../protocol/punch/stun-types.ts';

const PRIMARY = addr('198.51.100.7', 3478);
const ALTERNATE = addr('198.51.100.8', 3479);
const CLIENT = addr('203.0.113.5', 40000);
const TID = new Uint8Array(12).fill(7);

function request(attributes: StunAttribute[] = [], method = 1): Uint8Array {
  return encodeStun({ method, cls: 'request', transactionId: TID, attributes }, { fingerprint: true });
}

function drain(server: StunServer): Transmit[] {
  const out: Transmit[] = [];
  for (let t = server.pollTransmit(); t; t = server.pollTransmit()) out.push(t);
  return out;
}

function ask(server: StunServer, data: Uint8Array, local: Addr = PRIMARY): Transmit {
  server.handleDatagram(0, CLIENT, data, local);
  const out = drain(server);
  expect(out).toHaveLength(1);
  return out[0]!;
}

describe('STUN server', () => {
  it('answers a Binding request with XOR-MAPPED-ADDRESS, RESPONSE-ORIGIN and OTHER-ADDRESS', () => {
    const server = new StunServer({ primary: PRIMARY, alternate: ALTERNATE });
    expect(server.addresses()).toHaveLength(4);
    const reply = ask(server, request());
    const m = decodeStun(reply.data);
    expect(m.cls).toBe('success');
    expect(m.transactionId).toEqual(TID);
    expect(decodeXorAddressValue(findAttribute(m, STUN_ATTR.xorMappedAddress)!, m.transactionId)).toEqual(CLIENT);
    expect(decodeAddressValue(findAttribute(m, STUN_ATTR.responseOrigin)!)).toEqual(PRIMARY);
    expect(decodeAddressValue(findAttribute(m, STUN_ATTR.otherAddress)!)).toEqual(ALTERNATE);
    expect(reply.remote).toEqual(CLIENT);
  });

  it('honours CHANGE-REQUEST by replying from the other IP and/or port', () => {
    const server = new StunServer({ primary: PRIMARY, alternate: ALTERNATE });
    const both = ask(server, request([changeRequestAttribute({ changeIp: true, changePort: true })]));
    expect(both.local).toEqual(ALTERNATE);
    const portOnly = ask(server, request([changeRequestAttribute({ changeIp: false, changePort: true })]));
    expect(portOnly.local).toEqual(addr(PRIMARY.ip, ALTERNATE.port));
    const ipOnly = ask(server, request([changeRequestAttribute({ changeIp: true, changePort: false })]));
    expect(ipOnly.local).toEqual(addr(ALTERNATE.ip, PRIMARY.port));
    // Received on the alternate address, "change both" goes back to the primary.
    const fromAlt = ask(server, request([changeRequestAttribute({ changeIp: true, changePort: true })]), ALTERNATE);
    expect(fromAlt.local).toEqual(PRIMARY);
    expect(decodeAddressValue(findAttribute(decodeStun(fromAlt.data), STUN_ATTR.responseOrigin)!)).toEqual(PRIMARY);
  });

  it('refuses CHANGE-REQUEST without an alternate address, unknown attributes and other methods', () => {
    const single = new StunServer({ primary: PRIMARY });
    const code = (t: Transmit): number => decodeErrorCode(findAttribute(decodeStun(t.data), STUN_ATTR.errorCode)!).code;
    expect(code(ask(single, request([changeRequestAttribute({ changeIp: true, changePort: false })])))).toBe(420);
    expect(code(ask(single, request([{ type: 0x0042, value: new Uint8Array(4) }])))).toBe(420);
    expect(code(ask(single, request([], 0x003)))).toBe(400);
    // Comprehension-optional unknown attributes are ignored.
    expect(decodeStun(ask(single, request([{ type: 0x8042, value: new Uint8Array(4) }])).data).cls).toBe('success');
  });

  it('drops and counts non-requests and malformed datagrams', () => {
    const server = new StunServer({ primary: PRIMARY });
    const success = encodeStun({ method: 1, cls: 'success', transactionId: TID, attributes: [] });
    server.handleDatagram(0, CLIENT, success, PRIMARY);
    server.handleDatagram(0, CLIENT, new Uint8Array([0xd0, 1, 2]), PRIMARY);
    const bad = request().slice();
    bad[bad.length - 1] ^= 0xff; // FINGERPRINT no longer matches
    server.handleDatagram(0, CLIENT, bad, PRIMARY);
    expect(drain(server)).toHaveLength(0);
    expect(server.counters).toMatchObject({ 'stun-unexpected-class': 1, 'not-stun': 1, 'stun-invalid': 1 });
    const events = [];
    for (let e = server.pollEvent(); e; e = server.pollEvent()) events.push(e);
    expect(events.map((e) => e.reason)).toEqual(['stun-unexpected-class', 'not-stun', 'stun-invalid']);
  });
});

describe('STUN server fuzz', () => {
  const valid = [request(), request([changeRequestAttribute({ changeIp: true, changePort: true })]), request([{ type: 0x0042, value: new Uint8Array(3) }])];
  fcTest.prop([fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 20 })], { numRuns: 300 })('random datagrams never throw and are all answered or counted', (datagrams) => {
    const server = new StunServer({ primary: PRIMARY, alternate: ALTERNATE, transmits_max: 8, events_max: 8 });
    for (const d of datagrams) server.handleDatagram(0, CLIENT, d, PRIMARY);
    expect(server.answered + server.drops.count).toBe(datagrams.length);
  });
  fcTest.prop([fc.integer({ min: 0, max: 2 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })], { numRuns: 1000 })(
    'mutated valid requests never throw',
    (which, flips) => {
      const server = new StunServer({ primary: PRIMARY, alternate: ALTERNATE });
      const bytes = valid[which]!.slice();
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      server.handleDatagram(0, CLIENT, bytes, PRIMARY);
      expect(server.answered + server.drops.count).toBe(1);
    },
  );
});
