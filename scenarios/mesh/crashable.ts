// Wraps a machine so a scenario can crash it: from crash() on it hears nothing, sends
// nothing and asks for no timer, as a process that died (the simulator has no host kill).
import type { Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';

export class Crashable<C, E> implements Machine<C, E> {
  crashed = false;
  constructor(readonly inner: Machine<C, E>) {}

  crash(): void {
    this.crashed = true;
    // Forget queued output: a dead process sends nothing more.
    while (this.inner.pollTransmit()) {
      /* discard */
    }
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    if (!this.crashed) this.inner.handleDatagram(now, remote, data, local);
  }
  handleTimeout(now: Millis): void {
    if (!this.crashed) this.inner.handleTimeout(now);
  }
  handleCommand(now: Millis, command: C): void {
    if (!this.crashed) this.inner.handleCommand(now, command);
  }
  pollTransmit(): Transmit | undefined {
    return this.crashed ? undefined : this.inner.pollTransmit();
  }
  pollEvent(): E | undefined {
    return this.crashed ? undefined : this.inner.pollEvent();
  }
  pollTimeout(): Millis | undefined {
    return this.crashed ? undefined : this.inner.pollTimeout();
  }
}
