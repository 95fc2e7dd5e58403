// Protocol identity: a peer of another mesh (different id) or an incompatible version asks
// to join. Both sides must report `protocol-mismatch`, naming both ids, within one round trip
// (4 link crossings of 10 ms = 40 ms), link nothing, and deliver nothing afterwards.
import { addr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { MeshNode, type MeshCommand } from '../../protocol/mesh/mesh-node.ts';
import type { MeshEvent } from '../../protocol/mesh/events.ts';
import type { MachineHandle } from '../../runtime-sim/index.ts';
import { atMost, equal } from '../expect.ts';
import type { Scenario } from '../scenario.ts';
import { fixed } from '../kit/topology.ts';
import { MESH_PORT } from './world.ts';

const one_way_ms = 10;
/** Request up (2 crossings) and answer back (2 crossings). */
const rtt_ms = 4 * one_way_ms;

interface Side {
  handle: MachineHandle<MeshCommand, MeshEvent>;
  mismatchAt: number;
  remoteId: string;
  links: number;
  delivered: number;
}

function mismatch(kind: 'id' | 'version'): Scenario {
  return {
    name: `mesh/protocol-mismatch-${kind}`,
    description: `a peer with another protocol ${kind} is refused on both sides within one RTT (${rtt_ms} ms); nothing is delivered`,
    suites: ['mesh'],
    figures: ['a_after_ms', 'b_after_ms', 'rtt_ms', 'a_saw', 'b_saw', 'links', 'delivered'],
    run(sim) {
      const mk = (name: string, ip: string, protocol_id: string, version: number): Side => {
        sim.addHost({ name, ips: [ip], link: fixed(one_way_ms) });
        const rng = sim.rng.fork(name);
        const node = new MeshNode({ protocol_id, protocol_version: version, publicKey: rng.nextBytes(32), local: addr(ip, MESH_PORT), crypto: nobleCrypto, rng, debug_events: true });
        const side: Side = { handle: sim.run(name, node, { port: MESH_PORT }), mismatchAt: -1, remoteId: '', links: 0, delivered: 0 };
        side.handle.onEvent((e) => {
          if (e.type === 'protocol-mismatch' && side.mismatchAt < 0) {
            side.mismatchAt = sim.now;
            side.remoteId = `${e.remote_id}@${e.remote_version.toString(16)}`;
          }
          if (e.type === 'neighbor-up') side.links++;
          if (e.type === 'message') side.delivered++;
        });
        return side;
      };
      const a = mk('a', '198.51.100.1', 'chat', 0x0100);
      const b = kind === 'id' ? mk('b', '198.51.100.2', 'wiki', 0x0100) : mk('b', '198.51.100.2', 'chat', 0x0200);
      const startAt = 1_000;
      sim.at(startAt, () => a.handle.command({ type: 'connect', addr: addr('198.51.100.2', MESH_PORT) }));
      // After the refusal, both try to talk anyway: nothing may arrive.
      sim.at(startAt + 500, () => a.handle.command({ type: 'send', packets: ['hello?'] }));
      sim.at(startAt + 600, () => b.handle.command({ type: 'send', packets: ['anyone?'] }));
      sim.runUntil(startAt + 5_000);
      return {
        a_after_ms: a.mismatchAt < 0 ? -1 : a.mismatchAt - startAt,
        b_after_ms: b.mismatchAt < 0 ? -1 : b.mismatchAt - startAt,
        rtt_ms,
        a_saw: a.remoteId,
        b_saw: b.remoteId,
        links: a.links + b.links,
        delivered: a.delivered + b.delivered,
      };
    },
    expectations: [
      atMost('a_after_ms', rtt_ms),
      atMost('b_after_ms', rtt_ms),
      // -1 would mean "never": both must have seen it.
      { name: 'both sides reported', check: (o) => ((o['a_after_ms'] as number) >= 0 && (o['b_after_ms'] as number) >= 0 ? true : `a ${o['a_after_ms']}, b ${o['b_after_ms']}`) },
      equal('a_saw', kind === 'id' ? 'wiki@100' : 'chat@200'),
      equal('b_saw', 'chat@100'),
      equal('links', 0),
      equal('delivered', 0),
    ],
  };
}

export const mismatchScenarios: Scenario[] = [mismatch('id'), mismatch('version')];
