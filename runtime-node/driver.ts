// The real-socket driver: runs any protocol/core Machine on node:dgram sockets. It binds one
// socket per local address, hands each datagram and one re-armed timer to the machine, sends
// what the machine polls out, and turns socket failures into typed driver events instead of
// exceptions, so the same machine that passed in the simulator runs here unchanged.
// ICMP errors surface only where the kernel reports them: Linux reports ICMP port/host
// unreachable (ECONNREFUSED, EHOSTUNREACH) to connected UDP sockets or with IP_RECVERR; our
// sockets are unconnected (one socket talks to many peers), so those arrive mostly as silence
// and the protocols' own timeouts handle them. Whatever the kernel does report is mapped.
// Every call into the machine goes through the contract checker (protocol/core/contract.ts):
// a throw or a deadline still due after handleTimeout is counted, traced (`machine-error`),
// reported as a driver event and on stderr, and the driver keeps serving; a machine stuck on
// a due deadline is woken again only after a back-off, so it can never spin the CPU.
import { createSocket, type Socket } from 'node:dgram';
import { addr, formatAddr, type Addr } from '../protocol/core/addr.ts';
import { classifyDatagram } from '../protocol/core/demux.ts';
import { ContractChecker, ContractViolation, type MachineCall } from '../protocol/core/contract.ts';
import type { Machine, Transmit } from '../protocol/core/machine.ts';
import type { Millis } from '../protocol/core/time.ts';
import { RealClock } from './real-clock.ts';
import { bindMessage, dropReason, DriverError, errorKind, type DriverEvent } from './socket-errors.ts';
import { jsonSafe, type TraceRecordSink } from './trace-file.ts';

export { RealClock } from './real-clock.ts';
export { bindAddr, DriverError, errorKind, type DriverEvent, type SocketErrorKind } from './socket-errors.ts';

export interface DriverOptions {
  /** Local addresses to bind; port 0 picks a free port. Each gets its own socket. */
  readonly bind: readonly Addr[];
  /** Trace node name. */
  readonly node?: string;
  readonly trace?: TraceRecordSink;
  readonly clock?: RealClock;
  /** SO_BROADCAST on IPv4 sockets (LAN discovery). */
  readonly broadcast?: boolean;
  /**
   * Join these IPv4 multicast groups (mDNS: 224.0.0.251) on each socket, sending from
   * `interface` (an address of ours), TTL 255, with SO_REUSEADDR so another responder on the
   * host (avahi-daemon) can share the port. Bind 0.0.0.0 to receive the group's datagrams.
   */
  readonly multicast?: { readonly groups: readonly string[]; readonly interface?: string };
  /** Kernel socket buffers; bulk transfers need more than the 200 KiB default. */
  readonly socket_buffer_bytes?: number;
  /** Bytes handed to the kernel but not yet confirmed sent; past it a send is dropped. */
  readonly send_queue_bytes_max?: number;
  /** One trace line per datagram and timer (default). Off for bulk runs: events only. */
  readonly trace_datagrams?: boolean;
  /** Where contract violations are reported in one line each (default: stderr; null: nowhere). */
  readonly report_machine_error?: ((line: string) => void) | null;
}

const default_socket_buffer_bytes = 4 * 1024 * 1024;
const default_send_queue_bytes_max = 8 * 1024 * 1024;
/** Driver events kept for late readers (waitFor); older ones are discarded. */
const driver_events_max = 1024;
/** Due deadlines run inside one pump before the rest waits for the event loop's next turn. */
const due_rounds_max = 64;
/** Consecutive timers a machine may ask for in the past before we force a 1 ms pause. */
const timer_spin_max = 1000;
/** After a throw from handleTimeout or a deadline still due after it: no wake for this long. */
export const machine_error_backoff_ms = 10;
/** Machine errors traced, evented and reported per driver; later ones are only counted. */
export const machine_errors_reported_max = 100;

interface Bound {
  readonly socket: Socket;
  readonly local: Addr;
}

