// Drives machines the way a driver does, under the contract checker, for property tests:
//   - `recordExchange` runs a few machines on a tiny loss-free network (fixed delay, routing
//     by address) and records the genuine datagrams each one received, as a corpus to mutate;
//   - `runScript` plays a random script against one machine: time advances by random
//     fractional steps (or lands exactly on the machine's deadline), random or mutated
//     datagrams arrive from known peers and strangers, random commands are issued; after each
//     step the machine is drained and every due deadline is run, as a driver would.
// Every machine is wrapped in CheckedMachine, so a throw, a non-finite deadline or a deadline
// still due after handleTimeout(now) fails with a ContractViolation, and the spin guard bounds
// every loop: no script can hang the test run.
import { addrEquals, type Addr } from '../../protocol/core/addr.ts';
import { checked, type CheckedMachine } from '../../protocol/core/checked-machine.ts';
import type { Machine } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';

/** Steps a script or an exchange may take per machine before the spin guard fires. */
const harness_steps_max = 2_000_000;

type AnyMachine = Machine<unknown, unknown>;

/** Polls until both queues report empty, so the checker sees a complete drain. */
export function drainAll(machine: CheckedMachine<unknown, unknown>, onTransmit?: (remote: Addr, data: Uint8Array, local: Addr | undefined) => void, onEvent?: (event: unknown) => void): void {
  for (;;) {
    const transmit = machine.pollTransmit();
    const event = machine.pollEvent();
    if (transmit !== undefined) onTransmit?.(transmit.remote, transmit.data, transmit.local);
    if (event !== undefined) onEvent?.(event);
    if (transmit === undefined && event === undefined) return;
  }
}

/** Runs every deadline due at `now`, draining after each (the checker bounds the loop). */
export function runDue(machine: CheckedMachine<unknown, unknown>, now: Millis, drain: () => void): void {
  for (let deadline = machine.pollTimeout(); deadline !== undefined && deadline <= now; deadline = machine.pollTimeout()) {
    machine.handleTimeout(now);
    drain();
  }
}

export interface Party {
  readonly name: string;
  readonly address: Addr;
  readonly machine: Machine<never, unknown> | AnyMachine;
  /** Reacts to the party's own events with commands (e.g. write once connected). */
  readonly react?: (event: unknown, command: (command: unknown) => void) => void;
  /** Commands issued at time 0, after the first drain. */
  readonly start?: readonly unknown[];
}

/**
 * Runs `parties` on a loss-free network with `delay_ms` one-way delay until nothing is left
 * to do or `until_ms`, and returns the datagrams each party received, by party name.
 */
export function recordExchange(parties: readonly Party[], until_ms: Millis, delay_ms = 5): Map<string, Uint8Array[]> {
  const received = new Map<string, Uint8Array[]>(parties.map((p) => [p.name, []]));
  const machines = parties.map((p) => checked(p.machine as AnyMachine, `exchange ${p.name}`, { steps_max: harness_steps_max }));
  type Flight = { at: Millis; order: number; to: number; from: Addr; data: Uint8Array };
  const flights: Flight[] = [];
  let order = 0;
  let now = 0;
  const drain = (i: number): void => {
    const commands: unknown[] = [];
    drainAll(
      machines[i]!,
      (remote, data) => {
        const to = parties.findIndex((p) => addrEquals(p.address, remote));
        if (to >= 0) flights.push({ at: now + delay_ms, order: order++, to, from: parties[i]!.address, data: data.slice() });
      },
      (event) => parties[i]!.react?.(event, (command) => commands.push(command)),
    );
    for (const command of commands) {
      machines[i]!.handleCommand(now, command);
      drain(i);
    }
  };
  parties.forEach((party, i) => {
    drain(i);
    for (const command of party.start ?? []) {
      machines[i]!.handleCommand(now, command);
      drain(i);
    }
  });
  for (;;) {
    parties.forEach((_, i) => runDue(machines[i]!, now, () => drain(i)));
    flights.sort((a, b) => a.at - b.at || a.order - b.order);
    let next = flights[0]?.at ?? Infinity;
    for (const m of machines) {
      const deadline = m.pollTimeout();
      if (deadline !== undefined && deadline < next) next = deadline;
    }
    if (next === Infinity || next > until_ms) break;
    now = Math.max(now, next);
    while (flights.length > 0 && flights[0]!.at <= now) {
      const flight = flights.shift()!;
      received.get(parties[flight.to]!.name)!.push(flight.data);
      machines[flight.to]!.handleDatagram(now, flight.from, flight.data, parties[flight.to]!.address);
      drain(flight.to);
    }
  }
  return received;
}

