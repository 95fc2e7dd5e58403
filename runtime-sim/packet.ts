// A datagram in flight through the simulated network, and the pool that recycles them. Each
// packet owns one event-queue slot for its whole pooled life, so moving a datagram across a
// link costs a heap insert and nothing else: no closure, no per-hop object.
import type { Addr } from '../protocol/core/addr.ts';
import type { Attachment, Realm } from './realm.ts';
import type { Gateway } from './gateway.ts';

/** Where a packet is going when its queue slot fires. */
export const STAGE_REALM = 0; // arriving in `realm`, to be routed
export const STAGE_NODE = 1; // arriving at `target` over its downlink
export const STAGE_GATEWAY = 2; // arriving at `gateway` from its inside realm

export class Packet {
  id = 0;
  /** Id of the datagram this is a copy of (duplication, broadcast), or -1. */
  dupOf = -1;
  src!: Addr;
  dst!: Addr;
  data!: Uint8Array;
  corrupted = false;
  /** Name of the sending host (partitions cut on it). */
  origin = '';
  /** Name of the last node the packet left. */
  prev = '';
  hops = 0;
  stage = STAGE_REALM;
  realm: Realm | undefined;
  target: Attachment | undefined;
  gateway: Gateway | undefined;
  constructor(readonly slot: number) {}
}

/** Bound on idle packets kept for reuse. */
export const packets_pooled_max = 1_000_000;

export class PacketPool {
  private readonly idle: Packet[] = [];
  constructor(
    private readonly makeSlot: (packet: Packet) => number,
    private readonly releaseSlot: (slot: number) => void,
  ) {}

  get(): Packet {
    const packet = this.idle.pop();
    if (packet !== undefined) return packet;
    const fresh = new Packet(-1);
    (fresh as { slot: number }).slot = this.makeSlot(fresh);
    return fresh;
  }

  put(packet: Packet): void {
    packet.realm = undefined;
    packet.target = undefined;
    packet.gateway = undefined;
    packet.data = EMPTY;
    if (this.idle.length < packets_pooled_max) this.idle.push(packet);
    else this.releaseSlot(packet.slot);
  }
}

const EMPTY = new Uint8Array(0);
