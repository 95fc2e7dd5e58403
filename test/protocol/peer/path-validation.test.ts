// Issue 9 #2 at the composed Peer: a relay -> direct upgrade is validated inside the secure
// session before traffic moves. The punch client (validate_path_changes) only proposes the
// direct pair; the Peer has the transport send a PATH_CHALLENGE along it, and only the
// authenticated PATH_RESPONSE moves the session (`path-changed`), after which the punch client
// switches (`path`, direct). A partition keeps the direct pair closed for the first 6 s, so
// the session opens on the relay and the upgrade comes later.
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../../protocol/core/bytes.ts';
import type { PeerEvent } from '../../../protocol/peer/peer.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { addPeerPairWorld, makePairPeer, PEER_PORT, patternBytes, streamBetween } from './peer-pair.ts';

const SEED = 1;

function order(events: readonly PeerEvent[]): string[] {
  return events
    .filter((e) => ['session-open', 'path-proposed', 'path-changed', 'path'].includes(e.type))
    .map((e) => (e.type === 'path' ? `path:${e.path}` : e.type === 'session-open' ? `session-open:${e.path}` : e.type));
}

describe('issue 9 #2: the Peer moves its session to a new path only after in-session validation', () => {
  it('issue 9 #2: relay -> direct upgrade goes path-proposed -> PATH_CHALLENGE/RESPONSE (path-changed) -> path:direct, and the stream stays intact', () => {
    const sim = new Simulator({ seed: SEED, scenario: 'peer-path-validation' });
    addPeerPairWorld(sim);
    sim.partition({ a: ['nat-a'], b: ['nat-b'], until: 6_000 });
    const punch = { upgrade_interval_ms: 5_000 };
    const peerB = makePairPeer(sim, 'b', { punch });
    const hb = sim.run('b', peerB, { port: PEER_PORT });
    const peerA = makePairPeer(sim, 'a', { punch });
    const ha = sim.run('a', peerA, { port: PEER_PORT });
    sim.runFor(20_000);
    const expected = ['session-open:relay', 'path-proposed', 'path-changed', 'path:direct'];
    const reproduce = `SEED=${SEED} npx vitest run test/protocol/peer/path-validation.test.ts`;
    expect(order(ha.events).filter((t) => t !== 'path:relay'), reproduce).toEqual(expected);
    expect(order(hb.events).filter((t) => t !== 'path:relay'), reproduce).toEqual(expected);
    expect(peerA.punch.path?.kind).toBe('direct');
    // The session's identity is the one it opened with.
    const opened = ha.events.find((e) => e.type === 'session-open');
    expect(opened && opened.type === 'session-open' ? opened.peer_key_hex : '').toBe(peerA.peerKeyHex);

    // Bytes written after the move arrive intact, over the direct pair.
    expect(peerA.sessionOpen).toBe(true);
    const data = patternBytes(128 * 1024);
    const received = streamBetween(sim, peerA, peerB, data, { steps_max: 1000, step_ms: 10 });
    expect(received.byteLength).toBe(data.byteLength);
    expect(equalBytes(received, data)).toBe(true);
    expect(peerA.counters.relay_in + peerB.counters.relay_in).toBeGreaterThan(0);
  });
});
