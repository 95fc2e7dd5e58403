// Issue 15 fast paths at the composed Peer, in the simulator:
//   - relay first, upgrade later: the first application byte arrives within 2 relayed RTTs of
//     both peers being registered even across a birthday pair, the session then moves to the
//     direct path (validated inside the session) and keeps its stream; with relay_first off the
//     same cell waits for the punch (the wave-1 baseline);
//   - no late session: the acceptor answers a handshake on the pair it arrived on before it has
//     nominated that pair, so the session opens one handshake retransmission (500 ms) earlier;
//   - a handshake that never completes over a direct pair (a middlebox passes the probes but
//     drops the session) falls back to the relay instead of failing.
import { describe, expect, it } from 'vitest';
import type { Addr } from '../../../protocol/core/addr.ts';
import { equalBytes } from '../../../protocol/core/bytes.ts';
import { FIRST_BYTE } from '../../../protocol/core/demux.ts';
import type { Machine, Transmit } from '../../../protocol/core/machine.ts';
import type { Peer, PeerCommand, PeerEvent } from '../../../protocol/peer/peer.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { DEFAULT_CONFIG } from '../../../protocol/rudp/config.ts';
import { runCell } from '../../../scenarios/nat-matrix/index.ts';
import { buildWorld, FIRST_BYTES, RELAY_RTT_MS } from '../../../scenarios/nat-matrix/world.ts';
import { addPeerPairWorld, makePairPeer, PEER_PORT, patternBytes, SERVER, streamBetween } from './peer-pair.ts';

describe('issue 15: relay first, upgrade later', () => {
  it('port-restricted x symmetric (birthday): first byte within 2 relayed RTT, then the session moves to the direct path', () => {
    const seed = 3;
    const reproduce = `peerlab run nat-matrix/port-restricted-cone+symmetric/loss0 --seed ${seed}`;
    const fast = runCell(new Simulator({ seed }), 'port-restricted-cone', 'symmetric', { loss: 0, session: true });
    expect(fast.first_bytes_received, reproduce).toBe(FIRST_BYTES.byteLength);
    expect(fast.time_to_first_byte_ms as number, reproduce).toBeGreaterThan(0);
    expect(fast.time_to_first_byte_ms as number, reproduce).toBeLessThanOrEqual(2 * RELAY_RTT_MS);
    // Punching went on in parallel and both sessions now ride the direct pair.
    expect(fast.session_path_a, reproduce).toBe('direct');
    expect(fast.session_path_b, reproduce).toBe('direct');
    expect(fast.time_to_direct_ms as number, reproduce).toBeGreaterThan(fast.time_to_first_byte_ms as number);
    // The baseline: the relay only after punching gives up; here the birthday punch itself
    // takes seconds, so the first byte waits for it.
    const slow = runCell(new Simulator({ seed }), 'port-restricted-cone', 'symmetric', { loss: 0, session: true, peer: { relay_first: false } });
    expect(slow.time_to_first_byte_ms as number, reproduce).toBeGreaterThan(10 * RELAY_RTT_MS);
  });

  it('the stream written over the relay arrives intact across the move to the direct path', () => {
    const sim = new Simulator({ seed: 5 });
    const w = buildWorld(sim, 'port-restricted-cone', 'symmetric-sequential', { loss: 0, session: true });
    const a = w.a.session!.peer;
    const b = w.b.session!.peer;
    const data = patternBytes(256 * 1024);
    // Write from the moment the session opens (over the relay) through the upgrade.
    const received = streamBetween(sim, a, b, data, { steps_max: 3000, step_ms: 5, chunk_bytes: 4096 });
    const relayedIn = b.counters.relay_in;
    expect(relayedIn, 'some of the stream rode the relay').toBeGreaterThan(0);
    expect(a.punch.path?.kind).toBe('direct');
    // The world's application read its hello first; the rest is ours, whole and in order.
    expect(w.b.session!.received).toBe(FIRST_BYTES.byteLength);
    expect(received.byteLength).toBe(data.byteLength);
    expect(equalBytes(received, data)).toBe(true);
    expect(w.a.session!.transport.some((e) => e.event.type === 'path-changed')).toBe(true);
  });
});

