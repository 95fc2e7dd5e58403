// A mesh of N peers on the simulated internet over plain datagrams: hosts with their own
// links (latency, loss), one MeshNode each (crashable), joined one after another through a
// random earlier peer. The 1,000-peer scenarios and the bench use this; the secure 50-peer
// scenario builds its own world over secure sessions (secure-world.ts).
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import type { DisseminationMode, MeshLimits } from '../../protocol/mesh/config.ts';
import type { Machine } from '../../protocol/core/machine.ts';
import type { MeshNode } from '../../protocol/mesh/mesh-node.ts';
import { MeshNode as MeshNodeClass } from '../../protocol/mesh/mesh-node.ts';
import { SyncNode, type SyncCommand, type SyncEvent } from '../../protocol/sync/sync-node.ts';
import { DeliveryLog } from './delivery-log.ts';
import type { MachineHandle, Simulator } from '../../runtime-sim/index.ts';
import type { LinkConfig } from '../../runtime-sim/link.ts';
import { Crashable } from './crashable.ts';

export const MESH_PORT = 7400;
export const MESH_PROTOCOL = 'peerlab-mesh';
export const MESH_VERSION = 0x0100;

export interface MeshPeer {
  readonly name: string;
  readonly index: number;
  readonly addr: Addr;
  readonly node: MeshNode;
  readonly sync: SyncNode | undefined;
  readonly box: Crashable<SyncCommand, SyncEvent>;
  readonly handle: MachineHandle<SyncCommand, SyncEvent>;
  /** Virtual time it joined and (if it did) crashed or left. */
  joinedAt: number;
  goneAt: number;
  /** Id of the last message this peer sent (from its 'sent' event). */
  lastSentId: string | undefined;
}

export interface WorldOptions {
  readonly peers: number;
  readonly mode: DisseminationMode;
  /** Loss per link crossing (a datagram crosses two: sender's uplink, receiver's downlink). */
  readonly link_loss: number;
  readonly latency_min_ms: number;
  readonly latency_max_ms: number;
  readonly limits?: Partial<MeshLimits>;
  readonly debug_events?: boolean;
  /** Peers added now; the rest later with addPeer(). */
  readonly initial?: number;
  /** Milliseconds between two joins. */
  readonly join_spacing_ms: number;
  readonly protocol_id?: (index: number) => string;
  /** Run the replicated dict on every peer (SyncNode around the MeshNode). */
  readonly sync?: { readonly lease_ms: number; readonly ae_interval_ms: number };
  /** Node name prefix (two worlds can share one simulator). */
  readonly prefix?: string;
}

/** Per-link loss that gives `endToEnd` loss over the two crossings of one datagram. */
export function perLinkLoss(endToEnd: number): number {
  return 1 - Math.sqrt(1 - endToEnd);
}

export class MeshWorld {
  readonly peers: MeshPeer[] = [];
  readonly log: DeliveryLog;
  private readonly link: LinkConfig;

  constructor(
    readonly sim: Simulator,
    readonly options: WorldOptions,
  ) {
    this.link = {
      latency: { kind: 'uniform', min_ms: options.latency_min_ms, max_ms: options.latency_max_ms },
      ...(options.link_loss > 0 ? { loss: { kind: 'bernoulli', p: options.link_loss } } : {}),
    };
    this.log = new DeliveryLog(() => sim.now);
    const initial = options.initial ?? options.peers;
    for (let i = 0; i < initial; i++) this.addPeer(i * options.join_spacing_ms);
  }

  /** Adds peer number `peers.length`, joining at virtual time `at` through a random live peer. */
  addPeer(at: number): MeshPeer {
    const index = this.peers.length;
    const prefix = this.options.prefix ?? 'p';
    const name = `${prefix}${index}`;
    const ip = `${prefix === 'p' ? 10 : 11}.${(index >> 8) & 255}.${index & 255}.1`;
    const sim = this.sim;
    sim.addHost({ name, realm: sim.internet, ips: [ip], link: this.link });
    const rng = sim.rng.fork(`mesh:${name}`);
    const local = addr(ip, MESH_PORT);
    const meshConfig = {
      protocol_id: this.options.protocol_id?.(index) ?? MESH_PROTOCOL,
      protocol_version: MESH_VERSION,
      publicKey: rng.nextBytes(32),
      local,
      mode: this.options.mode,
      crypto: nobleCrypto,
      rng,
      limits: this.options.limits,
      debug_events: this.options.debug_events,
    };
    const sync = this.options.sync ? new SyncNode({ mesh: meshConfig, ...this.options.sync }) : undefined;
    const node = sync?.mesh ?? new MeshNodeClass(meshConfig);
    const box = new Crashable<SyncCommand, SyncEvent>(sync ?? (node as unknown as Machine<SyncCommand, SyncEvent>));
    const handle = sim.run(name, box, { port: MESH_PORT, events_kept_max: 0 });
    const peer: MeshPeer = { name, index, addr: local, node, sync, box, handle, joinedAt: at, goneAt: Infinity, lastSentId: undefined };
    handle.onEvent((event) => {
      if (event.type === 'sent') peer.lastSentId = event.id;
    });
    handle.onEvent((event) => this.log.observe(name, event as import('../../protocol/mesh/events.ts').MeshEvent));
    this.peers.push(peer);
    if (index > 0) {
      sim.at(at, () => {
        const live = this.peers.filter((p) => p !== peer && p.goneAt === Infinity && p.joinedAt <= sim.now);
        if (live.length === 0) return;
        // Two bootstrap contacts (distinct when possible), so one that crashes at once cannot
        // strand the joiner.
        const first = live[sim.rng.nextInt(0, live.length - 1)]!;
        handle.command({ type: 'connect', addr: first.addr });
        const rest = live.filter((p) => p !== first);
        if (rest.length > 0) sim.at(sim.now + 2_000, () => {
          const second = rest[sim.rng.nextInt(0, rest.length - 1)]!;
          if (peer.goneAt === Infinity && second.goneAt === Infinity) handle.command({ type: 'connect', addr: second.addr });
        });
      });
    }
    return peer;
  }

  crash(peer: MeshPeer): void {
    peer.goneAt = this.sim.now;
    peer.box.crash();
  }

  leave(peer: MeshPeer): void {
    peer.handle.command({ type: 'disconnect' });
    peer.goneAt = this.sim.now;
    peer.box.crash();
  }

  live(): MeshPeer[] {
    return this.peers.filter((p) => p.goneAt === Infinity);
  }
}
