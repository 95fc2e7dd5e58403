// Issue 15, the one-sided conntrack clash: a Linux router without an inbound firewall (nat-a)
// receives the peer's datagram on a's port before a sends to the peer, so conntrack owns the
// tuple (nat-a:5000 <-> b's public 5000) and a's own flow to b leaves from another port, which
// b's port-restricted NAT drops; b's probes keep hitting the stale entry. The plain simultaneous
// open fails both ways. The re-punch (protocol/punch/repunch.ts) leads from a spare socket:
// its probe leaves first, the relayed notice follows, the peer probes the spare's public
// address and the pair opens, with no relay fallback. Attempts alternate between the roles, so
// a clash on the controlled side's router is undone too (attempt 1). Without a spare socket
// the same world ends on the relay (the control). Also: the notice's checks (foreign address,
// duplicates, limit, a forged key). And the post-idle clash: with spare sockets the pair comes
// back direct seconds after the loss (path-keeper.ts punches again soon; the spares rotate).
import { describe, expect, it } from 'vitest';
import { addr, formatAddr, type Addr } from '../../../protocol/core/addr.ts';
import { PunchClient, type PunchCommand } from '../../../protocol/punch/punch-client.ts';
import type { PunchEvent } from '../../../protocol/punch/punch-events.ts';
import { RendezvousServer } from '../../../protocol/punch/rendezvous-server.ts';
import { decodeRendezvous, encodeRendezvous } from '../../../protocol/punch/rendezvous-wire.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { NAT_PRESETS } from '../../../runtime-sim/nat/presets.ts';
import { CLASH_PORT, CLASH_PUBLIC, CLASH_SERVER, CLASH_SPARE_PORT, runOneSidedClash } from '../../../scenarios/nat-matrix/one-sided-clash.ts';

const SERVER = CLASH_SERVER;
const PORT = CLASH_PORT;
const SPARE_PORT = CLASH_SPARE_PORT;
const PUBLIC = CLASH_PUBLIC;
/** The world lives in scenarios/nat-matrix/one-sided-clash.ts (bench/punch.ts measures it too). */
const clashWorld = runOneSidedClash;

const SEEDS = [1, 2, 3, 4, 5];

