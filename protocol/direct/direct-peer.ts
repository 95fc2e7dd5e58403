// srudp's rendezvous-free connect: both sides are given each other's address and run the same
// thing, in any order within `open_timeout_ms` (srudp's tutorial: half a minute). Each side
// sends small PROBEs (a nonce, and the peer's nonce once heard) from its fixed port to the
// other's; outgoing probes open each NAT's mapping and filter (simultaneous open), so behind
// endpoint-independent mappings both directions get through. Once a probe echoing our nonce
// arrives, the path works both ways; the side with the smaller nonce dials the secure session
// (Noise, pinned to `expectedPeer` when given) and the other accepts exactly that one session.
// Only the named address is ever answered, one same-size probe per probe (no amplification),
// and the transport accepts datagrams from that address only. It emits the Peer's events
// (`path` with technique `simultaneous-open`, the transport's, `session-open`), so FileTransfer
// and `peerlab connect` run on it unchanged.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { equalBytes } from '../core/bytes.ts';
import type { Crypto } from '../core/crypto.ts';
import { DecodeError } from '../core/decode-error.ts';
import { FIRST_BYTE } from '../core/demux.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import { Reader } from '../core/reader.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { TimerTable } from '../core/timers.ts';
import { Writer } from '../core/writer.ts';
import type { PeerCommand, PeerEvent } from '../peer/peer.ts';
import type { PathEvent } from '../punch/punch-events.ts';
import type { RudpConfig } from '../rudp/config.ts';
import { RudpEndpoint } from '../rudp/endpoint.ts';
import type { StatsSample } from '../rudp/events.ts';

/** Overlay range: mesh 0xB0, chord 0xB8, discovery 0xBC, direct probes 0xBD. */
export const DIRECT_MAGIC = FIRST_BYTE.overlayMin + 13;
export const DIRECT_PROBE_BYTES = 24;
const NONCE_BYTES = 8;

export interface DirectPeerConfig {
  readonly local: Addr;
  /** The other side's address, as given (`--direct host:port`). */
  readonly remote: Addr;
  readonly staticSecret: Uint8Array;
  readonly expectedPeer?: Uint8Array;
  readonly crypto: Crypto;
  readonly rng: Rng;
  readonly rudp?: Partial<RudpConfig>;
  /** Keep probing this long for the other side (srudp: "within half a minute"). */
  readonly open_timeout_ms?: number;
  readonly probe_interval_ms?: number;
}

export const DIRECT_DEFAULTS = { open_timeout_ms: 30_000, probe_interval_ms: 200 } as const;

type TimerName = 'probe';

function encodeProbe(nonce: Uint8Array, echo: Uint8Array | undefined): Uint8Array {
  const w = new Writer(DIRECT_PROBE_BYTES, DIRECT_PROBE_BYTES);
  w.u8(DIRECT_MAGIC).u8(1).u8(echo ? 1 : 0).bytes(nonce).bytes(echo ?? new Uint8Array(NONCE_BYTES));
  while (w.length < DIRECT_PROBE_BYTES) w.u8(0);
  return w.finish();
}

