// The post-idle conntrack clash (issue 15), in the simulator: a live secure session between A
// (behind a Linux masquerade router with no inbound firewall) and B (port-restricted cone) on a
// direct path. A's application pauses; nothing crosses A's router for longer than its UDP
// timers, so conntrack forgets A's flows. B speaks first after the silence: its datagram to
// A's old external port finds no mapping and, with no firewall, leaves a conntrack entry
// (B <-> E:5000), so A's own next datagram to B is moved to another port (the clash). B's NAT
// filters that port, and B's datagrams to E:5000 never reach A: the direct pair is dead both
// ways, while STUN (the server flow) still reports E:5000.
// What must happen: the punch client's keepalives notice, it re-registers (re-learning its
// mapping, rebinding the relay circuit) and checks the relay before declaring the direct path
// lost, the session continues over the relay, and a later re-punch (after the conntrack entry
// has lapsed) brings it back direct. The paused transfer resumes and completes intact.
// The router's conntrack UDP timers are 10 s here (the kernel lab shortens them the same way to
// make the clash quick; Linux defaults are 30 s / 120 s): the mechanism is the kernel's.
import { addr } from '../../protocol/core/addr.ts';
import { Peer, type PeerCommand, type PeerEvent } from '../../protocol/peer/peer.ts';
import { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import type { Simulator } from '../../runtime-sim/index.ts';
import { NAT_PRESETS } from '../../runtime-sim/nat/presets.ts';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { equal, holds } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';

const SERVER = addr('198.51.100.7', 3478);
/** Shortened conntrack UDP timers of A's router (both unreplied and stream). */
export const ROUTER_UDP_TIMEOUT_MS = 10_000;
/** The application's pause: longer than the router's timers, shorter than the transport's idle timeout. */
export const PAUSE_MS = 20_000;
const PART_BYTES = 512 * 1024;
const LIMIT_MS = 150_000;

function part(index: number): Uint8Array {
  return new Uint8Array(PART_BYTES).map((_, i) => (i * 29 + index * 7 + 3) & 0xff);
}

export function runPostIdleClash(sim: Simulator): Outcome {
  const link = { latency: { kind: 'fixed' as const, ms: 10 } };
  const routerA = sim.addNat({
    name: 'nat-a', config: { ...NAT_PRESETS['linux-masquerade'], binding_timeout_ms: ROUTER_UDP_TIMEOUT_MS, stream_timeout_ms: ROUTER_UDP_TIMEOUT_MS },
    externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24', link,
  });
  const natB = sim.addNat({ name: 'nat-b', preset: 'port-restricted-cone', externalIps: ['203.0.113.20'], insideSubnet: '10.0.2.0/24', link });
  sim.addHost({ name: 'a', realm: routerA.inside, ips: ['10.0.1.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'rendezvous', ips: [SERVER.ip], role: 'server', link: { latency: { kind: 'fixed', ms: 5 } } });
  sim.run('rendezvous', new RendezvousServer({ primary: SERVER }, sim.rng.fork('rendezvous')), { port: SERVER.port });
  // Keepalives sparser than the router's timers (as a battery-saving application would set
  // them), and B's come first after the silence: that order makes the clash.
  const make = (name: 'a' | 'b', ip: string, keepalive_ms: number): Peer =>
    new Peer({
      id: name, token: sim.rng.fork(`token-${name}`).nextBytes(16), server: SERVER, local: addr(ip, 5000),
      connect_to: name === 'a' ? 'b' : undefined,
      punch: { keepalive_ms, register_refresh_ms: 25_000, ...(name === 'b' ? { accept_from: 'a' } : {}) },
      rudp: { keepalive_interval_ms: keepalive_ms },
      staticSecret: sim.rng.fork(`key-${name}`).nextBytes(32), crypto: nodeCrypto, rng: sim.rng.fork(`peer-${name}`),
    });
  const b = make('b', '10.0.2.2', 12_000);
  const hb = sim.run<PeerCommand, PeerEvent>('b', b, { port: 5000 });
  const a = make('a', '10.0.1.2', 22_000);
  const ha = sim.run<PeerCommand, PeerEvent>('a', a, { port: 5000 });
  const expected = [part(0), part(1)];
  const received: Uint8Array[] = [];
  let receivedBytes = 0;
  let closed = 'none';
  let pausedAt = -1;
  let resumedAt = -1;
  let doneAt = -1;
  hb.onEvent((e) => {
    if (e.type === 'readable') {
      hb.act(() => {
        for (let chunk = b.read(); chunk; chunk = b.read()) {
          received.push(chunk);
          receivedBytes += chunk.byteLength;
        }
      });
      if (receivedBytes >= 2 * PART_BYTES && doneAt < 0) doneAt = sim.now;
    }
    if (e.type === 'closed') closed = e.error ?? 'closed';
  });
  ha.onEvent((e) => {
    if (e.type === 'closed') closed = e.error ?? 'closed';
  });
  // The application: the first part, a pause, the second part.
  let written = 0;
  let phase = 0;
  const pump = (): void => {
    if (closed !== 'none') return;
    if (a.sessionOpen) {
      const data = expected[phase]!;
      written += ha.act((_m, now) => a.write(now, data.subarray(written)));
      if (written >= PART_BYTES) {
        if (phase === 1) return;
        phase = 1;
        written = 0;
        // Paused until everything so far is acknowledged and then PAUSE_MS of silence.
        const waitIdle = (): void => {
          const s = a.stats();
          if (s && s.bytes_in_flight === 0 && receivedBytes >= PART_BYTES) {
            pausedAt = sim.now;
            sim.after(PAUSE_MS, () => {
              resumedAt = sim.now;
              pump();
            });
          } else sim.after(50, waitIdle);
        };
        sim.after(50, waitIdle);
        return;
      }
    }
    sim.after(20, pump);
  };
  sim.after(0, pump);
  // Until the transfer is done and the re-punch brought the path back direct (or the limit).
  for (let t = 1_000; t <= LIMIT_MS && closed === 'none' && !(doneAt >= 0 && a.punch.path?.kind === 'direct' && b.punch.path?.kind === 'direct'); t += 1_000) sim.runUntil(t);
  sim.runFor(1_000);
  const joined = new Uint8Array(receivedBytes);
  let at = 0;
  for (const c of received) {
    joined.set(c, at);
    at += c.byteLength;
  }
  const want = new Uint8Array(2 * PART_BYTES);
  want.set(expected[0]!, 0);
  want.set(expected[1]!, PART_BYTES);
  const paths = ha.events.filter((e) => e.type === 'path');
  return {
    delivered_bytes: receivedBytes,
    intact: receivedBytes === want.byteLength && Buffer.from(joined).equals(Buffer.from(want)),
    closed,
    clashes: routerA.box.counters.clashes,
    paused_ms: pausedAt >= 0 && resumedAt >= 0 ? resumedAt - pausedAt : -1,
    resume_to_done_ms: doneAt >= 0 && resumedAt >= 0 ? Math.round(doneAt - resumedAt) : -1,
    path_events_a: paths.length,
    final_path_a: a.punch.path?.kind ?? 'none',
    final_path_b: b.punch.path?.kind ?? 'none',
    path_lost_a: ha.events.filter((e) => e.type === 'path-lost').length,
    back_direct_ms: pausedAt >= 0 && (a.punch.path?.kind === 'direct') ? Math.round(sim.now - pausedAt) : -1,
    relay_in: a.counters.relay_in + b.counters.relay_in,
  };
}

export const postIdleClash: Scenario = {
  name: 'nat-matrix/post-idle-clash',
  description: `a paused transfer across a Linux router (no firewall, ${ROUTER_UDP_TIMEOUT_MS / 1000} s UDP timers): after ${PAUSE_MS / 1000} s of silence the peer speaks first and the conntrack clash moves our flow to another port; the session re-learns, rides the relay, re-punches and the transfer completes intact`,
  suites: ['nat-matrix'],
  figures: ['intact', 'closed', 'clashes', 'resume_to_done_ms', 'final_path_a', 'back_direct_ms', 'relay_in'],
  run: (sim) => runPostIdleClash(sim),
  expectations: [
    equal('closed', 'none'),
    equal('intact', true),
    holds('the clash happened', (o) => ((o.clashes as number) >= 1 ? true : 'no conntrack clash: the scenario did not reproduce it')),
    equal('final_path_a', 'direct'),
  ],
};
