// The introducer: the doorbell of an open overlay behind NATs. The rendezvous (protocol/punch)
// punches two peers only when each has named the other, and on purpose tells nobody who asked
// for them (a stranger gets the same `pending` as for an absent id). So a peer that wants a
// link to another needs a way to say "I want you" that the other can trust: every overlay host
// keeps one Noise session (protocol/rudp) to the introducer, a public machine (beside the
// rendezvous), and sends RING(to); the introducer hands the target RUNG(from = the key the
// caller's session proved), or answers ABSENT. The target then consents at the rendezvous to
// that one link (overlay-host.ts). The introducer never carries overlay traffic.
//
// Limits: hosts_max sessions (a new session for a known key replaces the old one), rings per
// session per second (token bucket: rings_per_s, rings_burst), every frame length exact.
import { hex } from '../core/bytes.ts';
import type { Crypto } from '../core/crypto.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import type { RudpConfig } from '../rudp/config.ts';
import { RudpEndpoint } from '../rudp/endpoint.ts';
import type { Addr } from '../core/addr.ts';
import { fromHex } from '../core/bytes.ts';
import { digestOfKey } from './identity-addr.ts';
import { decodeFrame, encodeFrame } from './introducer-wire.ts';

export interface IntroducerConfig {
  readonly staticSecret: Uint8Array;
  readonly crypto: Crypto;
  readonly rng: Rng;
  readonly rudp?: Partial<RudpConfig>;
  readonly hosts_max?: number;
  readonly rings_per_s?: number;
  readonly rings_burst?: number;
}

export type IntroducerEvent =
  | { readonly type: 'introducer-host'; readonly peer: string; readonly open: boolean }
  | { readonly type: 'introducer-drop'; readonly reason: IntroducerDrop; readonly count: number };

export type IntroducerDrop = 'hosts-full' | 'rate-limited' | 'bad-frame' | 'unexpected-frame' | 'send-refused';

interface Member {
  readonly conn: number;
  readonly key: Uint8Array;
  readonly name: string;
  tokens: number;
  refilled_at: Millis;
}

const settle_rounds_max = 64;

export class Introducer implements Machine<never, IntroducerEvent> {
  readonly rudp: RudpEndpoint;
  readonly counters: Record<IntroducerDrop | 'rings' | 'rungs' | 'absent', number> = {
    'hosts-full': 0, 'rate-limited': 0, 'bad-frame': 0, 'unexpected-frame': 0, 'send-refused': 0, rings: 0, rungs: 0, absent: 0,
  };
  private readonly byName = new Map<string, Member>();
  private readonly byConn = new Map<number, Member>();
  private readonly events: IntroducerEvent[] = [];
  private readonly hosts_max: number;
  private readonly rings_per_s: number;
  private readonly rings_burst: number;

  constructor(private readonly config: IntroducerConfig) {
    this.hosts_max = config.hosts_max ?? 4_096;
    this.rings_per_s = config.rings_per_s ?? 20;
    this.rings_burst = config.rings_burst ?? 40;
    this.rudp = new RudpEndpoint({
      crypto: config.crypto, rng: config.rng, staticSecret: config.staticSecret,
      config: { connections_max: this.hosts_max + 16, ...config.rudp, mode: 'message' },
      accept: true,
    });
  }

  get publicKey(): Uint8Array {
    return this.rudp.identity.publicKey;
  }

  get members(): number {
    return this.byConn.size;
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    this.rudp.handleDatagram(now, remote, data);
    this.settle(now);
  }

  handleTimeout(now: Millis): void {
    for (let i = 0; i < settle_rounds_max; i++) {
      const at = this.rudp.pollTimeout();
      if (at === undefined || at > now) break;
      this.rudp.handleTimeout(now);
      this.settle(now);
    }
  }

  handleCommand(): void {}

  pollTransmit(): Transmit | undefined {
    return this.rudp.pollTransmit();
  }

  pollEvent(): IntroducerEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    return this.rudp.pollTimeout();
  }

  private drop(reason: IntroducerDrop): void {
    this.counters[reason]++;
    // Events only for the first of each kind and then every 1,000th: a flood cannot fill the log.
    const n = this.counters[reason];
    if (n === 1 || n % 1_000 === 0) this.events.push({ type: 'introducer-drop', reason, count: n });
  }

  private settle(now: Millis): void {
    for (let e = this.rudp.pollEvent(); e; e = this.rudp.pollEvent()) {
      if (e.type === 'connected') this.onConnected(now, e.conn, e.peer);
      else if (e.type === 'readable') this.onReadable(now, e.conn);
      else if (e.type === 'closed') this.onClosed(e.conn);
    }
  }

  private onConnected(now: Millis, conn: number, peerHex: string): void {
    const key = fromHex(peerHex);
    const name = hex(digestOfKey(this.config.crypto, key));
    const old = this.byName.get(name);
    if (old) {
      // The same key came back (restart, new NAT binding): the newest session is the one.
      this.byConn.delete(old.conn);
      this.rudp.abort(now, old.conn, 'replaced');
    } else if (this.byName.size >= this.hosts_max) {
      this.drop('hosts-full');
      this.rudp.abort(now, conn, 'hosts-full');
      return;
    }
    const member: Member = { conn, key, name, tokens: this.rings_burst, refilled_at: now };
    this.byName.set(name, member);
    this.byConn.set(conn, member);
    this.events.push({ type: 'introducer-host', peer: name, open: true });
  }

  private onClosed(conn: number): void {
    const member = this.byConn.get(conn);
    if (!member) return;
    this.byConn.delete(conn);
    if (this.byName.get(member.name) === member) this.byName.delete(member.name);
    this.events.push({ type: 'introducer-host', peer: member.name, open: false });
  }

  private onReadable(now: Millis, conn: number): void {
    const member = this.byConn.get(conn);
    for (let m = this.rudp.readMessage(conn); m; m = this.rudp.readMessage(conn)) {
      if (!member) continue;
      const frame = decodeFrame(m);
      if (typeof frame === 'string') {
        this.drop('bad-frame');
        continue;
      }
      if (frame.type !== 'ring') {
        this.drop('unexpected-frame');
        continue;
      }
      if (!this.take(now, member)) {
        this.drop('rate-limited');
        continue;
      }
      this.counters.rings++;
      const target = this.byName.get(hex(frame.to));
      if (!target || target === member) {
        this.counters.absent++;
        if (!this.rudp.sendMessage(now, conn, encodeFrame({ type: 'absent', to: frame.to }))) this.drop('send-refused');
        continue;
      }
      this.counters.rungs++;
      if (!this.rudp.sendMessage(now, target.conn, encodeFrame({ type: 'rung', from: member.key }))) this.drop('send-refused');
    }
  }

  /** Token bucket per session: refill by elapsed time, capped at the burst. */
  private take(now: Millis, member: Member): boolean {
    if (now > member.refilled_at) {
      member.tokens = Math.min(this.rings_burst, member.tokens + ((now - member.refilled_at) * this.rings_per_s) / 1_000);
      member.refilled_at = now;
    }
    if (member.tokens < 1) return false;
    member.tokens -= 1;
    return true;
  }
}
