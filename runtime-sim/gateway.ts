// A NAT node in the topology: the gateway of its inside realm, attached to its outer realm at
// its external IPs through its own link. The translation logic is a NatBox (runtime-sim/nat),
// a pure class with no network knowledge; this node adds what the network needs around it:
// where it sits, its link, and its expiry wake-up slot.
import { Link } from './link.ts';
import type { LinkConfig } from './link.ts';
import type { Realm } from './realm.ts';
import type { NatBox } from './nat/index.ts';

export class Gateway {
  readonly type = 'nat' as const;
  readonly up: Link;
  readonly down: Link;
  readonly externalIps: ReadonlySet<string>;
  /** Queue slot of this NAT's expiry wake-up (reserved on first use; -1 before). */
  expirySlot = -1;
  /** box.counters.mappingsCreated when the wake-up was last armed. */
  mappingsSeen = 0;

  constructor(
    readonly name: string,
    readonly box: NatBox,
    /** Preset name, or 'custom' for a hand-written NatConfig (trace header). */
    readonly preset: string,
    externalIps: readonly string[],
    /** The realm the external IPs live in. */
    readonly realm: Realm,
    /** The realm behind this NAT. */
    readonly inside: Realm,
    link?: LinkConfig,
  ) {
    this.externalIps = new Set(externalIps);
    this.up = new Link(`up:${name}`, link);
    this.down = new Link(`down:${name}`, link);
  }
}
