// What a node remembers to route replies (mesh-node.ts): who sent each recent message (so
// `reply` finds them), the ids of messages we sent (a stranger may answer only those, with a
// DIRECT datagram), and the ids of whispers and replies already delivered (they are not in
// Plumtree's dedup cache). Every map is bounded and expires (expiring-set.ts).
import type { Addr } from '../core/addr.ts';
import type { Millis } from '../core/time.ts';
import type { MeshLimits } from './config.ts';
import { ExpiringMap } from './expiring-set.ts';

export interface SenderInfo {
  readonly key: Uint8Array;
  readonly addr: Addr;
}

export class ReplyRoutes {
  private readonly senders: ExpiringMap<SenderInfo>;
  private readonly originated: ExpiringMap<true>;
  private readonly delivered: ExpiringMap<true>;

  constructor(limits: MeshLimits) {
    this.senders = new ExpiringMap(limits.store_ttl_ms, limits.store_max);
    this.originated = new ExpiringMap(limits.seen_ttl_ms, limits.originated_max);
    this.delivered = new ExpiringMap(limits.seen_ttl_ms, limits.store_max);
  }

  noteSender(now: Millis, idHex: string, sender: SenderInfo): void {
    this.senders.set(now, idHex, sender);
  }

  senderOf(idHex: string): SenderInfo | undefined {
    return this.senders.get(idHex);
  }

  /** We sent message `idHex`: its sender may reply to us directly. */
  originate(now: Millis, idHex: string): void {
    this.originated.set(now, idHex, true);
  }

  isOurs(idHex: string): boolean {
    return this.originated.has(idHex);
  }

  /** A whisper or reply arrives: true the first time its id is seen. */
  firstDelivery(now: Millis, idHex: string): boolean {
    return this.delivered.set(now, idHex, true);
  }

  /** Sweeps in the order the node always did: senders, originated, delivered. */
  expire(now: Millis): void {
    this.senders.expire(now);
    this.originated.expire(now);
    this.delivered.expire(now);
  }
}