export class Driver<Command, Event> {
  readonly clock: RealClock;
  readonly node: string;
  private readonly sockets: Bound[] = [];
  private readonly trace: TraceRecordSink | undefined;
  private readonly traceDatagrams: boolean;
  private timer: NodeJS.Timeout | undefined;
  private timerAt: Millis | undefined;
  private timerSpins = 0;
  /** A drain is due on the event loop's next check phase (after a batch of datagrams). */
  private pumpScheduled = false;
  private readonly checker: ContractChecker;
  /** The handle* (or api) call the next drain settles, and its `now`. */
  private lastCall: MachineCall = 'handleCommand';
  private lastNow: Millis = 0;
  /** No handleTimeout before this time (a machine that threw from it or stayed due). */
  private timeoutBackoffUntil: Millis = -Infinity;
  private readonly reportMachineError: ((line: string) => void) | null;
  private closed = false;
  private closing: Promise<void> | undefined;
  private packetId = 0;
  private sendQueueBytes = 0;
  private lastRemote: { text: string; port: number; addr: Addr } | undefined;
  private readonly sendQueueBytesMax: number;
  private readonly eventListeners: Array<(event: Event) => void> = [];
  private readonly driverListeners: Array<(event: DriverEvent) => void> = [];
  readonly driverEvents: DriverEvent[] = [];
  readonly counters = {
    datagrams_sent: 0,
    bytes_sent: 0,
    datagrams_received: 0,
    bytes_received: 0,
    send_errors: 0,
    send_dropped_queue: 0,
    timers: 0,
    /** Contract violations: throws from handle*\/poll*, deadlines still due after handleTimeout. */
    machine_errors: 0,
  };

  private constructor(readonly machine: Machine<Command, Event>, options: DriverOptions) {
    this.clock = options.clock ?? new RealClock();
    this.node = options.node ?? 'local';
    this.trace = options.trace;
    this.traceDatagrams = options.trace_datagrams ?? true;
    this.sendQueueBytesMax = options.send_queue_bytes_max ?? default_send_queue_bytes_max;
    this.checker = new ContractChecker(this.node, machine);
    this.reportMachineError =
      options.report_machine_error === undefined ? (line) => void process.stderr.write(`${line}\n`) : options.report_machine_error;
  }

  /** Binds every address, then starts the machine's clock. Rejects with DriverError. */
  static async start<C, E>(machine: Machine<C, E>, options: DriverOptions): Promise<Driver<C, E>> {
    if (options.bind.length === 0) throw new DriverError('other', 'EINVAL', undefined, 'no address to bind');
    const driver = new Driver(machine, options);
    try {
      for (const local of options.bind) driver.sockets.push(await driver.bindOne(local, options));
    } catch (error) {
      await driver.close();
      throw error;
    }
    driver.emitDriver({ type: 'bound', local: driver.localAddresses });
    driver.pump();
    return driver;
  }

