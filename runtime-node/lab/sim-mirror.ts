// Builds a lab case's topology in the simulator: the same NATs (each kernel router mapped to
// its simulator preset), the same addresses, a STUN server where coturn runs. The probe
// comparison runs ProbeMachine on both peers exactly as the kernel probe does.
import { addr } from '../../protocol/core/addr.ts';
import { StunServer } from '../../protocol/punch/stun-server.ts';
import { Simulator } from '../../runtime-sim/index.ts';
import type { Realm } from '../../runtime-sim/index.ts';
import type { LabCase } from './cases.ts';
import { simNat } from './nat-rules.ts';
import type { ProbeOutcome } from './probe-case.ts';
import { ProbeMachine, type ProbeEvent } from './probe-machine.ts';
import { INTERNET, type LabTopologySpec } from './topology.ts';


export function buildSimTopology(spec: LabTopologySpec, seed: number, scenario: string): Simulator {
  const sim = new Simulator({ seed, scenario });
  const insides = new Map<string, Realm>();
  const pending = [...spec.nats];
  while (pending.length > 0) {
    const index = pending.findIndex((n) => n.parent === 'internet' || insides.has(n.parent));
    if (index < 0) throw new Error('sim mirror: NAT parents missing');
    const nat = pending.splice(index, 1)[0]!;
    const realm = nat.parent === 'internet' ? sim.internet : insides.get(nat.parent)!;
    const lanBase = nat.lanIp.split('.').slice(0, 3).join('.');
    const gateway = sim.addNat({
      name: nat.name,
      ...simNat(nat.kind),
      realm,
      externalIps: [nat.wanIp],
      insideSubnet: `${lanBase}.0/${nat.lanPrefix}`,
    });
    insides.set(nat.name, gateway.inside);
  }
  for (const host of spec.hosts) sim.addHost({ name: host.name, realm: insides.get(host.nat)!, ips: [host.ip] });
  // The alternate IP is there for RFC 5780 cases (the rendezvous's --alternate); unused otherwise.
  sim.addHost({ name: 'server', ips: [INTERNET.serverIp, INTERNET.alternateIp], role: 'server' });
  return sim;
}

/** Local port the probes use, as in the kernel probe. */
const probe_port = 40_000;

export function simProbeCase(labCase: LabCase, seed = 1): ProbeOutcome {
  const sim = buildSimTopology(labCase.topology, seed, `lab-probe/${labCase.name}`);
  const stunAt = addr(INTERNET.serverIp, INTERNET.coturnPort);
  sim.run('server', new StunServer({ primary: stunAt }), { port: INTERNET.coturnPort });
  const machines = new Map<string, { machine: ProbeMachine; events: readonly ProbeEvent[]; command(c: Parameters<ProbeMachine['handleCommand']>[1]): void }>();
  for (const name of ['a', 'b']) {
    const machine = new ProbeMachine(sim.rng.fork(`probe:${name}`));
    const handle = sim.run(name, machine, { port: probe_port });
    machines.set(name, { machine, events: handle.events, command: (c) => handle.command(c) });
  }
  // STUN one after the other, as the kernel probe does, then the simultaneous hellos.
  const mapped: Record<string, string | undefined> = {};
  for (const name of ['a', 'b']) {
    machines.get(name)!.command({ type: 'stun', server: stunAt });
    sim.runFor(3000);
    mapped[name] = machines.get(name)!.machine.mapped;
  }
  const heard: Record<string, string[]> = { a: [], b: [] };
  if (mapped.a && mapped.b) {
    const a = machines.get('a')!;
    const b = machines.get('b')!;
    const before = { a: a.events.length, b: b.events.length };
    const lead_ms = labCase.probe_b_lead_ms ?? 0;
    b.command({ type: 'punch', to: parseIpPort(mapped.a), for_ms: 1500 + lead_ms });
    sim.runFor(lead_ms);
    a.command({ type: 'punch', to: parseIpPort(mapped.b), for_ms: 1500 });
    sim.runFor(2000);
    for (const [name, m] of [['a', a], ['b', b]] as const) {
      heard[name] = m.events.slice(before[name]).flatMap((e) => (e.type === 'heard' ? [e.from] : []));
    }
  }
  const count = (heard.a!.length > 0 ? 1 : 0) + (heard.b!.length > 0 ? 1 : 0);
  return { case: labCase.name, mapped, heard, through: count === 2 ? 'both' : count === 1 ? 'one' : 'none' };
}

function parseIpPort(text: string): ReturnType<typeof addr> {
  const colon = text.lastIndexOf(':');
  return addr(text.slice(0, colon), Number(text.slice(colon + 1)));
}
