// Finding 9 of issue 9, the punch client's part: a registration conflict (the id is held by
// another token) was reported only when the client gave up, and an over-long --id was sent,
// dropped by the server and reported as "nothing answered". Both are now typed events at once
// (`register-conflict`, `id-invalid`), which the CLI prints.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { PunchClient } from '../../../protocol/punch/punch-client.ts';
import type { PunchEvent } from '../../../protocol/punch/punch-events.ts';
import { RendezvousServer } from '../../../protocol/punch/rendezvous-server.ts';
import { ID_BYTES_MAX } from '../../../protocol/punch/rendezvous-wire.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { seeded } from './server-harness.ts';

const SERVER = addr('198.51.100.7', 3478);

describe('finding 9: registration errors are typed and immediate', () => {
  it('finding-9: a second holder of an id gets register-conflict within a few round trips, not at timeout', () => {
    const sim = new Simulator({ seed: 41 });
    sim.addHost({ name: 'rendezvous', ips: [SERVER.ip], role: 'server', link: { latency: { kind: 'fixed', ms: 10 } } });
    sim.run('rendezvous', new RendezvousServer({ primary: SERVER }, sim.rng.fork('server')), { port: SERVER.port });
    const events: Record<string, Array<{ t: number; e: PunchEvent }>> = { first: [], second: [] };
    for (const [name, ip, fill] of [['first', '192.0.2.10', 1], ['second', '192.0.2.20', 2]] as const) {
      sim.addHost({ name, ips: [ip], link: { latency: { kind: 'fixed', ms: 10 } } });
      const local = addr(ip, 5000);
      const client = new PunchClient({ id: 'alice', token: new Uint8Array(16).fill(fill), server: SERVER, local }, sim.rng.fork(name));
      const h = sim.run(name, client, { port: 5000 });
      h.onEvent((e) => events[name]!.push({ t: sim.now, e }));
      sim.runFor(2_000);
    }
    sim.runFor(3_000);
    expect(events.first!.some((x) => x.e.type === 'registered')).toBe(true);
    const conflict = events.second!.find((x) => x.e.type === 'register-conflict');
    expect(conflict?.e).toEqual({ type: 'register-conflict', id: 'alice' });
    // Discovery, then cookie + register: a few 40 ms round trips, far from the ~8 s retry budget.
    expect(conflict!.t - 2_000).toBeLessThan(1_500);
    expect(events.second!.some((x) => x.e.type === 'registered')).toBe(false);
  });

  it('finding-9: an id longer than 64 bytes is an id-invalid event at once, and nothing is sent', () => {
    const c = new PunchClient({ id: 'x'.repeat(ID_BYTES_MAX + 1), token: new Uint8Array(16), server: SERVER, local: addr('10.0.0.2', 5000) }, seeded(1));
    expect(c.pollEvent()).toEqual({ type: 'id-invalid', field: 'id', reason: 'too-long', bytes_max: ID_BYTES_MAX });
    expect(c.pollTimeout()).toBeUndefined();
    c.handleTimeout(0);
    expect(c.pollTransmit()).toBeUndefined();
    expect(c.phase).toBe('failed');
    // Multi-byte characters count as bytes: 22 x 3 bytes = 66 > 64.
    const d = new PunchClient({ id: 'a', accept_from: '\u20ac'.repeat(22), token: new Uint8Array(16), server: SERVER, local: addr('10.0.0.2', 5000) }, seeded(1));
    expect(d.pollEvent()).toMatchObject({ type: 'id-invalid', field: 'accept_from', reason: 'too-long' });
  });

  it('finding-9: connecting to an over-long or empty peer id is a typed event, never a throw', () => {
    const c = new PunchClient({ id: 'me', token: new Uint8Array(16), server: SERVER, local: addr('10.0.0.2', 5000) }, seeded(1));
    expect(() => c.handleCommand(0, { type: 'connect', peer: 'p'.repeat(300) })).not.toThrow();
    expect(() => c.handleCommand(0, { type: 'connect', peer: '' })).not.toThrow();
    const events: PunchEvent[] = [];
    for (let e = c.pollEvent(); e; e = c.pollEvent()) events.push(e);
    expect(events).toEqual([
      { type: 'id-invalid', field: 'peer', reason: 'too-long', bytes_max: ID_BYTES_MAX },
      { type: 'id-invalid', field: 'peer', reason: 'empty', bytes_max: ID_BYTES_MAX },
    ]);
  });
});
