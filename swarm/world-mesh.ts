// The mesh world: five replicated-dict peers (a..e, SyncNode over MeshNode) on public
// addresses over plain datagrams, each joining through the one before it (and, later, through
// a). Broadcasts and dict writes (often on the same few keys, so leases conflict) come from
// drawn peers at drawn times, under the seed's drawn fault schedule (link faults, partitions
// that heal, on-path adversaries). Invariants: after every step, no peer has delivered a
// broadcast twice and every mesh table is within its limit (the guards check the machine
// contract on every call); once the last fault has healed, every broadcast reaches every
// peer and every replica holds the same writes (equal digests): that moment is the success,
// and not reaching it within the plan's bound is a `no-outcome` violation.
import { addr } from '../protocol/core/addr.ts';
import { nobleCrypto } from '../protocol/core/noble-crypto.ts';
import { equalBytes, hex } from '../protocol/core/bytes.ts';
import type { MeshNode } from '../protocol/mesh/mesh-node.ts';
import { SyncNode, type SyncCommand, type SyncEvent } from '../protocol/sync/sync-node.ts';
import type { LinkConfig, MachineHandle } from '../runtime-sim/index.ts';
import { ContractGuard, type GuardCommand } from './guard.ts';
import type { Plan } from './plan.ts';
import { checkTables, type TableReading } from './tables.ts';
import { violation } from './violation.ts';
import { accessLink, type Outcome, type SwarmWorld, type WorldContext } from './world.ts';

export const MESH_PEERS = ['a', 'b', 'c', 'd', 'e'] as const;
const MESH_PORT = 7400;
const broadcasts = 6;
const writes = 6;
/** Workload actions happen in this window (faults mostly start in the first 6 s). */
const workload_from_ms = 3_000;
const workload_until_ms = 40_000;

/** When the last fault of the plan is over (a link change that stays counts from its start). */
export function lastFaultEnd(plan: Plan): number {
  let end = 0;
  for (const e of plan.schedule) {
    if (e.kind === 'link') end = Math.max(end, e.until_ms ?? e.at_ms);
    else if (e.kind === 'partition' || e.kind === 'adversary') end = Math.max(end, e.until_ms);
  }
  return end;
}

function meshTables(name: string, node: MeshNode): TableReading[] {
  const l = node.limits;
  return [
    { name: `${name}.active`, size: node.routingTable.size, limit: l.active_max + l.active_slack },
    { name: `${name}.passive`, size: node.passiveSize, limit: l.passive_max },
    { name: `${name}.missing`, size: node.plumtree.missingCount, limit: l.missing_max },
    { name: `${name}.seen`, size: node.plumtree.seen.size, limit: l.seen_max },
    { name: `${name}.store`, size: node.plumtree.store.size, limit: l.store_max },
  ];
}

