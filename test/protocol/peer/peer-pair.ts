// The two-Peer world the fast-path and path-validation tests share: A and B each behind a
// port-restricted-cone NAT (nat-a 203.0.113.10 over 10.0.1.0/24, nat-b 198.51.100.20 over
// 10.0.2.0/24), a rendezvous server at 203.0.113.1:7000, the Peers' configuration (A dials B,
// B accepts A), and a pump that streams a byte pattern from one Peer to the other.
// Every helper draws from sim.rng in the order the tests used to inline (server, then each
// Peer's token, static key and own stream), so seeds keep their outcomes.
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import { concatBytesList } from '../../../protocol/core/bytes.ts';
import { nobleCrypto } from '../../../protocol/core/noble-crypto.ts';
import { Peer, type PeerConfig } from '../../../protocol/peer/peer.ts';
import { RendezvousServer } from '../../../protocol/punch/rendezvous-server.ts';
import type { Simulator } from '../../../runtime-sim/index.ts';

export type Side = 'a' | 'b';

export const PEER_IPS: Readonly<Record<Side, string>> = { a: '10.0.1.2', b: '10.0.2.2' };
export const PEER_PORT = 5000;
export const SERVER: Addr = addr('203.0.113.1', 7000);

/** Adds nat-a, nat-b, hosts a, b and server to `sim`, and runs the rendezvous server. */
export function addPeerPairWorld(sim: Simulator): void {
  const natA = sim.addNat({ name: 'nat-a', preset: 'port-restricted-cone', externalIps: ['203.0.113.10'], insideSubnet: '10.0.1.0/24' });
  const natB = sim.addNat({ name: 'nat-b', preset: 'port-restricted-cone', externalIps: ['198.51.100.20'], insideSubnet: '10.0.2.0/24' });
  sim.addHost({ name: 'a', realm: natA.inside, ips: [PEER_IPS.a] });
  sim.addHost({ name: 'b', realm: natB.inside, ips: [PEER_IPS.b] });
  sim.addHost({ name: 'server', ips: [SERVER.ip], role: 'server' });
  sim.run('server', new RendezvousServer({ primary: SERVER }, sim.rng.fork('server')), { port: SERVER.port });
}

/** What a test may set on a pair Peer; identity, addresses and who dials whom are fixed here. */
export type PairPeerOptions = Omit<Partial<PeerConfig>, 'id' | 'token' | 'server' | 'local' | 'connect_to' | 'staticSecret' | 'crypto' | 'rng'>;

/**
 * The Peer for `side` (not yet run): A dials B, B accepts A. `options.punch` is merged with
 * B's accept_from; A without options has no punch settings at all.
 */
export function makePairPeer(sim: Simulator, side: Side, options: PairPeerOptions = {}): Peer {
  const { punch, ...rest } = options;
  const accept = side === 'b' ? { accept_from: 'a' } : undefined;
  return new Peer({
    id: side,
    token: sim.rng.fork(`t${side}`).nextBytes(16),
    server: SERVER,
    local: addr(PEER_IPS[side], PEER_PORT),
    connect_to: side === 'a' ? 'b' : undefined,
    punch: punch === undefined && accept === undefined ? undefined : { ...punch, ...accept },
    staticSecret: sim.rng.fork(`k${side}`).nextBytes(32),
    crypto: nobleCrypto,
    rng: sim.rng.fork(`peer:${side}`),
    ...rest,
  });
}

/** `size_bytes` of a fixed pattern (131 is odd, so no byte value repeats within 256). */
export function patternBytes(size_bytes: number): Uint8Array {
  return new Uint8Array(size_bytes).map((_, i) => (i * 131 + 7) & 0xff);
}

export interface StreamLimits {
  /** Steps before giving up (each writes, reads, then runs the simulator for `step_ms`). */
  readonly steps_max: number;
  readonly step_ms: number;
  /** At most this many bytes offered to `write` per step. */
  readonly chunk_bytes?: number;
}

/**
 * Writes `data` into `from`'s session (whenever it is open) and reads everything `to`
 * delivers, until all of it arrived or `steps_max` steps passed; returns what arrived.
 */
export function streamBetween(sim: Simulator, from: Peer, to: Peer, data: Uint8Array, limits: StreamLimits): Uint8Array {
  const chunk_bytes = limits.chunk_bytes ?? data.byteLength;
  const received: Uint8Array[] = [];
  let written = 0;
  let received_bytes = 0;
  for (let step = 0; step < limits.steps_max && received_bytes < data.byteLength; step++) {
    if (from.sessionOpen && written < data.byteLength) written += from.write(sim.now, data.subarray(written, Math.min(data.byteLength, written + chunk_bytes)));
    for (let chunk = to.read(); chunk; chunk = to.read()) {
      received.push(chunk.slice());
      received_bytes += chunk.byteLength;
    }
    sim.runFor(limits.step_ms);
  }
  return concatBytesList(received);
}
