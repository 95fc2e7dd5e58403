// The overlay host's side of the introducer (introducer.ts): one Noise session to it, pinned to
// its key, opened at start and again introducer_retry_ms after it closes or fails; RINGs wait
// (bounded) while it is down; RUNG and ABSENT frames go back to the host as decoded frames.
import type { Addr } from '../core/addr.ts';
import type { Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import { RudpEndpoint } from '../rudp/endpoint.ts';
import { decodeFrame, encodeFrame, type IntroducerFrame } from './introducer-wire.ts';
import type { OverlayDropReason, OverlayHostConfig, OverlayLimits } from './overlay-config.ts';

export interface IntroducerSessionHost {
  onFrame(now: Millis, frame: Exclude<IntroducerFrame, { type: 'ring' }>): void;
  onOpen(open: boolean): void;
  drop(reason: OverlayDropReason): void;
}

export class IntroducerSession {
  private readonly rudp: RudpEndpoint;
  private conn: number | undefined;
  open = false;
  /** When to (re)connect; 0 at start: at the first timeout. */
  private connectAt: Millis | undefined = 0;
  private readonly rings: Uint8Array[] = [];
  rings_sent = 0;

  constructor(
    private readonly config: OverlayHostConfig,
    private readonly limits: OverlayLimits,
    private readonly host: IntroducerSessionHost,
  ) {
    this.rudp = new RudpEndpoint({ crypto: config.crypto, rng: config.rng, staticSecret: config.staticSecret, config: { ...config.rudp, mode: 'message' }, accept: false });
  }

  get address(): Addr {
    return this.config.introducer;
  }

  pollTimeout(): Millis | undefined {
    const a = this.rudp.pollTimeout();
    const b = this.connectAt;
    if (a === undefined) return b;
    if (b === undefined) return a;
    return a < b ? a : b;
  }

  /** Runs what is due; true when anything was. */
  handleTimeout(now: Millis): boolean {
    let any = false;
    const at = this.rudp.pollTimeout();
    if (at !== undefined && at <= now) {
      any = true;
      this.rudp.handleTimeout(now);
    }
    if (this.connectAt !== undefined && this.connectAt <= now) {
      any = true;
      this.connectAt = undefined;
      this.conn = undefined;
      this.rudp.handleCommand(now, { type: 'connect', remote: this.config.introducer, expectedPeer: this.config.introducerKey });
    }
    return any;
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    this.rudp.handleDatagram(now, remote, data);
  }

  pollTransmit(): Transmit | undefined {
    return this.rudp.pollTransmit();
  }

  /** Asks the introducer to ring `digest` (now, or once the session is open). */
  ring(now: Millis, digest: Uint8Array): void {
    const frame = encodeFrame({ type: 'ring', to: digest });
    if (this.open && this.conn !== undefined) return this.send(now, this.conn, frame);
    if (this.rings.length >= this.limits.rings_pending_max) return this.host.drop('rings-full');
    this.rings.push(frame);
  }

  private send(now: Millis, conn: number, frame: Uint8Array): void {
    this.rings_sent++;
    if (!this.rudp.sendMessage(now, conn, frame)) this.host.drop('send-refused');
  }

  /** Handles the session's events; true when there were any. */
  settle(now: Millis): boolean {
    let moved = false;
    for (let e = this.rudp.pollEvent(); e; e = this.rudp.pollEvent()) {
      moved = true;
      if (e.type === 'connecting') this.conn = e.conn;
      else if (e.type === 'connected' && e.conn === this.conn) {
        this.open = true;
        this.host.onOpen(true);
        for (const frame of this.rings.splice(0)) this.send(now, e.conn, frame);
      } else if (e.type === 'readable' && e.conn === this.conn) {
        for (let m = this.rudp.readMessage(e.conn); m; m = this.rudp.readMessage(e.conn)) {
          const frame = decodeFrame(m);
          if (typeof frame === 'string' || frame.type === 'ring') this.host.drop('introducer-frame');
          else this.host.onFrame(now, frame);
        }
      } else if ((e.type === 'closed' && e.conn === this.conn) || (e.type === 'command-failed' && e.command === 'connect')) {
        if (this.open) this.host.onOpen(false);
        this.open = false;
        this.conn = undefined;
        this.connectAt = now + this.limits.introducer_retry_ms;
      }
    }
    return moved;
  }
}
