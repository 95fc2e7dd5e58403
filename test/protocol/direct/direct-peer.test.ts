// DirectPeer on its own: probes go only to the named address, every probe from it is answered
// by exactly one probe of the same size (no amplification), strangers and garbage are counted
// and ignored (no transport state before the probe exchange), the smaller nonce dials, and
// probing stops at the window with a diagnosis. Fuzzed input keeps the deadline contract.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { checked } from '../../../protocol/core/checked-machine.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { rngFromFloat } from '../../../protocol/core/rng.ts';
import { DIRECT_PROBE_BYTES, DirectPeer } from '../../../protocol/direct/direct-peer.ts';

function lcg(seed: number) {
  let s = seed >>> 0;
  return rngFromFloat(() => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  });
}

const A = addr('10.0.0.1', 5000);
const B = addr('10.0.0.2', 5000);

function make(local = A, remote = B, seed = 1, open_timeout_ms = 2_000): DirectPeer {
  const rng = lcg(seed);
  return new DirectPeer({ local, remote, staticSecret: rng.nextBytes(32), crypto: nobleCrypto, rng, open_timeout_ms });
}

function drainTx(p: DirectPeer) {
  const out = [];
  for (let t = p.pollTransmit(); t; t = p.pollTransmit()) out.push(t);
  return out;
}

describe('DirectPeer', () => {
  it('probes only the named address, answers each probe once at the same size, ignores strangers', () => {
    const a = make();
    a.handleTimeout(0);
    const first = drainTx(a);
    expect(first).toHaveLength(1);
    expect(first[0]!.remote).toEqual(B);
    expect(first[0]!.data.byteLength).toBe(DIRECT_PROBE_BYTES);
    const b = make(B, A, 2);
    b.handleDatagram(1, A, first[0]!.data);
    const answer = drainTx(b);
    expect(answer).toHaveLength(1);
    expect(answer[0]!.data.byteLength).toBe(first[0]!.data.byteLength);
    // The same probe from a stranger: nothing sent, counted.
    b.handleDatagram(2, addr('10.0.0.66', 5000), first[0]!.data);
    expect(drainTx(b)).toHaveLength(0);
    expect(b.counters.strangers).toBe(1);
  });

  it('the two sides agree on one initiator and open a session with no server', () => {
    const a = make(A, B, 11);
    const b = make(B, A, 12);
    let now = 0;
    for (let step = 0; step < 2_000 && !(a.sessionOpen && b.sessionOpen); step++) {
      for (const [from, to, src] of [[a, b, A], [b, a, B]] as const) {
        const at = from.pollTimeout();
        if (at !== undefined && at <= now) from.handleTimeout(now);
        for (const t of drainTx(from)) to.handleDatagram(now + 1, src, t.data);
      }
      now += 5;
    }
    expect(a.sessionOpen && b.sessionOpen).toBe(true);
    expect(new Set([a.role, b.role])).toEqual(new Set(['initiator', 'responder']));
    expect(a.path?.technique).toBe('simultaneous-open');
  });

  it('stops probing at the window and says nothing came back', () => {
    const a = make(A, B, 3, 1_000);
    for (let at = a.pollTimeout(); at !== undefined; at = a.pollTimeout()) {
      a.handleTimeout(at);
      drainTx(a);
    }
    expect(a.gaveUp).toBe(true);
    expect(a.counters.probes_sent).toBe(5);
    expect(a.diagnosis()).toMatch(/heard nothing back/);
  });

  fcTest.prop([fc.array(fc.tuple(fc.nat(300), fc.uint8Array({ maxLength: 64 })), { maxLength: 40 })])('fuzzed datagrams from the named address keep the contract', (inputs) => {
    const p = checked(make(A, B, 5, 1_000), 'direct');
    let now = 0;
    for (const [dt, bytes] of inputs) {
      now += dt;
      for (let at = p.pollTimeout(); at !== undefined && at <= now; at = p.pollTimeout()) {
        p.handleTimeout(at);
        while (p.pollTransmit());
        while (p.pollEvent());
      }
      p.handleDatagram(now, B, bytes, A);
      while (p.pollTransmit());
      while (p.pollEvent());
    }
  });
});