/** Where a scripted datagram comes from, what it carries. */
export type Payload =
  | { readonly kind: 'random'; readonly data: Uint8Array }
  /** Corpus item `index` (mod corpus size), bytes overwritten, then cut to `keep` bytes. */
  | { readonly kind: 'mutated'; readonly index: number; readonly flips: ReadonlyArray<readonly [number, number]>; readonly keep: number | undefined }
  | { readonly kind: 'genuine'; readonly index: number };

export type Step =
  | { readonly kind: 'advance'; readonly dt_ms: number }
  | { readonly kind: 'to-deadline' }
  | { readonly kind: 'datagram'; readonly from: number; readonly payload: Payload }
  | { readonly kind: 'command'; readonly command: unknown };

export interface ScriptTarget {
  readonly name: string;
  readonly machine: AnyMachine;
  readonly local: Addr;
  /** Senders: known peers first, then strangers. */
  readonly senders: readonly Addr[];
  readonly corpus: readonly Uint8Array[];
}

function payloadBytes(payload: Payload, corpus: readonly Uint8Array[]): Uint8Array {
  if (payload.kind === 'random' || corpus.length === 0) return payload.kind === 'random' ? payload.data : new Uint8Array(0);
  const original = corpus[payload.index % corpus.length]!;
  if (payload.kind === 'genuine') return original.slice();
  const bytes = original.slice();
  if (bytes.byteLength > 0) for (const [at, value] of payload.flips) bytes[at % bytes.byteLength] = value;
  return payload.keep === undefined ? bytes : bytes.subarray(0, payload.keep % (bytes.byteLength + 1));
}

/** What a script did, for assertions beyond "nothing broke". */
export interface ScriptReport {
  readonly end_ms: Millis;
  readonly transmits: number;
  readonly events: number;
  readonly timeouts: number;
}

/** Plays `steps` against the target under the checker; throws ContractViolation on a breach. */
export function runScript(target: ScriptTarget, steps: readonly Step[], start_ms = 0): ScriptReport {
  const m = checked(target.machine, target.name, { steps_max: harness_steps_max });
  let now = start_ms;
  let transmits = 0;
  let events = 0;
  let timeouts = 0;
  const drain = (): void =>
    drainAll(
      m,
      () => transmits++,
      () => events++,
    );
  const settle = (): void => {
    drain();
    for (let deadline = m.pollTimeout(); deadline !== undefined && deadline <= now; deadline = m.pollTimeout()) {
      timeouts++;
      m.handleTimeout(now);
      drain();
    }
  };
  settle();
  for (const step of steps) {
    switch (step.kind) {
      case 'advance':
        now += step.dt_ms;
        break;
      case 'to-deadline': {
        // Land exactly on the deadline: the instant where float rounding bugs live.
        const deadline = m.pollTimeout();
        if (deadline !== undefined && deadline > now) now = deadline;
        break;
      }
      case 'datagram': {
        const from = target.senders[step.from % target.senders.length]!;
        m.handleDatagram(now, from, payloadBytes(step.payload, target.corpus), target.local);
        break;
      }
      case 'command':
        m.handleCommand(now, step.command);
        break;
    }
    settle();
  }
  return { end_ms: now, transmits, events, timeouts };
}
