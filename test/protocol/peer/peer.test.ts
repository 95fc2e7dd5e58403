// The composed Peer in the simulator: rendezvous + two peers behind NATs find a path (direct
// through cone NATs, relayed between symmetric ones), open a Noise session over it and move a
// byte stream end to end; a pinned wrong identity ends the session with identity-mismatch.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { Peer, type PeerCommand, type PeerEvent } from '../../../protocol/peer/peer.ts';
import { RendezvousServer } from '../../../protocol/punch/rendezvous-server.ts';
import { Simulator } from '../../../runtime-sim/index.ts';

interface Run {
  sim: Simulator;
  a: { peer: Peer; events: readonly PeerEvent[]; command: (c: PeerCommand) => void };
  b: { peer: Peer; events: readonly PeerEvent[]; command: (c: PeerCommand) => void };
}

function setup(seed: number, presetA: string, presetB: string, options: { wrongKey?: boolean } = {}): Run {
  const sim = new Simulator({ seed, scenario: 'peer-test' });
  const natA = sim.addNat({ name: 'nat-a', preset: presetA, externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
  const natB = sim.addNat({ name: 'nat-b', preset: presetB, externalIps: ['198.51.100.20'], insideSubnet: '10.0.2.0/24' });
  sim.addHost({ name: 'a', realm: natA.inside, ips: ['10.0.1.2'] });
  sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'] });
  sim.addHost({ name: 'server', ips: ['203.0.113.1'], role: 'server' });
  const server = addr('203.0.113.1', 7000);
  sim.run('server', new RendezvousServer({ primary: server, circuit_bytes_max: 1 << 24 }, sim.rng.fork('server')), { port: 7000 });
  const keyA = sim.rng.fork('ka').nextBytes(32);
  const keyB = sim.rng.fork('kb').nextBytes(32);
  const pubB = nobleCrypto.x25519PublicKey(options.wrongKey ? keyA : keyB);
  const make = (name: 'a' | 'b', ip: string, key: Uint8Array): Peer =>
    new Peer({
      id: name,
      token: sim.rng.fork(`t${name}`).nextBytes(16),
      server,
      local: addr(ip, 5000),
      connect_to: name === 'a' ? 'b' : undefined,
      punch: name === 'b' ? { accept_from: 'a' } : undefined,
      expectedPeer: name === 'a' ? pubB : undefined,
      staticSecret: key,
      crypto: nobleCrypto,
      rng: sim.rng.fork(`peer:${name}`),
    });
  const peerB = make('b', '10.0.2.2', keyB);
  const hb = sim.run('b', peerB, { port: 5000 });
  const peerA = make('a', '10.0.1.2', keyA);
  const ha = sim.run('a', peerA, { port: 5000 });
  return {
    sim,
    a: { peer: peerA, events: ha.events, command: (c) => ha.command(c) },
    b: { peer: peerB, events: hb.events, command: (c) => hb.command(c) },
  };
}

function transfer(run: Run, size_bytes: number): Uint8Array {
  const { sim, a, b } = run;
  const data = new Uint8Array(size_bytes);
  for (let i = 0; i < size_bytes; i++) data[i] = (i * 31 + 7) & 0xff;
  let offset = 0;
  const received: Uint8Array[] = [];
  for (let step = 0; step < 2000 && received.reduce((n, c) => n + c.byteLength, 0) < size_bytes; step++) {
    if (offset < size_bytes) offset += a.peer.write(sim.now, data.subarray(offset, Math.min(size_bytes, offset + 64 * 1024)));
    for (let chunk = b.peer.read(); chunk; chunk = b.peer.read()) received.push(chunk);
    sim.runFor(10);
  }
  const out = new Uint8Array(received.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of received) {
    out.set(c, at);
    at += c.byteLength;
  }
  expect(out.byteLength).toBe(size_bytes);
  expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  return out;
}

describe('Peer (punch + secure transport on one port), simulated', () => {
  it('cone ↔ cone: session opens (relay first), moves to the direct path, 256 KiB stream', () => {
    const run = setup(1, 'port-restricted-cone', 'port-restricted-cone');
    run.sim.runFor(15_000);
    const open = run.a.events.find((e) => e.type === 'session-open');
    expect(open, `events a: ${run.a.events.map((e) => e.type).join(',')}`).toBeDefined();
    expect(run.a.peer.punch.path?.kind, `events a: ${run.a.events.map((e) => e.type).join(',')}`).toBe('direct');
    expect(run.b.peer.punch.path?.kind).toBe('direct');
    expect(run.b.events.some((e) => e.type === 'session-open')).toBe(true);
    transfer(run, 256 * 1024);
  });

  it('symmetric ↔ symmetric: relayed path, session, 64 KiB stream', () => {
    const run = setup(2, 'symmetric', 'symmetric');
    run.sim.runFor(30_000);
    const open = run.a.events.find((e) => e.type === 'session-open');
    expect(open, `events a: ${run.a.events.map((e) => e.type).join(',')}`).toMatchObject({ path: 'relay' });
    transfer(run, 64 * 1024);
  });

  it('a wrong pinned key ends with identity-mismatch, no session', () => {
    const run = setup(3, 'port-restricted-cone', 'port-restricted-cone', { wrongKey: true });
    run.sim.runFor(30_000);
    expect(run.a.events.some((e) => e.type === 'session-open')).toBe(false);
    const closed = run.a.events.find((e) => e.type === 'closed');
    expect(closed).toMatchObject({ error: 'identity-mismatch' });
  });

  it('an abort reaches the other side at once: the CLOSE leaves before the punch client closes', () => {
    const run = setup(4, 'port-restricted-cone', 'port-restricted-cone');
    run.sim.runFor(15_000);
    expect(run.a.events.some((e) => e.type === 'session-open')).toBe(true);
    const abortAt = run.sim.now;
    run.a.command({ type: 'abort', reason: 'test abort' });
    // Well under the transport's idle timeout: only a delivered CLOSE can end b's session this soon.
    run.sim.runFor(2_000);
    const closed = run.b.events.find((e) => e.type === 'closed');
    expect(closed, `b events after abort at ${abortAt}: ${run.b.events.map((e) => e.type).join(',')}`).toBeDefined();
  });
});
