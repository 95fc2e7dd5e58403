// Naive UDP hole punching between two NatBoxes, wired by hand (no simulator): each host learns
// its external endpoint from a STUN server, then both send to the peer's learned endpoint a
// few times. Which preset pairs connect is the NAT-traversal folklore the presets must
// reproduce (nat.md §1.3, §2): EIM pairs connect, symmetric needs more than naive punching,
// and a Linux router without an inbound firewall breaks when the peer's packet lands first.
import { describe, expect, it } from 'vitest';
import type { Addr } from '../../../protocol/core/addr.ts';
import type { NatBox } from '../../../runtime-sim/nat/nat-box.ts';
import type { NatPresetName } from '../../../runtime-sim/nat/presets.ts';
import { a, ext, makeBox } from './helpers.ts';

const STUN = a('198.51.100.1:3478');

interface Side {
  readonly box: NatBox;
  readonly host: Addr;
  /** What the STUN server saw: the endpoint the peer is told to punch to. */
  learned: Addr;
  /** Datagrams that reached the host from the peer's NAT. */
  received: number;
}

function side(preset: NatPresetName, externalIp: string, host: string, seed: number): Side {
  const box = makeBox(preset, { ips: [externalIp], seed });
  const s: Side = { box, host: a(host), learned: STUN, received: 0 };
  s.learned = ext(box.outbound(0, s.host, STUN));
  return s;
}

/** `from` sends one datagram to the endpoint `to` learned via STUN; true if it arrived. */
function send(now: number, from: Side, to: Side): boolean {
  const out = from.box.outbound(now, from.host, to.learned);
  if ('drop' in out) return false;
  const verdict = to.box.inbound(now, to.learned, out.external);
  if ('drop' in verdict) return false;
  expect(verdict.internal).toEqual(to.host);
  to.received++;
  return true;
}

/**
 * Three rounds of punching 20 ms apart. `first` says whose datagram lands first in each
 * round (network latency decides this in reality).
 */
function punch(presetA: NatPresetName, presetB: NatPresetName, first: 'a' | 'b'): boolean {
  const A = side(presetA, '203.0.113.10', '10.0.1.2:5000', 1);
  const B = side(presetB, '203.0.113.20', '10.0.2.2:5000', 2);
  for (let round = 0; round < 3; round++) {
    const now = 1000 + round * 20;
    if (first === 'a') {
      send(now, A, B);
      send(now + 1, B, A);
    } else {
      send(now, B, A);
      send(now + 1, A, B);
    }
  }
  return A.received > 0 && B.received > 0;
}

describe('naive hole punching between preset pairs', () => {
  const cases: Array<[NatPresetName, NatPresetName, 'a' | 'b', boolean]> = [
    ['full-cone', 'full-cone', 'a', true],
    ['restricted-cone', 'port-restricted-cone', 'b', true],
    ['port-restricted-cone', 'port-restricted-cone', 'a', true],
    ['cgnat', 'port-restricted-cone', 'b', true],
    ['open', 'symmetric', 'a', false], // the symmetric side punches from a fresh port
    ['symmetric', 'symmetric', 'a', false],
    ['symmetric-sequential', 'port-restricted-cone', 'b', false],
    // Linux: fine when our own packet leaves first or an inbound firewall stops state creation…
    ['linux-masquerade', 'port-restricted-cone', 'a', true],
    ['linux-masquerade-firewall', 'port-restricted-cone', 'b', true],
    ['linux-masquerade-firewall', 'linux-masquerade-firewall', 'a', true],
    // …broken when the peer's punch lands first and leaves a conntrack entry that clashes.
    ['linux-masquerade', 'port-restricted-cone', 'b', false],
    ['linux-masquerade', 'linux-masquerade', 'a', false],
    ['linux-masquerade', 'linux-masquerade', 'b', false],
  ];
  for (const [presetA, presetB, first, connects] of cases) {
    it(`${presetA} ↔ ${presetB}, ${first === 'a' ? 'A' : 'B'}'s packet first: ${connects ? 'connects' : 'fails'}`, () => {
      expect(punch(presetA, presetB, first)).toBe(connects);
    });
  }

  it('the Linux failure is the clash: A answers from a second port the peer filters', () => {
    const A = side('linux-masquerade', '203.0.113.10', '10.0.1.2:5000', 1);
    const B = side('port-restricted-cone', '203.0.113.20', '10.0.2.2:5000', 2);
    expect(A.learned.port).toBe(5000);
    expect(send(1000, B, A)).toBe(false); // unsolicited at A: a conntrack entry (eB <-> eA)
    const moved = ext(A.box.outbound(1001, A.host, B.learned));
    expect(moved.port).not.toBe(5000);
    expect(A.box.counters.clashes).toBe(1);
    expect(B.box.inbound(1001, B.learned, moved)).toEqual({ drop: 'nat-filtered' });
  });
});
