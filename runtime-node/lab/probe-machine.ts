// The probe program's logic as a Sans-IO machine, so the simulator can run exactly what the
// kernel lab's probe-main.ts does (STUN for the mapped address, then hellos every 50 ms at a
// peer) and the two worlds' NAT behaviour can be compared datagram for datagram.
import { formatAddr, type Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Rng } from '../../protocol/core/rng.ts';
import type { Millis } from '../../protocol/core/time.ts';
import { stunBindingRequest, stunMappedAddress } from './stun-wire.ts';
import { utf8 } from '../../protocol/core/bytes.ts';

export type ProbeCommand =
  | { readonly type: 'stun'; readonly server: Addr }
  | { readonly type: 'punch'; readonly to: Addr; readonly for_ms: number };

export type ProbeEvent =
  | { readonly type: 'mapped'; readonly mapped: string; readonly rtt_ms: number }
  | { readonly type: 'heard'; readonly from: string; readonly after_ms: number };

/** Same pacing as probe-main.ts. */
const stun_retry_ms = 200;
const hello_interval_ms = 50;
const hellos_max = 200;
const hello = utf8('peerlab-probe');

export class ProbeMachine implements Machine<ProbeCommand, ProbeEvent> {
  private readonly transmits: Transmit[] = [];
  private readonly events: ProbeEvent[] = [];
  private stun: { server: Addr; request: Uint8Array; transaction: Uint8Array; started: Millis; next: Millis } | undefined;
  private punch: { to: Addr; started: Millis; next: Millis; until: Millis; sent: number } | undefined;
  private readonly heard = new Set<string>();
  mapped: string | undefined;

  constructor(private readonly rng: Rng) {}

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    if (this.stun) {
      const mapped = stunMappedAddress(data, this.stun.transaction);
      if (mapped) {
        this.mapped = mapped;
        this.events.push({ type: 'mapped', mapped, rtt_ms: now - this.stun.started });
        this.stun = undefined;
        return;
      }
    }
    if (this.punch) {
      const from = formatAddr(remote);
      if (!this.heard.has(from)) {
        this.heard.add(from);
        this.events.push({ type: 'heard', from, after_ms: now - this.punch.started });
      }
    }
  }

  handleTimeout(now: Millis): void {
    if (this.stun && now >= this.stun.next) {
      this.transmits.push({ remote: this.stun.server, data: this.stun.request });
      this.stun.next = now + stun_retry_ms;
    }
    if (this.punch && now >= this.punch.next) {
      if (now >= this.punch.until || this.punch.sent >= hellos_max) this.punch = undefined;
      else {
        this.transmits.push({ remote: this.punch.to, data: hello });
        this.punch.sent++;
        this.punch.next = now + hello_interval_ms;
      }
    }
  }

  handleCommand(now: Millis, command: ProbeCommand): void {
    if (command.type === 'stun') {
      const { data, transaction } = stunBindingRequest(this.rng.nextBytes(12));
      this.stun = { server: command.server, request: data, transaction, started: now, next: now };
    } else {
      this.punch = { to: command.to, started: now, next: now, until: now + command.for_ms, sent: 0 };
    }
    this.handleTimeout(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }
  pollEvent(): ProbeEvent | undefined {
    return this.events.shift();
  }
  pollTimeout(): Millis | undefined {
    const deadlines = [this.stun?.next, this.punch?.next].filter((d): d is number => d !== undefined);
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
  }
}

