// A Chord ring of N nodes on the simulated internet over plain datagrams: one host per node
// with its own link, one ChordNode each (crashable), joining through a random live node one
// after another. Used by the `chord` suite, the bench and the tests. The script's own choices
// (who joins through whom, who crashes, which keys) come from one fork of the simulator's Rng.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import type { ChordLimits } from '../../protocol/chord/config.ts';
import { ChordNode, type ChordCommand } from '../../protocol/chord/chord-node.ts';
import type { ChordEvent } from '../../protocol/chord/events.ts';
import type { MachineHandle, Simulator } from '../../runtime-sim/index.ts';
import type { LinkConfig } from '../../runtime-sim/link.ts';
import type { SimRng } from '../../runtime-sim/random.ts';
import { Crashable } from '../mesh/crashable.ts';

export const CHORD_PORT = 7500;
export const CHORD_RING = 'peerlab-chord';
/** A join that timed out is retried through another live node after this long. */
const join_retry_ms = 1_000;

export interface ChordPeer {
  readonly name: string;
  readonly index: number;
  readonly addr: Addr;
  readonly node: ChordNode;
  readonly box: Crashable<ChordCommand, ChordEvent>;
  readonly handle: MachineHandle<ChordCommand, ChordEvent>;
  joinedAt: number;
  goneAt: number;
}

export interface ChordWorldOptions {
  readonly m_bits: number;
  readonly limits?: Partial<ChordLimits>;
  /** Route by fingers and successor lists (default) or by fingers only (the SIGCOMM paper). */
  readonly route_via_successors?: boolean;
  readonly link?: LinkConfig;
  readonly ring?: string;
  /** Node name prefix (two worlds can share one simulator). */
  readonly prefix?: string;
  /** Keep this many events per handle (0 for large rings: results go through onResult). */
  readonly events_kept_max?: number;
}

export class ChordWorld {
  readonly peers: ChordPeer[] = [];
  readonly rng: SimRng;
  private readonly listeners: Array<(peer: ChordPeer, event: ChordEvent) => void> = [];

  constructor(
    readonly sim: Simulator,
    readonly options: ChordWorldOptions,
  ) {
    this.rng = sim.rng.fork(`chord-script:${options.prefix ?? 'c'}`);
  }

  /** Every event of every node (after the machine is drained). */
  onEvent(fn: (peer: ChordPeer, event: ChordEvent) => void): void {
    this.listeners.push(fn);
  }

  /** Adds a node; the first creates the ring, the others join through a random live node at `at`. */
  addPeer(at: number, realmHost?: { realm: import('../../runtime-sim/realm.ts').Realm; ip?: string }): ChordPeer {
    const index = this.peers.length;
    const prefix = this.options.prefix ?? 'c';
    const name = `${prefix}${index}`;
    const sim = this.sim;
    const ip = realmHost ? realmHost.ip : `${prefix === 'c' ? 10 : 11}.${(index >> 8) & 255}.${index & 255}.1`;
    const host = sim.addHost({ name, realm: realmHost?.realm ?? sim.internet, ...(ip ? { ips: [ip] } : {}), ...(this.options.link ? { link: this.options.link } : {}) });
    const rng = sim.rng.fork(`chord:${name}`);
    const local = addr(host.ips[0]!, CHORD_PORT);
    const node = new ChordNode({ ring: this.options.ring ?? CHORD_RING, m_bits: this.options.m_bits, publicKey: rng.nextBytes(32), local, crypto: nobleCrypto, rng, limits: this.options.limits, route_via_successors: this.options.route_via_successors ?? true });
    const box = new Crashable<ChordCommand, ChordEvent>(node);
    const handle = sim.run(name, box, { port: CHORD_PORT, events_kept_max: this.options.events_kept_max ?? 0 });
    const peer: ChordPeer = { name, index, addr: local, node, box, handle, joinedAt: Infinity, goneAt: Infinity };
    const join = (): void => {
      if (peer.goneAt !== Infinity || node.joined) return;
      const live = this.live().filter((p) => p !== peer && p.node.joined);
      if (live.length === 0) {
        handle.command({ type: 'create' });
        return;
      }
      const contact = live[this.rng.nextInt(0, live.length - 1)]!;
      handle.command({ type: 'join', via: contact.addr });
    };
    handle.onEvent((event) => {
      if (event.type === 'joined') peer.joinedAt = sim.now;
      // The contact died mid-join (churn): try again through another live node, as an
      // application would.
      if (event.type === 'error' && event.operation === 'join' && event.code === 'timeout') sim.after(join_retry_ms, join);
      for (const fn of this.listeners) fn(peer, event);
    });
    this.peers.push(peer);
    sim.at(at, join);
    return peer;
  }

  crash(peer: ChordPeer): void {
    peer.goneAt = this.sim.now;
    peer.box.crash();
  }

  leave(peer: ChordPeer): void {
    peer.handle.command({ type: 'leave' });
    peer.goneAt = this.sim.now;
  }

  live(): ChordPeer[] {
    return this.peers.filter((p) => p.goneAt === Infinity);
  }

  /** A random live, joined node. */
  randomLive(): ChordPeer {
    const live = this.live().filter((p) => p.node.joined);
    return live[this.rng.nextInt(0, live.length - 1)]!;
  }
}
