// A generic traffic-mutating adversary: a host that watches every datagram entering one realm
// (an on-path observer of, say, the internet) and injects mutated copies of what it saw: bit
// flips, truncations, exact replays, copies with a spoofed source, random garbage, and
// crafted handshakes (a Noise initiation whose ephemeral key is the low-order point 0, with a
// valid mac1, aimed at whatever spoke the secure transport). It knows nothing about sessions;
// protocol-aware attackers (scenarios/attack/) can reuse it for the mutation part.
// Every choice comes from the rng it is given, and injections run as simulator script events
// (never from inside the network's routing), so a seed fixes the whole attack.
import type { Addr } from '../protocol/core/addr.ts';
import { FIRST_BYTE } from '../protocol/core/demux.ts';
import { nobleCrypto } from '../protocol/core/noble-crypto.ts';
import { cookieKeys, sealInitiationMacs } from '../protocol/rudp/cookie.ts';
import { DEFAULT_CONFIG } from '../protocol/rudp/config.ts';
import { encodeInitiation } from '../protocol/rudp/packet.ts';
import type { Realm } from './realm.ts';
import type { SimRng } from './random.ts';
import type { Simulator } from './simulator.ts';

export const ADVERSARY_ACTIONS = ['bitflip', 'truncate', 'replay', 'spoof', 'garbage', 'low-order-initiation'] as const;
export type AdversaryAction = (typeof ADVERSARY_ACTIONS)[number];

export interface AdversaryConfig {
  /** The realm whose incoming datagrams the adversary sees (default: the internet). */
  readonly realm?: Realm;
  /** What it may do; each injection picks one uniformly. */
  readonly actions: readonly AdversaryAction[];
  /** Chance that one observed datagram provokes an injection. */
  readonly p: number;
  /** Injections are delayed uniformly in [0, delay_ms_max] (replays arrive late). */
  readonly delay_ms_max: number;
  /** Bound on injections over the whole run. */
  readonly injections_max: number;
  /** Observed datagrams kept for replays and spoofed sources. */
  readonly memory_max?: number;
  /** Network key for mac1 of crafted initiations (default: the transport's default). */
  readonly network_key?: string;
  /** Only act in this window of virtual time. */
  readonly from_ms?: number;
  readonly until_ms?: number;
}

interface Seen {
  readonly src: Addr;
  readonly dst: Addr;
  readonly data: Uint8Array;
}

const memory_max_default = 64;
const garbage_bytes_max = 1_200;

export class Adversary {
  readonly counters: Record<AdversaryAction, number> = { bitflip: 0, truncate: 0, replay: 0, spoof: 0, garbage: 0, 'low-order-initiation': 0 };
  injected = 0;
  observed = 0;
  private readonly memory: Seen[] = [];
  private readonly memory_max: number;
  private readonly mac1Keys;

  constructor(
    private readonly sim: Simulator,
    hostName: string,
    private readonly config: AdversaryConfig,
    private readonly rng: SimRng,
  ) {
    if (!(config.p >= 0 && config.p <= 1)) throw new RangeError(`adversary p ${config.p}`);
    this.memory_max = config.memory_max ?? memory_max_default;
    this.mac1Keys = cookieKeys(nobleCrypto, config.network_key ?? DEFAULT_CONFIG.network_key);
    const port = sim.adversaryPort(hostName);
    const realm = config.realm ?? sim.internet;
    const self = port.host.name;
    port.observe((r, src, dst, data, from) => {
      if (r !== realm || from === self) return;
      this.onObserved(src, dst, data, (s, d, bytes) => port.inject(s, d, bytes));
    });
  }

  private onObserved(src: Addr, dst: Addr, data: Uint8Array, inject: (src: Addr, dst: Addr, data: Uint8Array) => void): void {
    this.observed++;
    const now = this.sim.now;
    const c = this.config;
    if ((c.from_ms !== undefined && now < c.from_ms) || (c.until_ms !== undefined && now >= c.until_ms)) return;
    const seen: Seen = { src, dst, data: data.slice() };
    if (this.memory.length >= this.memory_max) this.memory[this.rng.nextInt(0, this.memory_max - 1)] = seen;
    else this.memory.push(seen);
    if (this.injected >= c.injections_max || c.actions.length === 0 || !this.rng.chance(c.p)) return;
    const action = c.actions[this.rng.nextInt(0, c.actions.length - 1)]!;
    const forged = this.forge(action, seen);
    if (forged === undefined) return;
    this.injected++;
    this.counters[action]++;
    const delay_ms = this.rng.nextInt(0, c.delay_ms_max);
    this.sim.after(delay_ms, () => inject(forged.src, forged.dst, forged.data));
  }

  /** The datagram to inject for `action`, built from `seen` (undefined: nothing fits). */
  private forge(action: AdversaryAction, seen: Seen): Seen | undefined {
    const rng = this.rng;
    switch (action) {
      case 'bitflip': {
        const data = seen.data.slice();
        if (data.byteLength === 0) return undefined;
        const flips = rng.nextInt(1, 3);
        for (let i = 0; i < flips; i++) {
          const bit = rng.nextInt(0, data.byteLength * 8 - 1);
          data[bit >> 3] ^= 1 << (bit & 7);
        }
        return { ...seen, data };
      }
      case 'truncate':
        return seen.data.byteLength === 0 ? undefined : { ...seen, data: seen.data.slice(0, rng.nextInt(0, seen.data.byteLength - 1)) };
      case 'replay': {
        const old = this.memory[rng.nextInt(0, this.memory.length - 1)]!;
        return { ...old, data: old.data.slice() };
      }
      case 'spoof': {
        // Someone else's datagram, made to look as if it came from a third party it has seen.
        const other = this.memory[rng.nextInt(0, this.memory.length - 1)]!;
        return { src: other.src, dst: seen.dst, data: seen.data.slice() };
      }
      case 'garbage': {
        const data = rng.nextBytes(rng.nextInt(0, garbage_bytes_max));
        // Keep the first byte of the protocol it saw, so the garbage reaches its decoder.
        if (data.byteLength > 0 && seen.data.byteLength > 0) data[0] = seen.data[0]!;
        return { ...seen, data };
      }
      case 'low-order-initiation': {
        // Only worth sending where the secure transport listens; the source is the observed
        // sender's, which a port-restricted NAT in front of the target lets in.
        const first = seen.data[0];
        if (first === undefined || first < FIRST_BYTE.rudpMin || first > FIRST_BYTE.rudpMax) return undefined;
        return { ...seen, data: lowOrderInitiation(rng.nextUint32(), this.mac1Keys) };
      }
    }
  }
}

/** A Noise XX initiation whose ephemeral is 32 zero bytes (a low-order point), with a valid mac1. */
export function lowOrderInitiation(sender: number, keys: ReturnType<typeof cookieKeys>): Uint8Array {
  const packet = encodeInitiation(sender, new Uint8Array(32));
  sealInitiationMacs(nobleCrypto, keys, packet, undefined);
  return packet;
}
