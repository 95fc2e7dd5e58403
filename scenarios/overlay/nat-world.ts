// A world of overlay hosts behind NATs, shared by the `mesh/nat-50` and `chord/nat-100`
// scenarios: a rendezvous server (STUN, registration, punch, relay) and an introducer on the
// public internet, and N hosts each behind its own NAT of a preset from a cycle, each running
// an OverlayHost (protocol/overlay) around the overlay machine a factory builds. Loss sits on
// each host's LAN link (so server traffic is lossy too); the NATs' access links are lossless.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import type { Machine, NamedEvent } from '../../protocol/core/machine.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import type { Rng } from '../../protocol/core/rng.ts';
import { identityOfSecret, type Identity } from '../../protocol/overlay/identity-addr.ts';
import { Introducer } from '../../protocol/overlay/introducer.ts';
import type { OverlayHostEvent, OverlayLimits } from '../../protocol/overlay/overlay-config.ts';
import { OverlayHost, type Deliver } from '../../protocol/overlay/overlay-host.ts';
import { RendezvousServer, type RendezvousServerConfig } from '../../protocol/punch/rendezvous-server.ts';
import type { PunchClientConfig } from '../../protocol/punch/punch-config.ts';
import type { LinkConfig, MachineHandle, Simulator } from '../../runtime-sim/index.ts';
import type { NatPresetName } from '../../runtime-sim/nat/presets.ts';
import { expectedCell } from '../nat-matrix/expected.ts';
import { Crashable } from '../mesh/crashable.ts';

export const RENDEZVOUS_IP = '198.51.100.7';
export const RENDEZVOUS_ALT_IP = '198.51.100.8';
export const INTRODUCER_IP = '198.51.100.9';
export const RENDEZVOUS_PORT = 3478;
export const INTRODUCER_PORT = 3480;
export const OVERLAY_PORT = 7600;
const ACCESS_MS = 10;
const SERVER_MS = 5;

/**
 * The rendezvous sees every link of a host as its own registration from one address, and a
 * mesh of 50 (or a ring of 100) opens hundreds of links in the first seconds: its per-source
 * rates and tables are raised for the run (defaults are per-home figures).
 */
export const OVERLAY_RENDEZVOUS: Partial<RendezvousServerConfig> = {
  rate_per_s: 2_000, rate_burst: 4_000, stun_rate_per_s: 2_000, stun_rate_burst: 4_000, punch_rate_per_s: 2_000, punch_rate_burst: 4_000,
  pending_max: 16_384, pending_per_prefix_max: 1_024, circuits_max: 16_384, registrations_per_prefix_max: 1_024, verbose_events: false,
};

export interface NatHost<C, E extends NamedEvent> {
  readonly name: string;
  readonly index: number;
  readonly preset: NatPresetName;
  readonly identity: Identity;
  readonly host: OverlayHost<C, E>;
  readonly box: Crashable<C, E | OverlayHostEvent>;
  readonly handle: MachineHandle<C, E | OverlayHostEvent>;
  goneAt: number;
}

export interface NatWorldOptions {
  /** End-to-end loss of a datagram between two hosts (two lossy LAN crossings). */
  readonly loss: number;
  readonly presets: readonly NatPresetName[];
  readonly namespace: string;
  readonly limits?: Partial<OverlayLimits>;
  readonly punch?: Partial<PunchClientConfig>;
}

export interface OverlayFactory<C, E extends NamedEvent> {
  (identity: Identity, rng: Rng): { readonly overlay: Machine<C, E>; readonly deliver?: (overlay: Machine<C, E>) => Deliver };
}

/** What the NAT rules say about a link between two presets: 'relay', 'direct', or 'either'. */
export function expectedLinkPath(a: NatPresetName, b: NatPresetName): 'direct' | 'relay' | 'either' {
  const cell = expectedCell(a, b);
  if (cell.path === 'relay') return 'relay';
  // Birthday and prediction need spare ports and per-destination counts a shared port does not
  // keep (each link's punch client counts only its own destinations): not promised here.
  return cell.technique === 'simultaneous-open' ? 'direct' : 'either';
}

export class NatWorld<C, E extends NamedEvent> {
  readonly hosts: Array<NatHost<C, E>> = [];
  readonly server: RendezvousServer;
  readonly introducer: Introducer;
  readonly rendezvous: Addr = addr(RENDEZVOUS_IP, RENDEZVOUS_PORT);
  readonly introducerAddr: Addr = addr(INTRODUCER_IP, INTRODUCER_PORT);
  private readonly lan: LinkConfig;

