// TypedPeer details the scenarios do not reach: the `answer` command (no decide function),
// broadcast to every open connection, a HELLO whose dataSize exceeds our payload limit denied
// as bad-hello, and a peer that sends a stream frame of the wrong size (bypassing its own
// check) closed with frame-size on both sides; an application that never polls meets the
// events_max bound (the newest events refused and counted, the oldest kept in order).
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import type { TypedEvent } from '../../../protocol/typed/typed-events.ts';
import { TypedPeer } from '../../../protocol/typed/typed-peer.ts';
import type { TypedFrame } from '../../../protocol/typed/typed-wire.ts';
import { Simulator } from '../../../runtime-sim/index.ts';

function world(seed: number, listener: ConstructorParameters<typeof TypedPeer>[0] extends infer C ? Partial<C> : never = {}) {
  const sim = new Simulator({ seed, trace: undefined, scenario: 'typed-peer-test' });
  const mk = (name: string, ip: string, extra = {}) => {
    sim.addHost({ name, ips: [ip], link: { latency: { kind: 'fixed', ms: 5 } } });
    const peer = new TypedPeer({ crypto: nobleCrypto, rng: sim.rng, staticSecret: sim.rng.nextBytes(32), name, ...extra });
    const handle = sim.run(name, peer, { port: 7000 });
    const events: TypedEvent[] = [];
    handle.onEvent((e) => events.push(e));
    return { peer, handle, events };
  };
  const b = mk('b', '198.51.100.2', listener);
  const a = mk('a', '198.51.100.1');
  const c = mk('c', '198.51.100.3');
  return { sim, a, b, c, target: addr('198.51.100.2', 7000) };
}

describe('TypedPeer', () => {
  it('queues at most events_max events for pollEvent: the newest are refused and counted', () => {
    const sim = new Simulator({ seed: 4, trace: undefined, scenario: 'typed-peer-test' });
    const peer = new TypedPeer({ crypto: nobleCrypto, rng: sim.rng, staticSecret: sim.rng.nextBytes(32), events_max: 2 });
    // Each send on a connection that does not exist is answered by one send-failed event.
    for (const conn of [11, 12, 13, 14]) peer.handleCommand(0, { type: 'send', conn, data: 'x' });
    expect(peer.counters.events_dropped).toBe(2);
    expect([peer.pollEvent(), peer.pollEvent(), peer.pollEvent()]).toMatchObject([{ type: 'send-failed', conn: 11 }, { type: 'send-failed', conn: 12 }, undefined]);
    // Drained, it takes events again.
    peer.handleCommand(0, { type: 'send', conn: 15, data: 'x' });
    expect(peer.pollEvent()).toMatchObject({ type: 'send-failed', conn: 15, error: 'not-open' });
    expect(peer.counters.events_dropped).toBe(2);
  });

  it('waits for the answer command, then broadcasts to every open connection', () => {
    const { sim, a, b, c, target } = world(1);
    b.handle.onEvent((e) => {
      if (e.type === 'offer') b.handle.command({ type: 'answer', conn: e.conn, accept: true });
    });
    a.handle.command({ type: 'connect', remote: target });
    c.handle.command({ type: 'connect', remote: target });
    sim.runUntil(2_000);
    expect(b.events.filter((e) => e.type === 'connection')).toHaveLength(2);
    b.handle.command({ type: 'broadcast', data: { hi: 'all' } });
    sim.runUntil(3_000);
    for (const x of [a, c]) expect(x.events.filter((e) => e.type === 'data').map((e) => (e as { data: unknown }).data)).toEqual([{ hi: 'all' }]);
  });

  it('denies a stream HELLO whose dataSize exceeds payload_bytes_max (bad-hello)', () => {
    const { sim, a, target } = world(2, { decide: () => true, payload_bytes_max: 4096 });
    a.handle.command({ type: 'connect', remote: target, options: { dataType: 'bytes', stream: true, dataSize: 1 << 20 } });
    sim.runUntil(2_000);
    expect(a.events.find((e) => e.type === 'close')).toMatchObject({ error: 'denied', reason: 'bad-hello' });
  });

  it('a peer sending a wrong-size stream frame is closed with frame-size on both sides', () => {
    const { sim, a, b, target } = world(3, { decide: () => true });
    a.handle.command({ type: 'connect', remote: target, options: { dataType: 'bytes', stream: true, dataSize: 64 } });
    sim.runUntil(2_000);
    const conn = a.events.find((e) => e.type === 'connection') as { conn: number };
    a.handle.command({ type: 'send', conn: conn.conn, data: new Uint8Array(64) });
    // A misbehaving peer: bypass the local size check and send a 10-byte frame.
    a.handle.act((_m, now) => (a.peer as unknown as { frame(now: number, c: unknown, f: TypedFrame): boolean }).frame(now, { conn: conn.conn }, { kind: 'stream', payload: new Uint8Array(10) }));
    sim.runUntil(4_000);
    expect(b.events.filter((e) => e.type === 'data')).toHaveLength(1);
    expect(b.events.find((e) => e.type === 'close')).toMatchObject({ error: 'frame-size', by: 'local' });
    expect(a.events.find((e) => e.type === 'close')).toMatchObject({ error: 'frame-size', by: 'peer' });
  });
});
