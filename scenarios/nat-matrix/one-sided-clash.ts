// The one-sided conntrack clash (issue 15) with bare punch clients, in the simulator: the side
// `clashed` sits behind a Linux router without an inbound firewall (linux-masquerade), the
// other behind a port-restricted cone. The unclashed side sends one unsolicited datagram to the
// clashed side's public port before any probe, so conntrack owns the tuple (router:5000 <->
// peer's public 5000) and the clashed side's own flow to the peer leaves from another port,
// which the peer's NAT drops. The plain simultaneous open fails both ways; the re-punch
// (protocol/punch/repunch.ts) leads from a spare socket. Without spares the same world ends on
// the relay. Shared by test/protocol/punch/issue-15-repunch.test.ts and bench/punch.ts.
import { addr } from '../../protocol/core/addr.ts';
import { PunchClient, type PunchCommand } from '../../protocol/punch/punch-client.ts';
import type { PunchEvent } from '../../protocol/punch/punch-events.ts';
import { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import { PreludeMachine } from '../../runtime-node/lab/prelude-machine.ts';
import { utf8 } from '../../protocol/core/bytes.ts';

export const CLASH_SERVER = addr('198.51.100.7', 3478);
export const CLASH_PORT = 5000;
export const CLASH_SPARE_PORT = 5001;
export const CLASH_PUBLIC = { a: '203.0.113.10', b: '203.0.113.20' } as const;
export const CLASH_INSIDE = { a: '10.0.1.2', b: '10.0.2.2' } as const;
/** Head start of the early side, so its datagram is at the router before any probe (as in the lab). */
const EARLY_LEAD_MS = 300;
/** How long the pair gets after the second side starts. */
const RUN_MS = 8_000;

export interface ClashRun {
  readonly sim: Simulator;
  readonly clients: { readonly a: PunchClient; readonly b: PunchClient };
  readonly events: { readonly a: PunchEvent[]; readonly b: PunchEvent[] };
  /** Clashes counted by the clashed side's router. */
  readonly clashes: number;
  /** a's punch instruction -> a's first direct path (sim ms), as the lab reads it from a's trace. */
  readonly punch_to_direct_ms: number | undefined;
}

/** a dials b; `clashed` names the side behind the firewall-less router; `spares` gives each side a spare socket. */
export function runOneSidedClash(seed: number, clashed: 'a' | 'b', spares: boolean): ClashRun {
  const sim = new Simulator({ seed, scenario: `issue-15/repunch/${clashed}` });
  const link = { latency: { kind: 'fixed' as const, ms: 10 } };
  const nats = {
    a: sim.addNat({ name: 'nat-a', preset: clashed === 'a' ? 'linux-masquerade' : 'port-restricted-cone', externalIps: [CLASH_PUBLIC.a], insideSubnet: '10.0.1.0/24', link }),
    b: sim.addNat({ name: 'nat-b', preset: clashed === 'b' ? 'linux-masquerade' : 'port-restricted-cone', externalIps: [CLASH_PUBLIC.b], insideSubnet: '10.0.2.0/24', link }),
  };
  sim.addHost({ name: 'a', realm: nats.a.inside, ips: [CLASH_INSIDE.a], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'b', realm: nats.b.inside, ips: [CLASH_INSIDE.b], link: { latency: { kind: 'fixed', ms: 1 } } });
  sim.addHost({ name: 'rendezvous', ips: [CLASH_SERVER.ip], role: 'server', link: { latency: { kind: 'fixed', ms: 5 } } });
  sim.run('rendezvous', new RendezvousServer({ primary: CLASH_SERVER }, sim.rng.fork('rendezvous')), { port: CLASH_SERVER.port });
  const events = { a: [] as PunchEvent[], b: [] as PunchEvent[] };
  let punchAt: number | undefined;
  let directAt: number | undefined;
  const make = (name: 'a' | 'b'): PunchClient => {
    const ip = CLASH_INSIDE[name];
    const local = addr(ip, CLASH_PORT);
    const other = name === 'a' ? 'b' : 'a';
    const client = new PunchClient(
      {
        id: name, token: sim.rng.fork(`token-${name}`).nextBytes(16), server: CLASH_SERVER, local, relay_first: true,
        spares: spares ? [addr(ip, CLASH_SPARE_PORT)] : [],
        ...(name === 'a' ? { connect_to: 'b' } : { accept_from: 'a' }),
      },
      sim.rng.fork(`punch-${name}`),
    );
    // The unclashed side's early datagram, aimed at the clashed side's public port.
    const prelude = name !== clashed ? [{ remote: addr(CLASH_PUBLIC[other], CLASH_PORT), data: utf8('early') }] : [];
    const handle = sim.run<PunchCommand, PunchEvent>(name, new PreludeMachine(client, prelude), { addresses: [local, addr(ip, CLASH_SPARE_PORT)] });
    handle.onEvent((e) => {
      events[name].push(e);
      if (name !== 'a') return;
      if (e.type === 'punch-start' && punchAt === undefined) punchAt = sim.now;
      if (e.type === 'path' && e.path === 'direct' && directAt === undefined) directAt = sim.now;
    });
    return client;
  };
  const first = clashed === 'a' ? 'b' : 'a';
  const second = first === 'a' ? 'b' : 'a';
  const clients = { [first]: make(first) } as Record<'a' | 'b', PunchClient>;
  sim.runFor(EARLY_LEAD_MS);
  clients[second] = make(second);
  sim.runFor(RUN_MS);
  return { sim, clients: { a: clients.a, b: clients.b }, events, clashes: nats[clashed].box.counters.clashes,
    punch_to_direct_ms: punchAt !== undefined && directAt !== undefined ? directAt - punchAt : undefined,
  };
}