export function buildMeshWorld(ctx: WorldContext): SwarmWorld & { debug(): string } {
  const { sim, plan, tally } = ctx;
  const links = new Map<string, LinkConfig>();
  const unread = new Set<string>();
  const nodes: SyncNode[] = [];
  const handles: Array<MachineHandle<GuardCommand<SyncCommand>, SyncEvent>> = [];
  /** Broadcast id -> peer -> deliveries. */
  const delivered = new Map<string, Map<string, number>>();
  const sent: string[] = [];
  MESH_PEERS.forEach((name, i) => {
    const ip = `203.0.113.${60 + i}`;
    const link = accessLink(plan.topology, i === 0 ? plan.topology.access_ms_a : plan.topology.access_ms_b);
    sim.addHost({ name, ips: [ip], link });
    links.set(name, link);
    const rng = sim.rng.fork(`mesh-${name}`);
    const sync = new SyncNode({ mesh: { protocol_id: 'swarm-mesh', protocol_version: 0x0100, publicKey: rng.nextBytes(32), local: addr(ip, MESH_PORT), crypto: nobleCrypto, rng }, ae_interval_ms: 5_000 });
    const handle = sim.run<GuardCommand<SyncCommand>, SyncEvent>(name, new ContractGuard(name, sync, tally), { port: MESH_PORT, events_kept_max: 0 });
    handle.onEvent((e) => {
      if (e.type === 'sent' && e.flag === 'broadcast' && e.msg_type === 'swarm') sent.push(e.id);
      // Every broadcast (dict writes too) counts against duplicates; plain datagrams carry no
      // checksum, so a corrupted copy may arrive with another type: match ids, not types.
      if (e.type !== 'message' || e.flag !== 'broadcast') return;
      let per = delivered.get(e.id);
      if (per === undefined) delivered.set(e.id, (per = new Map()));
      per.set(name, (per.get(name) ?? 0) + 1);
    });
    nodes.push(sync);
    handles.push(handle);
    if (i > 0) {
      sim.at(i * 50, () => handle.command({ kind: 'command', command: { type: 'connect', addr: addr(`203.0.113.${59 + i}`, MESH_PORT) } }));
      if (i > 1) sim.at(2_000 + i * 50, () => handle.command({ kind: 'command', command: { type: 'connect', addr: addr('203.0.113.60', MESH_PORT) } }));
    }
  });
  const rng = sim.rng.fork('mesh-workload');
  let lastAction = 0;
  for (let b = 0; b < broadcasts; b++) {
    const at = rng.nextInt(workload_from_ms, workload_until_ms);
    const from = rng.nextInt(0, MESH_PEERS.length - 1);
    lastAction = Math.max(lastAction, at);
    sim.at(at, () => handles[from]!.command({ kind: 'command', command: { type: 'send', packets: [`b${b}`], msg_type: 'swarm' } }));
  }
  for (let w = 0; w < writes; w++) {
    const at = rng.nextInt(workload_from_ms, workload_until_ms);
    const from = rng.nextInt(0, MESH_PEERS.length - 1);
    const key = `k${rng.nextInt(0, 2)}`;
    lastAction = Math.max(lastAction, at);
    sim.at(at, () => handles[from]!.command({ kind: 'command', command: { type: 'sync-set', key, value: `${MESH_PEERS[from]}-${w}` } }));
  }
  const settledFrom = Math.max(lastAction, lastFaultEnd(plan));
  const converged = (): boolean => {
    if (sent.length < broadcasts) return false;
    for (const id of sent) if ((delivered.get(id)?.size ?? 0) < MESH_PEERS.length - 1) return false;
    const first = nodes[0]!.replica.digest(nobleCrypto);
    return nodes.every((n) => equalBytes(n.replica.digest(nobleCrypto), first));
  };
  return {
    unread,
    baseLink: (node) => links.get(node),
    check() {
      let n = 0;
      for (const [id, per] of delivered) {
        for (const [peer, count] of per) if (count > 1) violation('data', `${peer} delivered broadcast ${id} ${count} times`);
        n++;
      }
      nodes.forEach((s, i) => (n += checkTables(meshTables(MESH_PEERS[i]!, s.mesh), unread)));
      return n;
    },
    outcome(): Outcome | undefined {
      if (sim.now < settledFrom || !converged()) return undefined;
      return { kind: 'success', at_ms: sim.now };
    },
    debug(): string {
      const missing = sent.map((id) => `${id.slice(0, 6)}:${MESH_PEERS.filter((p) => !(delivered.get(id)?.has(p) ?? false)).join('')}`);
      const digests = nodes.map((n) => hex(n.replica.digest(nobleCrypto)).slice(0, 6));
      const views = nodes.map((n, i) => `${MESH_PEERS[i]}:${n.mesh.routingTable.size}/${n.mesh.passiveSize}`);
      return `sent ${sent.length} missing ${missing.join(' ')} digests ${digests.join(',')} views ${views.join(' ')}`;
    },
    finish() {
      // Every broadcast reached every peer but its sender, exactly once.
      for (const id of sent) {
        const per = delivered.get(id);
        if ((per?.size ?? 0) !== MESH_PEERS.length - 1) violation('data', `broadcast ${id} reached ${per?.size ?? 0} of ${MESH_PEERS.length - 1} peers`);
      }
      return sent.length;
    },
  };
}
