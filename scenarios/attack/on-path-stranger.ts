// The stranger of attack/live-transfer: a host that watches every datagram entering the
// internet (an on-path observer, through the simulator's adversary port) and may send from
// any source address. Against two peers a -> b it:
//   - completes a Noise handshake with b under its own key, reading b's answers off the wire
//     and feeding them to its own endpoint (an impostor);
//   - replays a's transport packets to b from a's public address, and bit-flipped copies;
//   - once b's session is live, forges NOMINATE probes with the punch session key it read off
//     the wire, from its own address and from ports of a's public IP that a never used;
//   - sends a Noise initiation for every low-order Curve25519 point, from a's address;
//   - forges a registration from b's public address, then registers that id from its own;
//   - counts the punches the server sends a or b for anyone but each other.
// Every choice comes from the rng it is given; injections are simulator script events.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { UNKNOWN_NAT } from '../../protocol/punch/nat-report.ts';
import { decodeRendezvous, encodeRendezvous, MSG, PROBE_CONTROLLING, PROBE_NOMINATE } from '../../protocol/punch/rendezvous-wire.ts';
import { PACKET } from '../../protocol/rudp/packet.ts';
import { RudpEndpoint, type RudpCommand } from '../../protocol/rudp/endpoint.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import type { MachineHandle, SimRng, Simulator } from '../../runtime-sim/index.ts';
import { nodeCrypto } from '../../runtime-node/node-crypto.ts';
import { lowOrderInitiations } from './low-order.ts';
import { STRANGER_HOST, STRANGER_IPS } from './punch-peers.ts';
import { StrangerRegistrant } from './stranger-registrant.ts';

/** Each injection kind is sent this many times, one of each per INJECT_EVERY_MS from the first capture. */
export const INJECTIONS_PER_KIND = 64;
const INJECT_EVERY_MS = 10;
/** Transport packets of a's kept for replays and flips (the newest). */
const CAPTURE_MAX = 256;
const IMPOSTOR_PORT = 5001;
const HIJACK_PORT = 7001;
/** b's handshake answers and packets the stranger copies to its impostor endpoint. */
const IMPOSTOR_FORWARD_MAX = 64;
/** The forged registration waits for b to be registered and punching. */
const FORGED_REGISTRATION_AT_MS = 500;
const HIJACK_AFTER_MS = 200;

type Port = ReturnType<Simulator['adversaryPort']>;

export interface Victims {
  /** Public IPs of the two peers' NATs. */
  readonly a_ip: string;
  readonly b_ip: string;
  readonly server: Addr;
  /** The stranger's own address for its nominations (where it would like b's traffic). */
  readonly own: Addr;
  /** Whether b's secure session is open (nominations are aimed at the live session). */
  bSessionOpen(): boolean;
  /** No injection is scheduled after this virtual time. */
  readonly until_ms: number;
}

export interface StrangerFigures {
  replays: number;
  bitflips: number;
  nominations: number;
  low_order: number;
  /** The impostor's side of its handshake with b completed. */
  impostor_handshakes: number;
  impostor_events: string[];
  /** Punches the server sent a or b naming someone other than each other. */
  stranger_punches: number;
  /** a's public address as seen on the wire (it sends from one endpoint-independent mapping). */
  a_public: Addr | undefined;
}

const u32At = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);

function decodeQuietly(bytes: Uint8Array): ReturnType<typeof decodeRendezvous> | undefined {
  try {
    return decodeRendezvous(bytes);
  } catch {
    return undefined;
  }
}

export class OnPathStranger {
  readonly figures: StrangerFigures = { replays: 0, bitflips: 0, nominations: 0, low_order: 0, impostor_handshakes: 0, impostor_events: [], stranger_punches: 0, a_public: undefined };
  private readonly data: Uint8Array[] = [];
  private bPublic: Addr | undefined;
  private session: { id: number; key: Uint8Array } | undefined;
  private readonly impostor: MachineHandle<RudpCommand, RudpEvent>;
  private impostorConn: number | undefined;
  private impostorStarted = false;
  private impostorForwarded = 0;
  private forgedRegistration = false;
  private readonly lowOrder: Uint8Array[];
  private readonly hijackToken: Uint8Array;

  constructor(
    private readonly sim: Simulator,
    private readonly port: Port,
    private readonly v: Victims,
    private readonly rng: SimRng,
  ) {
    this.lowOrder = lowOrderInitiations(rng.nextUint32());
    this.hijackToken = rng.nextBytes(16);
    const endpoint = new RudpEndpoint({ crypto: nodeCrypto, rng: rng.fork('impostor'), staticSecret: rng.fork('key-impostor').nextBytes(32), accept: false });
    const handle = sim.run(STRANGER_HOST, endpoint, { addresses: [addr(STRANGER_IPS[0], IMPOSTOR_PORT)] });
    handle.onEvent((e) => {
      if (e.type === 'connected') this.figures.impostor_handshakes++;
      if (this.figures.impostor_events.length < 8) this.figures.impostor_events.push(e.type === 'closed' ? `closed:${e.error ?? ''}` : e.type);
    });
    this.impostor = handle;
    port.observe((_realm, src, dst, bytes, from) => this.observe(src, dst, bytes, from));
  }