describe('issue 15: no late session', () => {
  function open(answer_on_arrival: boolean): { pathA: number; openA: number; answered: number } {
    const sim = new Simulator({ seed: 1 });
    const w = buildWorld(sim, 'port-restricted-cone', 'port-restricted-cone', { loss: 0, session: true, peer: { relay_first: false, answer_on_arrival } });
    // B's first probes are lost (they reach A's host during this cut): B nominates its pair
    // only when its triggered check returns, in the same instant A's handshake arrives.
    sim.partition({ name: 'b-first-probes-lost', a: ['b'], b: ['a'], oneWay: true, from: 2_900, until: 2_960 });
    sim.runUntil(6_000);
    const pathA = w.a.events.find((e) => e.event.type === 'path')?.t ?? -1;
    return { pathA, openA: w.a.session!.openAt ?? -1, answered: w.b.session!.peer.counters.answered_on_arrival };
  }

  it('the acceptor answers on the pair the handshake came from: the session opens one RTT after the path, 500 ms sooner', () => {
    const late = open(false);
    const prompt = open(true);
    const reproduce = 'npx vitest run test/protocol/peer/fast-paths.test.ts -t "no late session" (seed 1)';
    expect(prompt.answered, reproduce).toBeGreaterThan(0);
    expect(late.answered, reproduce).toBe(0);
    expect(prompt.pathA, reproduce).toBe(late.pathA);
    // One round trip of the direct pair (48 ms) after the path, where the wave-1 acceptor
    // dropped msg2 and waited for the initiator's retransmission.
    expect(prompt.openA - prompt.pathA, reproduce).toBeLessThanOrEqual(60);
    expect(late.openA - prompt.openA, reproduce).toBe(DEFAULT_CONFIG.handshake_rto_ms);
  });
});

/** A middlebox in front of a Peer that passes punch probes but drops every direct transport datagram. */
class SessionBlackhole implements Machine<PeerCommand, PeerEvent> {
  dropped = 0;
  constructor(
    readonly peer: Peer,
    private readonly server: Addr,
  ) {}
  handleDatagram(now: number, remote: Addr, data: Uint8Array, local: Addr): void {
    const first = data[0] ?? 0;
    if (first >= FIRST_BYTE.rudpMin && first <= FIRST_BYTE.rudpMax && remote.ip !== this.server.ip) {
      this.dropped++;
      return;
    }
    this.peer.handleDatagram(now, remote, data, local);
  }
  handleTimeout(now: number): void {
    this.peer.handleTimeout(now);
  }
  handleCommand(now: number, command: PeerCommand): void {
    this.peer.handleCommand(now, command);
  }
  pollTransmit(): Transmit | undefined {
    return this.peer.pollTransmit();
  }
  pollEvent(): PeerEvent | undefined {
    return this.peer.pollEvent();
  }
  pollTimeout(): number | undefined {
    return this.peer.pollTimeout();
  }
}

describe('issue 15: a handshake stuck on a direct pair falls back to the relay', () => {
  function run(relay_first: boolean, handshake_fallback_ms?: number): { a: Peer; b: Peer; dropped: number; aEvents: readonly PeerEvent[] } {
    const sim = new Simulator({ seed: 9, scenario: 'peer-fallback' });
    addPeerPairWorld(sim);
    const options = { relay_first, ...(handshake_fallback_ms !== undefined ? { handshake_fallback_ms } : {}) };
    const b = new SessionBlackhole(makePairPeer(sim, 'b', options), SERVER);
    sim.run('b', b, { port: PEER_PORT });
    const a = makePairPeer(sim, 'a', options);
    const ha = sim.run('a', a, { port: PEER_PORT });
    sim.runFor(8_000);
    return { a, b: b.peer, dropped: b.dropped, aEvents: ha.events };
  }

  it('relay_first false: the session opens over the relay after the direct pair swallowed the handshake', () => {
    const { a, b, dropped } = run(false);
    const reproduce = 'npx vitest run test/protocol/peer/fast-paths.test.ts -t "relay_first false" (seed 9)';
    expect(dropped, reproduce).toBeGreaterThan(0);
    expect(a.sessionOpen, reproduce).toBe(true);
    expect(b.sessionOpen, reproduce).toBe(true);
    expect(a.punch.path?.kind, reproduce).toBe('relay');
    expect(a.counters.relay_fallbacks, reproduce).toBe(1);
  });

  it('relay_first true: the session opens over the relay and the pair that swallows it fails validation', () => {
    const { a, b, dropped, aEvents } = run(true);
    const reproduce = 'npx vitest run test/protocol/peer/fast-paths.test.ts -t "relay_first true" (seed 9)';
    expect(dropped, reproduce).toBeGreaterThan(0);
    expect(a.sessionOpen && b.sessionOpen, reproduce).toBe(true);
    expect(a.punch.path?.kind, reproduce).toBe('relay');
    // Either the pair came before the session (adopted, then the fallback) or after (validated and failed).
    const outcome = aEvents.filter((e) => e.type === 'path-failed').length + a.counters.relay_fallbacks;
    expect(outcome, reproduce).toBeGreaterThan(0);
  });

  it('without the fallback the handshake never completes (the wave-1 failure)', () => {
    const { a } = run(false, 60_000);
    expect(a.sessionOpen).toBe(false);
  });
});
