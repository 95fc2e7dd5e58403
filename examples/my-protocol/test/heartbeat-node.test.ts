// The heartbeat machine driven by hand, wrapped in peerlab's contract checker (checked()):
// the wire format round-trips and rejects anything else, a stranger or a forged id changes
// nothing, bad input is a counted drop (never a throw), and the deadline rules hold.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { addr, checked, classifyDatagram } from 'peerlab/core';
import { HeartbeatNode } from '../src/heartbeat-node.ts';
import { decodeHeartbeat, encodeHeartbeat, HEARTBEAT_BYTES } from '../src/wire.ts';

const A = addr('198.51.100.1', 7000);
const B = addr('198.51.100.2', 7000);
const STRANGER = addr('203.0.113.66', 7000);

function nodeTwo() {
  return checked(new HeartbeatNode({ id: 2, peers: [{ id: 1, addr: A }], interval_ms: 100, timeout_ms: 350 }), 'n2');
}

function drain<E>(machine: { pollTransmit(): unknown; pollEvent(): E | undefined }): E[] {
  const events: E[] = [];
  while (machine.pollTransmit() !== undefined);
  for (let e = machine.pollEvent(); e !== undefined; e = machine.pollEvent()) events.push(e);
  return events;
}

describe('wire', () => {
  test.prop([fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff })])('round-trips every id pair', (from, leader) => {
    const bytes = encodeHeartbeat({ from, leader });
    expect(bytes.length).toBe(HEARTBEAT_BYTES);
    expect(decodeHeartbeat(bytes)).toEqual({ from, leader });
    expect(classifyDatagram(bytes)).toBe('unknown'); // no peerlab protocol claims its first byte
  });

  test.prop([fc.uint8Array({ maxLength: 64 })])('rejects anything that is not a heartbeat with a DecodeError', (bytes) => {
    fc.pre(bytes.length !== HEARTBEAT_BYTES || bytes[0] !== 0x48 || bytes[1] !== 0x42 || bytes[2] !== 1);
    expect(() => decodeHeartbeat(bytes)).toThrow(/decode/);
  });
});

describe('HeartbeatNode', () => {
  test('follows the lower id while it beats, then itself once it falls silent', () => {
    const n2 = nodeTwo();
    n2.handleTimeout(0);
    expect(drain(n2)).toEqual([]);
    n2.handleDatagram(10, A, encodeHeartbeat({ from: 1, leader: 1 }), B);
    expect(drain(n2)).toEqual([{ type: 'peer-up', id: 1 }, { type: 'leader', leader: 1 }]);
    expect(n2.pollTimeout()).toBe(100); // the next beat, before the peer's 360 ms deadline
    n2.handleTimeout(100);
    drain(n2);
    expect(n2.pollTimeout()).toBe(200);
    for (const t of [200, 300]) {
      n2.handleTimeout(t);
      drain(n2);
    }
    expect(n2.pollTimeout()).toBe(360); // the peer's deadline is the very number compared
    n2.handleTimeout(360);
    expect(drain(n2)).toEqual([{ type: 'peer-down', id: 1 }, { type: 'leader', leader: 2 }]);
    expect(n2.pollTimeout()).toBe(400);
  });

  test('a stranger and a forged id change nothing and are counted', () => {
    const inner = new HeartbeatNode({ id: 2, peers: [{ id: 1, addr: A }] });
    const n2 = checked(inner, 'n2');
    n2.handleDatagram(5, STRANGER, encodeHeartbeat({ from: 1, leader: 1 }), B);
    n2.handleDatagram(6, A, encodeHeartbeat({ from: 0, leader: 0 }), B);
    expect(drain(n2)).toEqual([]);
    expect(inner.leader).toBe(2);
    expect(inner.drops).toMatchObject({ stranger: 1, 'id-mismatch': 1 });
  });

  test.prop([fc.array(fc.tuple(fc.nat(50), fc.uint8Array({ maxLength: 32 })), { maxLength: 50 })])('never throws on garbage and keeps the deadline rule', (datagrams) => {
    const n2 = nodeTwo();
    let now = 0;
    for (const [step, bytes] of datagrams) {
      now += step;
      n2.handleDatagram(now, A, bytes, B);
      drain(n2);
      const due = n2.pollTimeout();
      if (due !== undefined && due <= now) {
        n2.handleTimeout(now); // the checker throws if the machine is still due after this
        drain(n2);
        n2.pollTimeout();
      }
    }
  });
});