  get localAddresses(): Addr[] {
    return this.sockets.map((s) => s.local);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  now(): Millis {
    return this.clock.now();
  }

  private bindOne(local: Addr, options: DriverOptions): Promise<Bound> {
    return new Promise((resolve, reject) => {
      const buffer_bytes = options.socket_buffer_bytes ?? default_socket_buffer_bytes;
      const socket = createSocket({
        type: local.family === 6 ? 'udp6' : 'udp4',
        ipv6Only: local.family === 6,
        reuseAddr: options.multicast !== undefined,
      });
      const onBindError = (error: NodeJS.ErrnoException): void => {
        socket.close();
        const kind = errorKind(error.code);
        reject(new DriverError(kind, error.code ?? 'UNKNOWN', local, bindMessage(kind, local, error)));
      };
      socket.once('error', onBindError);
      socket.bind({ address: local.ip, port: local.port, exclusive: options.multicast === undefined }, () => {
        socket.off('error', onBindError);
        const info = socket.address();
        const bound = { socket, local: addr(local.ip, info.port) };
        // Buffers beyond the kernel's rmem_max/wmem_max are silently capped; not an error.
        try {
          socket.setRecvBufferSize(buffer_bytes);
          socket.setSendBufferSize(buffer_bytes);
        } catch {
          /* keep the defaults */
        }
        if (options.broadcast && local.family === 4) socket.setBroadcast(true);
        if (options.multicast && local.family === 4) {
          const iface = options.multicast.interface;
          for (const group of options.multicast.groups) socket.addMembership(group, iface);
          if (iface) socket.setMulticastInterface(iface);
          socket.setMulticastTTL(255);
          socket.setMulticastLoopback(true);
        }
        socket.on('message', (data, rinfo) => this.onMessage(bound.local, data, rinfo.address, rinfo.port));
        socket.on('error', (error: NodeJS.ErrnoException) => this.onSocketError(error, bound.local, undefined));
        resolve(bound);
      });
    });
  }

  onEvent(listener: (event: Event) => void): void {
    this.eventListeners.push(listener);
  }

  onDriverEvent(listener: (event: DriverEvent) => void): void {
    this.driverListeners.push(listener);
  }

  /** Resolves with the first machine event matching `match`, or rejects after `timeout_ms`. */
  waitFor<T extends Event>(match: (event: Event) => event is T, timeout_ms: number): Promise<T>;
  waitFor(match: (event: Event) => boolean, timeout_ms: number): Promise<Event>;
  waitFor(match: (event: Event) => boolean, timeout_ms: number): Promise<Event> {
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new Error(`${this.node}: no matching event within ${timeout_ms} ms`));
      }, timeout_ms);
      this.onEvent((event) => {
        if (done || !match(event)) return;
        done = true;
        clearTimeout(timer);
        resolve(event);
      });
    });
  }

  /**
   * Calls the machine's own API (write, read, …) at the current time, then drains it, so what
   * the call queued is sent at once. Returns undefined after close.
   */
  act<T>(fn: (machine: Machine<Command, Event>, now: Millis) => T): T | undefined {
    if (this.closed) return undefined;
    const now = this.now();
    this.enter('api', now);
    let result: T | undefined;
    try {
      result = fn(this.machine, now);
    } catch (error) {
      this.machineError(this.checker.threw('api', now, error));
    }
    this.pump();
    return result;
  }

  command(command: Command): void {
    if (this.closed) return;
    const now = this.now();
    this.enter('handleCommand', now);
    try {
      this.machine.handleCommand(now, command);
    } catch (error) {
      this.machineError(this.checker.threw('handleCommand', now, error));
    }
    this.pump();
  }

  /** Before every call into the machine: the checker's time rule, and what the drain settles. */
  private enter(call: MachineCall, now: Millis): void {
    this.lastCall = call;
    this.lastNow = now;
    try {
      this.checker.enter(call, now);
    } catch (error) {
      this.machineError(this.checker.threw(call, now, error));
    }
  }

  /**
   * Counts a contract violation and reports the first machine_errors_reported_max of them: a
   * `machine-error` trace line, a driver event, one line on stderr. Never throws.
   */
  private machineError(violation: ContractViolation): void {
    this.counters.machine_errors++;
    if (violation.call === 'handleTimeout') this.timeoutBackoffUntil = this.now() + machine_error_backoff_ms;
    if (this.counters.machine_errors > machine_errors_reported_max) return;
    const at = violation.deadline;
    this.trace?.write({
      t: this.now(),
      kind: 'machine-error',
      node: this.node,
      call: violation.call,
      rule: violation.rule,
      message: violation.message,
      ...(at === undefined ? {} : { at }),
    });
    this.emitDriver({ type: 'machine-error', call: violation.call, rule: violation.rule, message: violation.message, ...(at === undefined ? {} : { deadline: at }) });
    const last = this.counters.machine_errors === machine_errors_reported_max ? ' (further machine errors are only counted)' : '';
    this.reportMachineError?.(`peerlab: contract violation: ${violation.message}${last}`);
  }

  private onMessage(local: Addr, data: Buffer, remoteIp: string, remotePort: number): void {
    if (this.closed) return;
    let remote: Addr;
    const last = this.lastRemote;
    if (last && last.port === remotePort && last.text === remoteIp) remote = last.addr;
    else {
      try {
        remote = addr(remoteIp, remotePort);
      } catch {
        return; // a scoped IPv6 address we cannot represent; not ours to handle
      }
      // Bulk transfers come from one peer: skip re-canonicalising its address every datagram.
      this.lastRemote = { text: remoteIp, port: remotePort, addr: remote };
    }
    let now = this.now();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.counters.datagrams_received++;
    this.counters.bytes_received += bytes.byteLength;
    if (this.trace && this.traceDatagrams) {
      this.trace.write({
        t: now,
        kind: 'deliver',
        node: this.node,
        id: this.nextPacketId(),
        src: formatAddr(remote),
        dst: formatAddr(local),
        bytes: bytes.byteLength,
      });
    }
    // A deadline that fell due before this datagram runs first, with its own drain, so the
    // machine sees time in order (and the contract's check after handleTimeout still holds).
    if (this.pumpScheduled && this.dueAt(now)) {
      this.pump();
      now = this.now();
    }
    this.lastCall = 'handleDatagram';
    this.lastNow = now;
    try {
      this.checker.enter('handleDatagram', now);
      this.machine.handleDatagram(now, remote, bytes, local);
    } catch (error) {
      // One stranger's datagram must not take down the other connections this machine serves.
      this.machineError(this.checker.threw('handleDatagram', now, error));
    }
    this.schedulePump();
  }

  /**
   * libuv hands over every datagram waiting on the socket (up to 32 per wake-up) before the
   * event loop's check phase: draining once after the batch instead of after each datagram
   * lets the machine answer a burst with one ACK and send a burst of data in one go (what GRO
   * does for the kernel's TCP). setImmediate runs after the batch, before any timer.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(this.deferredPump);
  }

  private readonly deferredPump = (): void => {
    this.pumpScheduled = false;
    if (!this.closed) this.pump();
  };

  /** The machine's deadline is due at `now` (a throw is reported and counts as not due). */
  private dueAt(now: Millis): boolean {
    if (now < this.timeoutBackoffUntil) return false;
    try {
      const at = this.machine.pollTimeout();
      return at !== undefined && at <= now;
    } catch (error) {
      this.machineError(this.checker.threw('pollTimeout', now, error));
      return false;
    }
  }

  private nextPacketId(): string {
    // Real runs have no global packet ids; node-prefixed ids stay unique within a merged trace.
    return `${this.node}#${++this.packetId}`;
  }

  /**
   * Drains transmits and events, runs a deadline that is already due at once, then re-arms
   * the one timer. Safe to re-enter. Running due deadlines here matters: on a busy socket
   * every datagram re-arms the timer, and a zero-delay setTimeout that keeps being replaced
   * would never fire, starving the machine's pacing and retransmission timers.
   */
  private pump(): void {
    const machine = this.machine;
    const checker = this.checker;
    for (let round = 0; !this.closed; round++) {
      let call: MachineCall = 'pollTransmit';
      // False while a listener runs: a listener's own exception is the application's, not the
      // machine's, and goes on up as before.
      let inMachine = true;
      let at: Millis | undefined;
      try {
        for (let transmit = machine.pollTransmit(); transmit; transmit = machine.pollTransmit()) {
          checker.polled('pollTransmit', this.lastNow);
          this.send(transmit);
        }
        call = 'pollEvent';
        for (let event = machine.pollEvent(); event !== undefined; event = machine.pollEvent()) {
          checker.polled('pollEvent', this.lastNow);
          inMachine = false;
          this.trace?.write({
            t: this.now(),
            kind: 'event',
            node: this.node,
            name: eventName(event),
            data: jsonSafe(event),
          });
          for (const listener of [...this.eventListeners]) listener(event);
          inMachine = true;
          if (this.closed) return;
        }
        call = 'pollTimeout';
        at = machine.pollTimeout();
        const settled = this.lastCall;
        // Settle each handle* call once: after handleTimeout the deadline must have moved on.
        this.lastCall = 'handleCommand';
        checker.settle(settled, this.lastNow, at);
      } catch (error) {
        if (!inMachine) throw error;
        this.machineError(checker.threw(call, this.lastNow, error));
        break;
      }
      const now = this.now();
      if (at === undefined || at > now || round >= due_rounds_max || now < this.timeoutBackoffUntil) break;
      this.runTimeout(now, at);
    }
    this.armTimer();
  }

  private runTimeout(now: Millis, at: Millis): void {
    this.counters.timers++;
    if (this.trace && this.traceDatagrams) this.trace.write({ t: now, kind: 'timer', node: this.node, at });
    this.enter('handleTimeout', now);
    try {
      this.machine.handleTimeout(now);
    } catch (error) {
      this.machineError(this.checker.threw('handleTimeout', now, error));
    }
  }

  private armTimer(): void {
    if (this.closed) return;
    let at: Millis | undefined;
    try {
      at = this.machine.pollTimeout();
    } catch (error) {
      this.machineError(this.checker.threw('pollTimeout', this.lastNow, error));
    }
    if (at === this.timerAt && this.timer) return;
    // A timer already set for an earlier instant stays: it wakes early, finds nothing due and
    // re-arms. On a busy connection the deadline moves later with nearly every datagram, and
    // a clearTimeout + setTimeout pair each time is measurable (bench rudp, real loopback).
    if (this.timer && at !== undefined && this.timerAt !== undefined && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    // A non-finite deadline has been reported as a machine error; it never arms a timer.
    if (at === undefined || !Number.isFinite(at)) return;
    const now = this.now();
    let delay_ms = Math.max(0, Math.ceil(at - now), Math.ceil(this.timeoutBackoffUntil - now));
    if (delay_ms === 0 && ++this.timerSpins > timer_spin_max) {
      delay_ms = 1; // a machine that keeps asking for the past must not starve the sockets
      this.timerSpins = 0;
    }
    if (delay_ms > 0) this.timerSpins = 0;
    this.timer = setTimeout(() => this.onTimer(), delay_ms);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = undefined;
    if (this.closed) return;
    const now = this.now();
    let at: Millis | undefined;
    try {
      at = this.machine.pollTimeout();
    } catch (error) {
      this.machineError(this.checker.threw('pollTimeout', now, error));
    }
    if (at !== undefined && at <= now && now >= this.timeoutBackoffUntil) this.runTimeout(now, at);
    this.pump();
  }

  private socketFor(transmit: Transmit): Bound | undefined {
    if (transmit.local) {
      const exact = this.sockets.find((s) => s.local.ip === transmit.local!.ip && s.local.port === transmit.local!.port);
      if (exact) return exact;
    }
    return this.sockets.find((s) => s.local.family === transmit.remote.family);
  }

  private send(transmit: Transmit): void {
    const bound = this.socketFor(transmit);
    const id = this.trace && this.traceDatagrams ? this.nextPacketId() : '';
    const size_bytes = transmit.data.byteLength;
    if (!bound) {
      this.dropSend(id, transmit, undefined, 'no-route');
      this.emitDriver({
        type: 'socket-error',
        kind: 'no-socket',
        code: 'EAFNOSUPPORT',
        remote: transmit.remote,
        message: `no IPv${transmit.remote.family} socket bound to send to ${formatAddr(transmit.remote)}`,
      });
      return;
    }
    if (this.trace && this.traceDatagrams) {
      this.trace.write({
        t: this.now(),
        kind: 'send',
        node: this.node,
        id,
        src: formatAddr(bound.local),
        dst: formatAddr(transmit.remote),
        bytes: size_bytes,
        proto: classifyDatagram(transmit.data),
      });
    }
    if (this.sendQueueBytes + size_bytes > this.sendQueueBytesMax) {
      // Node queues sends without limit when the kernel buffer is full; we bound it instead
      // and let the protocol's own loss recovery see a drop, as it would on a real link.
      this.counters.send_dropped_queue++;
      this.dropSend(id, transmit, bound.local, 'queue');
      this.emitDriver({
        type: 'socket-error',
        kind: 'send-buffer-full',
        code: 'ENOBUFS',
        local: bound.local,
        remote: transmit.remote,
        message: `send queue full (${this.sendQueueBytes} bytes in flight)`,
      });
      return;
    }
    this.sendQueueBytes += size_bytes;
    this.counters.datagrams_sent++;
    this.counters.bytes_sent += size_bytes;
    try {
      bound.socket.send(transmit.data, transmit.remote.port, transmit.remote.ip, (error) => {
        this.sendQueueBytes -= size_bytes;
        if (error) this.onSendError(error as NodeJS.ErrnoException, id, transmit, bound.local);
      });
    } catch (error) {
      // Synchronous throws: socket already closed, bad argument.
      this.sendQueueBytes -= size_bytes;
      this.onSendError(error as NodeJS.ErrnoException, id, transmit, bound.local);
    }
  }

  private onSendError(error: NodeJS.ErrnoException, id: string, transmit: Transmit, local: Addr): void {
    if (this.closed) return;
    this.counters.send_errors++;
    const kind = errorKind(error.code);
    this.dropSend(id, transmit, local, dropReason(kind));
    this.onSocketError(error, local, transmit.remote);
  }

  private dropSend(id: string, transmit: Transmit, local: Addr | undefined, reason: string): void {
    if (!this.trace || !this.traceDatagrams) return;
    this.trace.write({
      t: this.now(),
      kind: 'drop',
      node: this.node,
      id,
      src: local ? formatAddr(local) : '',
      dst: formatAddr(transmit.remote),
      bytes: transmit.data.byteLength,
      reason,
    });
  }

  private onSocketError(error: NodeJS.ErrnoException, local: Addr | undefined, remote: Addr | undefined): void {
    if (this.closed) return;
    this.emitDriver({
      type: 'socket-error',
      kind: errorKind(error.code),
      code: error.code ?? 'UNKNOWN',
      local,
      remote,
      message: error.message,
    });
  }

  private emitDriver(event: DriverEvent): void {
    if (this.driverEvents.length >= driver_events_max) this.driverEvents.shift();
    this.driverEvents.push(event);
    this.trace?.write({ t: this.now(), kind: 'event', node: this.node, name: `driver-${event.type}`, data: jsonSafe(event) });
    for (const listener of [...this.driverListeners]) listener(event);
  }

  /** Stops the timer and closes every socket; idempotent. The trace is the caller's. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closing = Promise.all(
      this.sockets.map(
        (bound) =>
          new Promise<void>((resolve) => {
            try {
              bound.socket.close(() => resolve());
            } catch {
              resolve(); // already closed
            }
          }),
      ),
    ).then(() => {
      for (const listener of [...this.driverListeners]) listener({ type: 'closed' });
    });
    return this.closing;
  }
}

function eventName(event: unknown): string {
  if (typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string') {
    return (event as { type: string }).type;
  }
  return 'event';
}