function decodeProbe(data: Uint8Array): { nonce: Uint8Array; echo: Uint8Array | undefined } {
  if (data.byteLength !== DIRECT_PROBE_BYTES) throw new DecodeError('invalid', 'length');
  const r = new Reader(data);
  if (r.u8('magic') !== DIRECT_MAGIC || r.u8('version') !== 1) throw new DecodeError('invalid', 'magic');
  const flags = r.u8('flags');
  if (flags > 1) throw new DecodeError('invalid', 'flags');
  const nonce = r.bytesCopy(NONCE_BYTES, 'nonce');
  const echo = r.bytesCopy(NONCE_BYTES, 'echo');
  return { nonce, echo: flags === 1 ? echo : undefined };
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export class DirectPeer implements Machine<PeerCommand, PeerEvent> {
  readonly rudp: RudpEndpoint;
  conn: number | undefined;
  path: PathEvent | undefined;
  sessionOpen = false;
  peerKeyHex = '';
  role: 'undecided' | 'initiator' | 'responder' = 'undecided';
  private readonly nonce: Uint8Array;
  private peerNonce: Uint8Array | undefined;
  private readonly timers = new TimerTable<TimerName>();
  private readonly transmits: Transmit[] = [];
  private readonly events: PeerEvent[] = [];
  private started: Millis | undefined;
  /** Probing stops at this deadline (set at the first probe). */
  private giveUpAt: Millis | undefined;
  private stopped = false;
  private readonly open_timeout_ms: number;
  private readonly probe_interval_ms: number;
  readonly counters = { probes_sent: 0, probes_heard: 0, echoes_heard: 0, strangers: 0, malformed: 0 };

  constructor(private readonly config: DirectPeerConfig) {
    this.open_timeout_ms = config.open_timeout_ms ?? DIRECT_DEFAULTS.open_timeout_ms;
    this.probe_interval_ms = config.probe_interval_ms ?? DIRECT_DEFAULTS.probe_interval_ms;
    this.nonce = config.rng.nextBytes(NONCE_BYTES);
    const expected = config.expectedPeer;
    this.rudp = new RudpEndpoint({
      crypto: config.crypto,
      rng: config.rng,
      staticSecret: config.staticSecret,
      config: config.rudp,
      accept: true,
      // Only the responder accepts, one session, and only the pinned key when one is given.
      acceptPeer: (key) => (expected ? equalBytes(key, expected) : true) && (this.role === 'initiator' || this.conn === undefined) && this.role !== 'undecided',
    });
    this.timers.set('probe', 0);
  }

  /** One line on what was heard, for the failure message. */
  diagnosis(): string {
    const c = this.counters;
    if (c.probes_heard === 0) return `sent ${c.probes_sent} probes to ${formatAddr(this.config.remote)}, heard nothing back from it`;
    if (c.echoes_heard === 0) return `heard ${c.probes_heard} probes from ${formatAddr(this.config.remote)} but none of ours reached it (one-way path)`;
    return `probes crossed both ways (${c.probes_sent} sent, ${c.probes_heard} heard) but no secure session opened`;
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    if (!addrEquals(remote, this.config.remote)) {
      this.counters.strangers++;
      return;
    }
    const first = data[0];
    if (first === DIRECT_MAGIC) this.onProbe(now, data);
    else if (first !== undefined && first >= FIRST_BYTE.rudpMin && first <= FIRST_BYTE.rudpMax) {
      if (this.role === 'undecided') this.counters.malformed++;
      else this.rudp.handleDatagram(now, remote, data);
    } else this.counters.malformed++;
    this.settle(now);
  }

  private onProbe(now: Millis, data: Uint8Array): void {
    let probe;
    try {
      probe = decodeProbe(data);
    } catch (error) {
      if (error instanceof DecodeError) return void this.counters.malformed++;
      throw error;
    }
    this.counters.probes_heard++;
    this.peerNonce = probe.nonce;
    // Answer every probe while the session is not open: same size, to the named address only.
    if (!this.sessionOpen) this.sendProbe();
    if (!probe.echo || !equalBytes(probe.echo, this.nonce)) return;
    this.counters.echoes_heard++;
    if (this.role !== 'undecided') return;
    const order = compare(this.nonce, probe.nonce);
    if (order === 0) return; // 2^-64: wait for the next pair
    this.role = order < 0 ? 'initiator' : 'responder';
    this.path = {
      type: 'path',
      path: 'direct',
      peer: formatAddr(this.config.remote),
      remote: formatAddr(this.config.remote),
      local: formatAddr(this.config.local),
      rtt_ms: 0,
      attempts: this.counters.probes_sent,
      elapsed_ms: now - (this.started ?? now),
      nat: { local: 'unknown', peer: 'unknown' },
      technique: 'simultaneous-open',
      upgrade: false,
    };
    this.events.push(this.path);
    if (this.role === 'initiator') {
      this.rudp.handleCommand(now, { type: 'connect', remote: this.config.remote, ...(this.config.expectedPeer ? { expectedPeer: this.config.expectedPeer } : {}) });
    }
  }

  private sendProbe(): void {
    this.counters.probes_sent++;
    this.transmits.push({ remote: this.config.remote, data: encodeProbe(this.nonce, this.peerNonce) });
  }

  handleTimeout(now: Millis): void {
    this.started ??= now;
    for (const name of this.timers.expire(now)) {
      if (name !== 'probe' || this.sessionOpen || this.stopped) continue;
      this.giveUpAt ??= now + this.open_timeout_ms;
      if (now >= this.giveUpAt) {
        this.stopped = true;
        continue;
      }
      this.sendProbe();
      this.timers.set('probe', Math.min(now + this.probe_interval_ms, this.giveUpAt));
    }
    const at = this.rudp.pollTimeout();
    if (at !== undefined && now >= at) this.rudp.handleTimeout(now);
    this.settle(now);
  }

  handleCommand(now: Millis, command: PeerCommand): void {
    switch (command.type) {
      case 'write':
        if (this.conn !== undefined) this.rudp.handleCommand(now, { type: 'write', conn: this.conn, data: command.data });
        else this.events.push({ type: 'command-failed', command: 'write', conn: 0, error: 'unknown-connection', message: 'no session yet' });
        break;
      case 'end':
        if (this.conn !== undefined) this.rudp.close(now, this.conn);
        break;
      case 'abort':
        if (this.conn !== undefined) this.rudp.abort(now, this.conn, command.reason);
        this.timers.clear('probe');
        this.stopped = true;
        break;
      case 'connect':
        break;
    }
    this.settle(now);
  }

  private settle(now: Millis): void {
    void now;
    for (let e = this.rudp.pollEvent(); e; e = this.rudp.pollEvent()) {
      if (e.type === 'connecting' && this.conn === undefined) this.conn = e.conn;
      if (e.type === 'connected') {
        if (this.conn === undefined) this.conn = e.conn;
        if (e.conn === this.conn && !this.sessionOpen) {
          this.sessionOpen = true;
          this.peerKeyHex = e.peer;
          this.timers.clear('probe');
          this.events.push(e);
          this.events.push({ type: 'session-open', path: 'direct', technique: 'simultaneous-open', remote: formatAddr(this.config.remote), peer_key_hex: e.peer });
          continue;
        }
      }
      this.events.push(e);
    }
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift() ?? this.rudp.pollTransmit();
  }

  pollEvent(): PeerEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    const a = this.timers.earliest();
    const b = this.rudp.pollTimeout();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  /** True once the probing window has passed with no session. */
  get gaveUp(): boolean {
    return !this.sessionOpen && this.stopped && this.giveUpAt !== undefined;
  }

  write(now: Millis, data: Uint8Array): number {
    if (this.conn === undefined) return 0;
    const accepted = this.rudp.write(now, this.conn, data);
    this.settle(now);
    return accepted;
  }

  writableBytes(): number {
    return this.conn === undefined ? 0 : this.rudp.writableBytes(this.conn);
  }

  read(max_bytes?: number): Uint8Array | undefined {
    return this.conn === undefined ? undefined : this.rudp.read(this.conn, max_bytes);
  }

  stats(): StatsSample | undefined {
    return this.conn === undefined ? undefined : this.rudp.stats(this.conn);
  }
}
