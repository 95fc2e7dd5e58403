// Wraps a machine so that, before it starts, the socket sends a few datagrams the wrapped
// machine knows nothing about. The lab uses it to reproduce, in the simulator, the
// unsolicited datagram that the kernel lab sends from the same port just before the peer
// starts (the conntrack-clash case), without the simulator needing to close sockets.
import type { Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';

export class PreludeMachine<C, E> implements Machine<C, E> {
  private readonly prelude: Transmit[];

  constructor(private readonly inner: Machine<C, E>, prelude: ReadonlyArray<{ remote: Addr; data: Uint8Array }>) {
    this.prelude = prelude.map((t) => ({ remote: t.remote, data: t.data }));
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.inner.handleDatagram(now, remote, data, local);
  }
  handleTimeout(now: Millis): void {
    this.inner.handleTimeout(now);
  }
  handleCommand(now: Millis, command: C): void {
    this.inner.handleCommand(now, command);
  }
  pollTransmit(): Transmit | undefined {
    return this.prelude.shift() ?? this.inner.pollTransmit();
  }
  pollEvent(): E | undefined {
    return this.inner.pollEvent();
  }
  pollTimeout(): Millis | undefined {
    return this.inner.pollTimeout();
  }
}
