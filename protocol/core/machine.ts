// The Sans-IO contract every protocol core implements. A machine never reads a clock,
// touches a socket, sets a timer or draws its own randomness: it is handed time, bytes and
// commands, and hands back datagrams, events and its next deadline. One generic driver per
// runtime (simulator, real sockets) can then run every protocol unchanged.
import type { Addr } from './addr.ts';
import type { Millis } from './time.ts';

export interface Transmit {
  readonly remote: Addr;
  readonly data: Uint8Array;
  /**
   * Which of the host's bound addresses to send from. Absent means the machine's primary
   * address. Only machines bound to several addresses (an RFC 5780 STUN server) set it.
   */
  readonly local?: Addr;
}

export interface Machine<Command, Event> {
  /**
   * A datagram arrived from `remote` on the local address `local` (drivers always supply it;
   * machines with one address may ignore it). Bad input must be counted and dropped inside
   * the machine, never thrown.
   */
  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void;
  /** Called at or after the deadline last returned by pollTimeout(). */
  handleTimeout(now: Millis): void;
  handleCommand(now: Millis, command: Command): void;
  /** Drain after every handle*: the next datagram to send, or undefined. */
  pollTransmit(): Transmit | undefined;
  /** Drain after every handle*: the next application event, or undefined. */
  pollEvent(): Event | undefined;
  /**
   * The earliest deadline the machine wants handleTimeout() at, or undefined for none. It is
   * the very number the machine compares (`now >= deadline`), finite, and once
   * handleTimeout(now) has run and the machine is drained it is undefined or > now.
   */
  pollTimeout(): Millis | undefined;
  /**
   * Optional: true once the machine has finished for good (its last transmits and events may
   * still be queued). Once a drain ends with it true, pollTimeout() is undefined and later
   * drains find nothing to poll out. Machines that live as long as their host leave it out.
   * contract.ts checks all of this.
   */
  isClosed?(): boolean;
}

/** An event type that carries its own name, so drivers can trace any machine's events. */
export interface NamedEvent {
  readonly type: string;
}