  constructor(
    readonly sim: Simulator,
    readonly options: NatWorldOptions,
    private readonly factory: OverlayFactory<C, E>,
  ) {
    const serverHost = sim.addHost({ name: 'rendezvous', ips: [RENDEZVOUS_IP, RENDEZVOUS_ALT_IP], link: { latency: { kind: 'fixed', ms: SERVER_MS } }, role: 'server' });
    this.server = new RendezvousServer({ ...OVERLAY_RENDEZVOUS, primary: this.rendezvous, alternate: addr(RENDEZVOUS_ALT_IP, RENDEZVOUS_PORT + 1) }, sim.rng.fork('rendezvous'));
    sim.run(serverHost, this.server, { addresses: this.server.addresses(), events_kept_max: 0 });
    const introHost = sim.addHost({ name: 'introducer', ips: [INTRODUCER_IP], link: { latency: { kind: 'fixed', ms: SERVER_MS } }, role: 'server' });
    const introRng = sim.rng.fork('introducer');
    this.introducer = new Introducer({ staticSecret: introRng.nextBytes(32), crypto: nobleCrypto, rng: introRng });
    sim.run(introHost, this.introducer, { port: INTRODUCER_PORT, events_kept_max: 0 });
    const p = 1 - Math.sqrt(1 - options.loss);
    this.lan = { latency: { kind: 'fixed', ms: 1 }, ...(p > 0 ? { loss: { kind: 'bernoulli', p } } : {}) };
  }

  /** Adds host number `hosts.length` behind a NAT of the next preset in the cycle. */
  addHost(prefix: string): NatHost<C, E> {
    const index = this.hosts.length;
    const sim = this.sim;
    const preset = this.options.presets[index % this.options.presets.length]!;
    const name = `${prefix}${index}`;
    const nat = sim.addNat({ name: `${name}-nat`, preset, realm: sim.internet, externalIps: [`198.${18 + (index >> 8)}.${index & 255}.1`], insideSubnet: `10.${index >> 8}.${index & 255}.0/24`, link: { latency: { kind: 'fixed', ms: ACCESS_MS } } });
    const ip = `10.${index >> 8}.${index & 255}.2`;
    sim.addHost({ name, realm: nat.inside, ips: [ip], link: this.lan });
    const rng = sim.rng.fork(`overlay:${name}`);
    const staticSecret = rng.nextBytes(32);
    const identity = identityOfSecret(nobleCrypto, staticSecret);
    const made = this.factory(identity, rng);
    const host = new OverlayHost<C, E>(
      {
        staticSecret, crypto: nobleCrypto, rng, local: addr(ip, OVERLAY_PORT), server: this.rendezvous, introducer: this.introducerAddr, introducerKey: this.introducer.publicKey,
        namespace: this.options.namespace, ...(this.options.limits ? { limits: this.options.limits } : {}), ...(this.options.punch ? { punch: this.options.punch } : {}),
      },
      made.overlay,
      made.deliver?.(made.overlay),
    );
    const box = new Crashable<C, E | OverlayHostEvent>(host);
    const handle = sim.run(name, box, { port: OVERLAY_PORT, events_kept_max: 0 });
    const entry: NatHost<C, E> = { name, index, preset, identity, host, box, handle, goneAt: Infinity };
    this.hosts.push(entry);
    return entry;
  }

  byIdentity(name: string): NatHost<C, E> | undefined {
    return this.hosts.find((h) => h.identity.name === name);
  }

  /**
   * Open links counted once per pair (from the side with the smaller index), split by path,
   * with the pairs whose path contradicts the NAT rules.
   */
  linkReport(): { direct: number; relay: number; wrong: string[]; hard_hard: number; easy_easy_relay: number } {
    const index = new Map(this.hosts.map((h) => [h.identity.name, h] as const));
    let direct = 0;
    let relay = 0;
    let hard_hard = 0;
    let easy_easy_relay = 0;
    const wrong: string[] = [];
    for (const h of this.hosts) {
      if (h.goneAt !== Infinity) continue;
      for (const l of h.host.linkTable()) {
        const other = index.get(l.peer);
        if (!other || other.index < h.index || l.state !== 'open' || !l.path) continue;
        if (l.path === 'direct') direct++;
        else relay++;
        const want = expectedLinkPath(h.preset, other.preset);
        if (want === 'relay') hard_hard++;
        if (want === 'relay' && l.path !== 'relay') wrong.push(`${h.name}-${other.name}:${l.path}`);
        if (want === 'direct' && l.path !== 'direct') easy_easy_relay++;
      }
    }
    return { direct, relay, wrong, hard_hard, easy_easy_relay };
  }
}