  /** Starts injecting at `at_ms` (every INJECT_EVERY_MS until every kind is done). */
  start(at_ms: number): void {
    this.sim.at(at_ms, () => this.inject());
  }

  private observe(src: Addr, dst: Addr, bytes: Uint8Array, from: string): void {
    const first = bytes[0];
    if (first === undefined) return;
    if (from === STRANGER_HOST) {
      // Its own datagrams are not news, except that the impostor's initiation names its connection id.
      if (first === PACKET.initiation && src.port === IMPOSTOR_PORT && bytes.byteLength >= 5) this.impostorConn ??= u32At(bytes, 1);
      return;
    }
    const v = this.v;
    if (src.ip === v.a_ip && dst.ip === v.b_ip) {
      this.figures.a_public ??= src;
      this.bPublic ??= dst;
      if (first === PACKET.data0 || first === PACKET.data1) {
        if (this.data.length >= CAPTURE_MAX) this.data.shift();
        this.data.push(bytes.slice());
      }
    }
    if (src.ip === v.b_ip && dst.ip === v.server.ip) this.bPublic ??= src;
    if (first === MSG.probe && (src.ip === v.a_ip || src.ip === v.b_ip) && this.session === undefined) {
      const m = decodeQuietly(bytes);
      if (m?.type === 'probe') this.session = { id: m.session, key: m.key.slice() };
    }
    if (first === MSG.punch && src.ip === v.server.ip && (dst.ip === v.a_ip || dst.ip === v.b_ip)) {
      const m = decodeQuietly(bytes);
      if (m?.type === 'punch' && m.peer !== 'a' && m.peer !== 'b') this.figures.stranger_punches++;
    }
    if (src.ip === v.b_ip) this.forwardToImpostor(src, bytes);
  }

  /** Copies what b sends the impostor's connection (responses: receiver id at byte 5; data: at 1). */
  private forwardToImpostor(src: Addr, bytes: Uint8Array): void {
    const first = bytes[0]!;
    if (this.impostorConn === undefined || this.impostorForwarded >= IMPOSTOR_FORWARD_MAX) return;
    const at = first === PACKET.response ? 5 : first === PACKET.data0 || first === PACKET.data1 ? 1 : -1;
    if (at < 0 || bytes.byteLength < at + 4 || u32At(bytes, at) !== this.impostorConn) return;
    this.impostorForwarded++;
    const copy = bytes.slice();
    this.sim.after(0, () => this.port.inject(src, addr(STRANGER_IPS[0], IMPOSTOR_PORT), copy));
  }

  private inject(): void {
    const { sim, port, rng, v, figures: f } = this;
    const aPublic = f.a_public;
    const bPublic = this.bPublic;
    if (bPublic && !this.impostorStarted) {
      this.impostorStarted = true;
      this.impostor.command({ type: 'connect', remote: bPublic });
    }
    if (aPublic && bPublic) {
      if (f.low_order < this.lowOrder.length) port.inject(aPublic, bPublic, this.lowOrder[f.low_order++]!);
      const victim = this.data.length > 0 ? this.data[rng.nextInt(0, this.data.length - 1)]! : undefined;
      if (victim && f.replays < INJECTIONS_PER_KIND) {
        port.inject(aPublic, bPublic, victim.slice());
        f.replays++;
      }
      if (victim && f.bitflips < INJECTIONS_PER_KIND) {
        const flipped = victim.slice();
        const bit = rng.nextInt(0, flipped.byteLength * 8 - 1);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        port.inject(aPublic, bPublic, flipped);
        f.bitflips++;
      }
      // Nominations target the live session: before it exists they could only delay the
      // handshake (docs/security.md); after, they would steal the traffic.
      if (this.session && v.bSessionOpen() && f.nominations < INJECTIONS_PER_KIND) {
        const probe = encodeRendezvous({ type: 'probe', session: this.session.id, key: this.session.key, tx: rng.nextUint32(), flags: PROBE_NOMINATE | PROBE_CONTROLLING }); // the controller's role bit, as a's own nominations carry
        const from = f.nominations % 2 === 0 ? v.own : addr(v.a_ip, 40_000 + f.nominations);
        port.inject(from, bPublic, probe);
        f.nominations++;
      }
    }
    if (bPublic && !this.forgedRegistration && sim.now >= FORGED_REGISTRATION_AT_MS) {
      // b's relay circuit must not follow an id registered from b's address and then moved.
      this.forgedRegistration = true;
      const forged = encodeRendezvous({ type: 'register', nonce: rng.nextUint32(), cookie: new Uint8Array(16), id: 'hijack', token: this.hijackToken, rtt_ms: 0, nat: UNKNOWN_NAT, candidates: [] });
      port.inject(bPublic, v.server, forged);
      sim.after(HIJACK_AFTER_MS, () => sim.run(STRANGER_HOST, new StrangerRegistrant('hijack', this.hijackToken, v.server), { addresses: [addr(STRANGER_IPS[0], HIJACK_PORT)] }));
    }
    const done = f.low_order >= this.lowOrder.length && f.replays >= INJECTIONS_PER_KIND && f.bitflips >= INJECTIONS_PER_KIND && f.nominations >= INJECTIONS_PER_KIND;
    if (!done && sim.now < v.until_ms) sim.after(INJECT_EVERY_MS, () => this.inject());
  }
}
