// runtime-sim/adversary.ts: the on-path adversary sees datagrams entering its realm and
// injects mutated copies from spoofed sources; only hosts given an adversary port may spoof.
import { describe, expect, it } from 'vitest';
import { addr, formatAddr, type Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { CookieChecker, cookieKeys } from '../../protocol/rudp/cookie.ts';
import { DEFAULT_CONFIG } from '../../protocol/rudp/config.ts';
import { decodePacket } from '../../protocol/rudp/packet.ts';
import { Adversary, lowOrderInitiation, type AdversaryAction } from '../../runtime-sim/adversary.ts';
import { Simulator } from '../../runtime-sim/index.ts';

/** Sends `count` distinct datagrams to `to`, one per ms. */
class Sender implements Machine<never, never> {
  private sent = 0;
  private next = 0;
  private readonly out: Transmit[] = [];
  constructor(private readonly to: Addr, private readonly count: number, private readonly base: number) {}
  handleDatagram(): void {}
  handleTimeout(now: number): void {
    const data = new Uint8Array(32).fill(this.base + this.sent + 1);
    data[0] = 0xc4; // a secure-transport first byte, so crafted handshakes target it too
    this.out.push({ remote: this.to, data });
    this.sent++;
    this.next = now + 1;
  }
  handleCommand(): void {}
  pollTransmit(): Transmit | undefined {
    return this.out.shift();
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTimeout(): number | undefined {
    return this.sent < this.count ? this.next : undefined;
  }
}

/** Records every datagram with its source. */
class Sink implements Machine<never, never> {
  readonly got: Array<{ from: string; data: Uint8Array }> = [];
  handleDatagram(_now: number, remote: Addr, data: Uint8Array): void {
    this.got.push({ from: formatAddr(remote), data: data.slice() });
  }
  handleTimeout(): void {}
  handleCommand(): void {}
  pollTransmit(): undefined {
    return undefined;
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTimeout(): undefined {
    return undefined;
  }
}

function world(action: AdversaryAction, seed = 1): { sink: Sink; adversary: Adversary } {
  const sim = new Simulator({ seed });
  sim.addHost({ name: 'a', ips: ['203.0.113.1'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'c', ips: ['203.0.113.3'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'b', ips: ['203.0.113.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'mallet', ips: ['192.0.2.66'] });
  const sink = new Sink();
  sim.run('b', sink, { port: 9 });
  sim.run('a', new Sender(addr('203.0.113.2', 9), 20, 0), { port: 7 });
  sim.run('c', new Sender(addr('203.0.113.2', 9), 20, 100), { port: 8 });
  const adversary = new Adversary(sim, 'mallet', { actions: [action], p: 1, delay_ms_max: 5, injections_max: 10 }, sim.rng.fork('adv'));
  sim.runUntil(1_000);
  return { sink, adversary };
}

const genuine = (d: Uint8Array): boolean => d.byteLength === 32 && d.subarray(1).every((v) => v === d[1]);

describe('Adversary', () => {
  it('bit flips: injected copies differ from a genuine datagram in 1 to 3 bits, from its sender', () => {
    const { sink, adversary } = world('bitflip');
    expect(adversary.injected).toBe(10);
    const forged = sink.got.filter((g) => !genuine(g.data));
    expect(forged).toHaveLength(10);
    for (const f of forged) expect(['203.0.113.1:7', '203.0.113.3:8']).toContain(f.from);
  });

  it('replays arrive as exact copies, truncations shorter, spoofs from another sender', () => {
    expect(world('replay').sink.got.filter((g) => genuine(g.data))).toHaveLength(50);
    const t = world('truncate').sink.got.filter((g) => g.data.byteLength < 32);
    expect(t).toHaveLength(10);
    const spoofed = world('spoof').sink.got;
    // Every source is still one of the two real senders: the adversary never shows its own.
    expect(spoofed.every((g) => g.from === '203.0.113.1:7' || g.from === '203.0.113.3:8')).toBe(true);
    expect(spoofed).toHaveLength(50);
    // ... but some carry the other sender's bytes: a's datagram "from" c, or c's "from" a.
    const crossed = spoofed.filter((g) => (g.from === '203.0.113.1:7') !== (g.data[1]! <= 100));
    expect(crossed.length).toBeGreaterThan(0);
  });

  it('crafts a Noise initiation with a zero (low-order) ephemeral and a valid mac1', () => {
    const { sink } = world('low-order-initiation');
    const crafted = sink.got.filter((g) => g.data[0] === 0xc0);
    expect(crafted).toHaveLength(10);
    const p = decodePacket(crafted[0]!.data);
    if (p.kind !== 'initiation') throw new Error('not an initiation');
    expect([...p.noise]).toEqual(new Array(32).fill(0));
    const checker = new CookieChecker(nobleCrypto, { nextBytes: (n: number) => new Uint8Array(n), nextFloat: () => 0, nextUint32: () => 0, nextInt: (a: number) => a }, cookieKeys(nobleCrypto, DEFAULT_CONFIG.network_key), 1);
    expect(checker.checkMac1(p)).toBe(true);
    const tampered = lowOrderInitiation(1, cookieKeys(nobleCrypto, 'another-network'));
    const q = decodePacket(tampered);
    if (q.kind !== 'initiation') throw new Error('not an initiation');
    expect(checker.checkMac1(q)).toBe(false);
  });

  it('the same seed gives the same attack, byte for byte', () => {
    const a = world('bitflip', 5).sink.got.map((g) => `${g.from}:${Buffer.from(g.data).toString('hex')}`);
    const b = world('bitflip', 5).sink.got.map((g) => `${g.from}:${Buffer.from(g.data).toString('hex')}`);
    expect(a).toEqual(b);
  });
});
