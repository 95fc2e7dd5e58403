// Small machines for driver tests: an echo server/client that speaks the 0xe0 echo byte,
// and a ticker whose only job is to ask for timers, so the driver's plumbing can be tested
// without depending on the real protocols.
import type { Addr } from '../../protocol/core/addr.ts';
import { FIRST_BYTE } from '../../protocol/core/demux.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';

export type EchoEvent =
  | { type: 'received'; from: Addr; local: Addr; size_bytes: number; payload: Uint8Array }
  | { type: 'ticked'; at: Millis };

export type EchoCommand =
  | { type: 'send'; to: Addr; payload: Uint8Array; from?: Addr }
  | { type: 'tick-every'; interval_ms: number; count: number };

/** Echoes every datagram whose first byte is the echo byte and 0xe0 0x01 (a request). */
export class EchoMachine implements Machine<EchoCommand, EchoEvent> {
  private readonly transmits: Transmit[] = [];
  private readonly events: EchoEvent[] = [];
  private tickAt: Millis | undefined;
  private tickInterval_ms = 0;
  private ticksLeft = 0;
  received = 0;

  handleDatagram(_now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    if (data[0] !== FIRST_BYTE.echo) return;
    this.received++;
    if (data[1] === 1) {
      const reply = data.slice();
      reply[1] = 2;
      this.transmits.push({ remote, data: reply, local });
    }
    this.events.push({ type: 'received', from: remote, local, size_bytes: data.byteLength, payload: data.slice(2) });
  }

  handleTimeout(now: Millis): void {
    if (this.tickAt === undefined || now < this.tickAt) return;
    this.events.push({ type: 'ticked', at: now });
    this.ticksLeft--;
    this.tickAt = this.ticksLeft > 0 ? this.tickAt + this.tickInterval_ms : undefined;
  }

  handleCommand(now: Millis, command: EchoCommand): void {
    if (command.type === 'send') {
      const data = new Uint8Array(2 + command.payload.byteLength);
      data[0] = FIRST_BYTE.echo;
      data[1] = 1;
      data.set(command.payload, 2);
      this.transmits.push({ remote: command.to, data, local: command.from });
    } else {
      this.tickInterval_ms = command.interval_ms;
      this.ticksLeft = command.count;
      this.tickAt = now + command.interval_ms;
    }
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }
  pollEvent(): EchoEvent | undefined {
    return this.events.shift();
  }
  pollTimeout(): Millis | undefined {
    return this.tickAt;
  }
}

/** A machine that sends raw bytes as told, for error-path tests. */
export class RawSender implements Machine<Transmit, never> {
  private readonly out: Transmit[] = [];
  handleDatagram(): void {}
  handleTimeout(): void {}
  handleCommand(_now: Millis, command: Transmit): void {
    this.out.push(command);
  }
  pollTransmit(): Transmit | undefined {
    return this.out.shift();
  }
  pollEvent(): undefined {
    return undefined;
  }
  pollTimeout(): undefined {
    return undefined;
  }
}
