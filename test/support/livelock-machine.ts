// A tiny machine that reproduces the float livelock once found in protocol/rudp's loss
// detection: it arms its timer at `sent + delay` but decides "lost" with
// `sent <= now - delay`. With sent = 117.8 and delay = 24.0113 the timer fires at
// now = 141.8113, where now - delay = 117.79999999999998 < 117.8: handleTimeout(now) does
// nothing and pollTimeout() stays equal to now for ever. With `storedDeadline` it keeps the
// deadline and tests `now >= deadline` (the fix), so the same inputs end in a `lost` event.
// Tests use it to show that every driver and harness catches the livelock instead of spinning.
import type { Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';

/** The send time and loss delay that disagree in floating point (see the header). */
export const LIVELOCK_SENT_MS = 117.8;
export const LIVELOCK_DELAY_MS = 24.0113;
export const LIVELOCK_DEADLINE_MS = LIVELOCK_SENT_MS + LIVELOCK_DELAY_MS;

export type LossTimerCommand = { readonly type: 'send' };
export type LossTimerEvent = { readonly type: 'lost'; readonly at: Millis };

export class LossTimerMachine implements Machine<LossTimerCommand, LossTimerEvent> {
  private sentAt: Millis | undefined;
  private deadline: Millis | undefined;
  private readonly events: LossTimerEvent[] = [];
  timeouts = 0;

  constructor(
    /** true: decide by the stored deadline (fixed); false: by a difference (the old bug). */
    readonly storedDeadline: boolean,
    readonly delay_ms = LIVELOCK_DELAY_MS,
  ) {}

  handleCommand(now: Millis, _command: LossTimerCommand): void {
    this.sentAt = now;
    this.deadline = now + this.delay_ms;
  }

  handleDatagram(_now: Millis, _remote: Addr, _data: Uint8Array, _local: Addr): void {}

  handleTimeout(now: Millis): void {
    this.timeouts++;
    if (this.sentAt === undefined || this.deadline === undefined) return;
    const lost = this.storedDeadline ? now >= this.deadline : this.sentAt <= now - this.delay_ms;
    if (!lost) return;
    this.sentAt = undefined;
    this.deadline = undefined;
    this.events.push({ type: 'lost', at: now });
  }

  pollTransmit(): Transmit | undefined {
    return undefined;
  }

  pollEvent(): LossTimerEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    if (this.sentAt === undefined) return undefined;
    // The old code reported the sum it never compared; the fix reports the stored deadline.
    return this.storedDeadline ? this.deadline : this.sentAt + this.delay_ms;
  }
}