describe('issue 15: one-sided conntrack clash, re-punch from a fresh port', () => {
  for (const clashed of ['a', 'b'] as const) {
    const leader = clashed; // the side behind the firewall-less router must send first
    it(`clash on ${clashed === 'a' ? 'the controlling' : 'the controlled'} side's router: direct through ${leader}'s spare, no relay fallback (seeds ${SEEDS.join(',')})`, () => {
      for (const seed of SEEDS) {
        const run = clashWorld(seed, clashed, true);
        const reproduce = `seed ${seed}, clash on ${clashed}: ${JSON.stringify({ a: run.events.a.filter((e) => e.type === 'path' || e.type === 'repunch'), b: run.events.b.filter((e) => e.type === 'path' || e.type === 'repunch') })}`;
        expect(run.clashes, reproduce).toBeGreaterThanOrEqual(1);
        for (const side of ['a', 'b'] as const) expect(run.clients[side].path?.kind, `${side}: ${reproduce}`).toBe('direct');
        // The pair's end on the leader's side is its spare socket.
        const leaderPath = run.clients[leader].path!;
        expect(leaderPath.kind === 'direct' && formatAddr(leaderPath.local), reproduce).toBe(formatAddr(addr(leader === 'a' ? '10.0.1.2' : '10.0.2.2', SPARE_PORT)));
        const leads = run.events[leader].filter((e): e is Extract<PunchEvent, { type: 'repunch' }> => e.type === 'repunch' && e.role === 'lead');
        expect(leads.length, reproduce).toBeGreaterThanOrEqual(1);
        // Attempt 0 is the controlling side's (a), attempt 1 the controlled side's (b).
        expect(leads.at(-1)!.attempt, reproduce).toBe(clashed === 'a' ? 0 : 1);
        for (const side of ['a', 'b'] as const) expect(run.events[side].filter((e) => e.type === 'path-lost'), reproduce).toEqual([]);
      }
    });
  }

  it('without a spare socket the same clash ends on the relay (the control)', () => {
    for (const seed of SEEDS) {
      const run = clashWorld(seed, 'a', false);
      expect(run.clashes, `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(run.clients.a.path?.kind, `seed ${seed}`).toBe('relay');
      expect(run.events.a.some((e) => e.type === 'repunch'), `seed ${seed}`).toBe(false);
    }
  });

  it('the notice: keyed, relayed, about the peer\'s own public IP, each candidate once, at most repunch_attempts_max', () => {
    // A world where the clash is not undone yet: no spares on a, so b waits as a follower.
    const run = clashWorld(7, 'a', false);
    const b = run.clients.b;
    const s = b.session!;
    const before = { ...b.counters };
    const relayed = (candidate: Addr, key = s.key): Uint8Array =>
      encodeRendezvous({ type: 'relay', session: s.id, payload: encodeRendezvous({ type: 'repunch', session: s.id, key, candidate }) });
    const deliver = (data: Uint8Array, from: Addr = SERVER): void => b.handleDatagram(run.sim.now, from, data, b.config.local);
    while (b.pollTransmit()) {}
    deliver(relayed(addr('192.0.2.99', 6000)));
    expect(b.counters['repunch-foreign-address'], 'another IP than the peer\'s').toBe((before['repunch-foreign-address'] ?? 0) + 1);
    deliver(relayed(addr(PUBLIC.a, 6000), new Uint8Array(8)));
    expect(b.counters['repunch-forged'], 'a wrong session key').toBe((before['repunch-forged'] ?? 0) + 1);
    // Unwrapped (not through the relay): never acted on.
    deliver(encodeRendezvous({ type: 'repunch', session: s.id, key: s.key, candidate: addr(PUBLIC.a, 6000) }), addr(PUBLIC.a, 6000));
    expect(b.counters['not-from-server'], 'a notice sent directly').toBe((before['not-from-server'] ?? 0) + 1);
    deliver(relayed(addr(PUBLIC.a, 6000)));
    deliver(relayed(addr(PUBLIC.a, 6000))); // the leader's second copy
    deliver(relayed(addr(PUBLIC.a, 6001)));
    // Each accepted candidate becomes a paced probe from b's usual socket.
    const probes: string[] = [];
    for (let t = run.sim.now; t <= run.sim.now + 100; t += 5) {
      b.handleTimeout(t);
      for (let out = b.pollTransmit(); out; out = b.pollTransmit()) {
        if (decodeRendezvous(out.data).type === 'probe' && (!out.local || formatAddr(out.local) === formatAddr(b.config.local))) probes.push(formatAddr(out.remote));
      }
    }
    expect(probes, 'both candidates probed').toEqual(expect.arrayContaining([`${PUBLIC.a}:6000`, `${PUBLIC.a}:6001`]));
    expect(probes.filter((p) => p.startsWith('192.0.2.99')), 'never the foreign address').toEqual([]);
    deliver(relayed(addr(PUBLIC.a, 6002)));
    expect(b.counters['repunch-limit'], 'a third candidate (repunch_attempts_max is 2)').toBe((before['repunch-limit'] ?? 0) + 1);
    expect(b.counters['repunch-duplicate'], 'copies are not drops').toBeUndefined();
  });
});

/**
 * The post-idle clash with bare punch clients: a direct pair through a firewall-less Linux
 * router (UDP timers cut to 10 s), keepalives sparser than that on both sides, b's first. After
 * the silence b's keepalive leaves a conntrack entry on a's port and a's next keepalive is moved
 * to another port: the pair dies both ways. Returns when each side lost it and regained a
 * direct pair.
 */
function postIdleWorld(seed: number, spares: boolean): { lostAt: number | undefined; directAgainAt: number | undefined; clashes: number; paths: PunchEvent[] } {
  const sim = new Simulator({ seed, scenario: 'issue-15/repunch/post-idle' });
  const link = { latency: { kind: 'fixed' as const, ms: 10 } };
  const natA = sim.addNat({
    name: 'nat-a', config: { ...NAT_PRESETS['linux-masquerade'], binding_timeout_ms: 10_000, stream_timeout_ms: 10_000 },
    externalIps: [PUBLIC.a], insideSubnet: '10.0.1.0/24', link,
  });
  const natB = sim.addNat({ name: 'nat-b', preset: 'port-restricted-cone', externalIps: [PUBLIC.b], insideSubnet: '10.0.2.0/24', link });
  sim.addHost({ name: 'a', realm: natA.inside, ips: ['10.0.1.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'b', realm: natB.inside, ips: ['10.0.2.2'], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'rendezvous', ips: [SERVER.ip], role: 'server', link: { latency: { kind: 'fixed', ms: 5 } } });
  sim.run('rendezvous', new RendezvousServer({ primary: SERVER }, sim.rng.fork('rendezvous')), { port: SERVER.port });
  const paths: PunchEvent[] = [];
  let lostAt: number | undefined;
  let directAgainAt: number | undefined;
  for (const [name, ip, keepalive_ms] of [['b', '10.0.2.2', 12_000], ['a', '10.0.1.2', 22_000]] as const) {
    const sockets = [PORT, SPARE_PORT, SPARE_PORT + 1].map((p) => addr(ip, p));
    const client = new PunchClient(
      {
        id: name, token: sim.rng.fork(`token-${name}`).nextBytes(16), server: SERVER, local: sockets[0]!, relay_first: true, keepalive_ms, register_refresh_ms: 25_000,
        spares: spares ? sockets.slice(1) : [], ...(name === 'a' ? { connect_to: 'b' } : { accept_from: 'a' }),
      },
      sim.rng.fork(`punch-${name}`),
    );
    const handle = sim.run<PunchCommand, PunchEvent>(name, client, { addresses: sockets });
    if (name === 'a') {
      handle.onEvent((e) => {
        if (e.type === 'path' || e.type === 'path-lost' || e.type === 'repunch') paths.push(e);
        if (e.type === 'path-lost' && lostAt === undefined) lostAt = sim.now;
        if (e.type === 'path' && e.path === 'direct' && lostAt !== undefined && directAgainAt === undefined) directAgainAt = sim.now;
      });
    }
  }
  sim.runFor(90_000);
  return { lostAt, directAgainAt, clashes: natA.box.counters.clashes, paths };
}

describe('issue 15: after a post-idle clash the pair comes back direct at once from a spare socket', () => {
  it('with spares: direct again within 5 s of the loss; without: only after the 30 s upgrade', () => {
    for (const seed of [1, 2, 3]) {
      const fast = postIdleWorld(seed, true);
      const reproduce = `seed ${seed}: ${JSON.stringify(fast)}`;
      expect(fast.clashes, reproduce).toBeGreaterThanOrEqual(1);
      expect(fast.lostAt, reproduce).toBeDefined();
      expect(fast.directAgainAt! - fast.lostAt!, reproduce).toBeLessThanOrEqual(5_000);
      const slow = postIdleWorld(seed, false);
      const control = `seed ${seed} without spares: ${JSON.stringify(slow)}`;
      expect(slow.lostAt, control).toBeDefined();
      expect(slow.directAgainAt, control).toBeDefined();
      expect(slow.directAgainAt! - slow.lostAt!, control).toBeGreaterThanOrEqual(30_000);
    }
  });
});
