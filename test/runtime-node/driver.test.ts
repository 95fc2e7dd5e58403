// The dgram driver on loopback only: delivery both ways, the one re-armed timer, typed
// socket errors (port in use, message too large, send queue full, wrong family), several
// local addresses with Transmit.local, the JSONL trace, a clean, idempotent close, and the
// contract checker: a machine that throws keeps serving everyone else, a machine stuck on a
// due deadline is reported with its name and backed off instead of spinning the CPU.
// Tests wait for the events they expect (with a bound), never for a fixed time.
import { afterEach, describe, expect, it } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import { Driver, DriverError, machine_error_backoff_ms, type DriverEvent } from '../../runtime-node/driver.ts';
import { TraceArray } from '../../runtime-node/trace-file.ts';
import { EchoMachine, RawSender, type EchoCommand, type EchoEvent } from './fixtures.ts';
import type { Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import { createSocket } from 'node:dgram';

const open: Array<Driver<unknown, unknown>> = [];
async function start<C, E>(...args: Parameters<typeof Driver.start<C, E>>): Promise<Driver<C, E>> {
  const driver = await Driver.start<C, E>(...args);
  open.push(driver as Driver<unknown, unknown>);
  return driver;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

const received = (e: EchoEvent): e is Extract<EchoEvent, { type: 'received' }> => e.type === 'received';

/**
 * Resolves once `done()` holds, checking it each time `subscribe` reports something; rejects
 * with `what` after `timeout_ms` (a bound for a broken build, not a wait we rely on).
 */
function until(subscribe: (check: () => void) => void, done: () => boolean, what: string, timeout_ms = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (done()) return resolve();
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeout_ms} ms waiting for ${what}`)), timeout_ms);
    subscribe(() => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

async function ipv6LoopbackWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp6');
    socket.once('error', () => resolve(false));
    socket.bind(0, '::1', () => socket.close(() => resolve(true)));
  });
}

describe('runtime-node driver (loopback)', () => {
  it('delivers datagrams both ways, traces them, and echoes from the receiving address', async () => {
    const traceA = new TraceArray();
    const server = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)], node: 'server' });
    const client = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)], node: 'client', trace: traceA });
    const reply = client.waitFor(received, 2000);
    client.command({ type: 'send', to: server.localAddresses[0]!, payload: new Uint8Array([1, 2, 3]) });
    const event = await reply;
    expect(event.from).toEqual(server.localAddresses[0]);
    expect([...event.payload]).toEqual([1, 2, 3]);
    const kinds = traceA.records.map((r) => r.kind);
    expect(kinds).toContain('send');
    expect(kinds).toContain('deliver');
    const send = traceA.records.find((r) => r.kind === 'send')!;
    expect(send).toMatchObject({ node: 'client', proto: 'echo', bytes: 5, dst: `127.0.0.1:${server.localAddresses[0]!.port}` });
    expect(typeof send.t).toBe('number');
    const ev = traceA.records.find((r) => r.kind === 'event' && r.name === 'received')!;
    expect((ev.data as { from: string }).from).toBe(`127.0.0.1:${server.localAddresses[0]!.port}`);
  });

  it('drives one re-armed timer at the times the machine asks for', async () => {
    const driver = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const ticks: number[] = [];
    driver.onEvent((e) => {
      if (e.type === 'ticked') ticks.push(e.at);
    });
    const started = driver.now();
    driver.command({ type: 'tick-every', interval_ms: 20, count: 5 });
    await until((check) => driver.onEvent(check), () => ticks.length === 5, 'five ticks');
    expect(ticks.length).toBe(5);
    for (let i = 0; i < 5; i++) expect(ticks[i]! - started).toBeGreaterThanOrEqual(20 * (i + 1) - 0.001);
    expect(driver.counters.timers).toBe(5);
  });

  it('reports a port in use as a typed DriverError, not a crash', async () => {
    const first = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const port = first.localAddresses[0]!.port;
    const failure = await Driver.start(new EchoMachine(), { bind: [addr('127.0.0.1', port)] }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DriverError);
    expect((failure as DriverError).kind).toBe('address-in-use');
    expect((failure as DriverError).message).toMatch(/port in use/);
  });

  it('closes sockets already bound when a later bind fails', async () => {
    const first = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const taken = first.localAddresses[0]!.port;
    const probe = createSocket('udp4');
    const free = await new Promise<number>((r) => probe.bind(0, '127.0.0.1', () => r(probe.address().port)));
    await new Promise<void>((r) => probe.close(() => r()));
    await expect(
      Driver.start(new EchoMachine(), { bind: [addr('127.0.0.1', free), addr('127.0.0.1', taken)] }),
    ).rejects.toBeInstanceOf(DriverError);
    // The first address must be free again.
    const again = await start(new EchoMachine(), { bind: [addr('127.0.0.1', free)] });
    expect(again.localAddresses[0]!.port).toBe(free);
  });

  it('turns EMSGSIZE, a full send queue and a missing family into driver events', async () => {
    const trace = new TraceArray();
    const events: DriverEvent[] = [];
    const driver = await start(new RawSender(), {
      bind: [addr('127.0.0.1', 0)],
      trace,
      send_queue_bytes_max: 100_000,
    });
    driver.onDriverEvent((e) => events.push(e));
    const sink = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const to = sink.localAddresses[0]!;
    driver.command({ remote: to, data: new Uint8Array(70_000) }); // > 65507: EMSGSIZE
    driver.command({ remote: to, data: new Uint8Array(60_000) }); // queue now 60k (+70k refused or pending)
    driver.command({ remote: to, data: new Uint8Array(60_000) }); // over our 100k bound
    driver.command({ remote: addr('::1', 9), data: new Uint8Array(10) }); // no IPv6 socket
    const kinds = (): string[] => events.flatMap((e) => (e.type === 'socket-error' ? [e.kind] : []));
    await until((check) => driver.onDriverEvent(check), () => kinds().includes('message-too-large'), 'EMSGSIZE');
    expect(kinds()).toContain('message-too-large');
    expect(kinds()).toContain('send-buffer-full');
    expect(kinds()).toContain('no-socket');
    const reasons = trace.records.filter((r) => r.kind === 'drop').map((r) => r.reason);
    expect(reasons).toEqual(expect.arrayContaining(['mtu', 'queue', 'no-route']));
    expect(driver.isClosed).toBe(false);
  });

  it('sends from the address named by Transmit.local on a multi-address host', async () => {
    const server = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0), addr('127.0.0.2', 0)] });
    const [one, two] = server.localAddresses;
    const client = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const seen: string[] = [];
    client.onEvent((e) => {
      if (e.type === 'received') seen.push(`${e.from.ip}:${e.from.port}`);
    });
    client.command({ type: 'send', to: one!, payload: new Uint8Array([1]) });
    client.command({ type: 'send', to: two!, payload: new Uint8Array([2]) });
    await until((check) => client.onEvent(check), () => seen.length === 2, 'two replies');
    expect(seen.sort()).toEqual([`127.0.0.1:${one!.port}`, `127.0.0.2:${two!.port}`].sort());
  });

  it('runs on IPv6 loopback (udp6)', async () => {
    if (!(await ipv6LoopbackWorks())) {
      console.warn('SKIPPED LOUDLY: ::1 is not available in this environment; the udp6 path is untested here');
      if (process.env.PEERLAB_REQUIRE_ALL === '1') throw new Error('PEERLAB_REQUIRE_ALL=1 and ::1 is missing');
      return;
    }
    const server = await start(new EchoMachine(), { bind: [addr('::1', 0)] });
    const client = await start(new EchoMachine(), { bind: [addr('::1', 0), addr('127.0.0.1', 0)] });
    const reply = client.waitFor(received, 2000);
    client.command({ type: 'send', to: server.localAddresses[0]!, payload: new Uint8Array([6]) });
    const event = await reply;
    expect(event.from.family).toBe(6);
    expect(event.local.family).toBe(6);
  });

  it('accepts SO_BROADCAST (without sending any broadcast from this namespace)', async () => {
    const driver = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)], broadcast: true });
    expect(driver.localAddresses).toHaveLength(1);
  });

  it('closes cleanly: idempotent, no events after close, port reusable', async () => {
    const driver = await Driver.start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const port = driver.localAddresses[0]!.port;
    let events = 0;
    driver.onEvent(() => events++);
    driver.command({ type: 'tick-every', interval_ms: 5, count: 100 });
    await Promise.all([driver.close(), driver.close()]);
    // A witness ticking at the same interval proves the closed driver's timer had its chances.
    const witness = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    let witnessTicks = 0;
    witness.onEvent(() => witnessTicks++);
    witness.command({ type: 'tick-every', interval_ms: 5, count: 4 });
    await until((check) => witness.onEvent(check), () => witnessTicks === 4, 'four witness ticks');
    expect(events).toBe(0);
    driver.command({ type: 'tick-every', interval_ms: 1, count: 1 }); // ignored, no throw
    const again = await start(new EchoMachine(), { bind: [addr('127.0.0.1', port)] });
    expect(again.localAddresses[0]!.port).toBe(port);
  });

  it('runs a deadline that is already due at once, even while datagrams keep arriving', async () => {
    // Like a pacer: every datagram makes the machine want handleTimeout "now". A timer that
    // each datagram re-arms with zero delay could be starved; the driver must run it inline.
    class DueMachine implements Machine<never, { type: 'got' }> {
      received = 0;
      timeouts = 0;
      private due: number | undefined;
      private got = 0;
      handleDatagram(now: number): void {
        this.received++;
        this.got++;
        this.due = now;
      }
      handleTimeout(): void {
        this.timeouts++;
        this.due = undefined;
      }
      handleCommand(): void {}
      pollTransmit(): Transmit | undefined {
        return undefined;
      }
      pollEvent(): { type: 'got' } | undefined {
        if (this.got === 0) return undefined;
        this.got--;
        return { type: 'got' };
      }
      pollTimeout(): number | undefined {
        return this.due;
      }
    }
    const machine = new DueMachine();
    const target = await start(machine, { bind: [addr('127.0.0.1', 0)] });
    const blaster = await start(new RawSender(), { bind: [addr('127.0.0.1', 0)] });
    for (let i = 0; i < 300; i++) blaster.command({ remote: target.localAddresses[0]!, data: new Uint8Array([0xe0, i & 0xff]) });
    await until((check) => target.onEvent(check), () => machine.received === 300, '300 datagrams on loopback');
    expect(machine.timeouts).toBe(300);
    expect(target.counters.machine_errors).toBe(0);
  });
});

describe('runtime-node driver: batching (issue 15, the CLI at transport speed)', () => {
  it('drains once per batch of datagrams the socket had waiting, not once per datagram, and loses none', async () => {
    // What a transport gains: a burst is answered with one ACK, not one per two packets.
    class BatchMachine implements Machine<never, { type: 'drained' }> {
      handled = 0;
      private sinceDrain = 0;
      private drained = false;
      readonly batches: number[] = [];
      handleDatagram(): void {
        this.handled++;
        this.sinceDrain++;
      }
      handleTimeout(): void {}
      handleCommand(): void {}
      pollTransmit(): Transmit | undefined {
        if (this.sinceDrain > 0) {
          this.batches.push(this.sinceDrain);
          this.drained = true;
        }
        this.sinceDrain = 0;
        return undefined;
      }
      /** One event per drain that handled datagrams, so the test can wait on the driver. */
      pollEvent(): { type: 'drained' } | undefined {
        if (!this.drained) return undefined;
        this.drained = false;
        return { type: 'drained' };
      }
      pollTimeout(): number | undefined {
        return undefined;
      }
    }
    const machine = new BatchMachine();
    const target = await start(machine, { bind: [addr('127.0.0.1', 0)] });
    const blaster = await start(new RawSender(), { bind: [addr('127.0.0.1', 0)] });
    // Sent synchronously, so all 300 wait in the target's socket buffer before it reads any.
    for (let i = 0; i < 300; i++) blaster.command({ remote: target.localAddresses[0]!, data: new Uint8Array([0xe0, i & 0xff]) });
    await until((check) => target.onEvent(check), () => machine.batches.reduce((a, b) => a + b, 0) === 300, '300 datagrams drained');
    expect(machine.handled).toBe(300);
    expect(machine.batches.reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.max(...machine.batches)).toBeGreaterThan(1);
    expect(machine.batches.length).toBeLessThan(300);
    expect(target.counters.machine_errors).toBe(0);
  });
});

/** Echoes like EchoMachine, but a datagram whose payload starts with 0xff makes it throw. */
class Fragile extends EchoMachine {
  override handleDatagram(now: number, remote: Addr, data: Uint8Array, local: Addr): void {
    if (data[2] === 0xff) throw new RangeError('bad point from a stranger');
    super.handleDatagram(now, remote, data, local);
  }
}

/** Its deadline stays due after handleTimeout (a livelocked timer); it still echoes. */
class Stuck extends EchoMachine {
  readonly timeoutsAt: number[] = [];
  private due: number | undefined;
  override handleCommand(now: number, command: EchoCommand): void {
    if (command.type === 'tick-every') this.due = now;
    else super.handleCommand(now, command);
  }
  override handleTimeout(now: number): void {
    this.timeoutsAt.push(now);
  }
  override pollTimeout(): number | undefined {
    return this.due;
  }
}

describe('runtime-node driver: the contract checker', () => {
  it('catches, counts and traces a throw from handleDatagram and keeps serving the other peers', async () => {
    const trace = new TraceArray();
    const reports: string[] = [];
    const events: DriverEvent[] = [];
    const server = await start(new Fragile(), { bind: [addr('127.0.0.1', 0)], node: 'listener', trace, report_machine_error: (line) => reports.push(line) });
    server.onDriverEvent((e) => events.push(e));
    const attacker = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const honest = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const to = server.localAddresses[0]!;
    attacker.command({ type: 'send', to, payload: new Uint8Array([0xff]) });
    await until((check) => server.onDriverEvent(check), () => server.counters.machine_errors === 1, 'the machine error');
    const reply = honest.waitFor(received, 2000);
    honest.command({ type: 'send', to, payload: new Uint8Array([7]) });
    expect([...(await reply).payload]).toEqual([7]);
    expect(server.isClosed).toBe(false);
    expect(events).toMatchObject([{ type: 'machine-error', call: 'handleDatagram', rule: 'threw' }]);
    expect(trace.records.filter((r) => r.kind === 'machine-error')).toMatchObject([
      { node: 'listener', call: 'handleDatagram', rule: 'threw' },
    ]);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('machine listener: threw in handleDatagram');
    expect(reports[0]).toContain('RangeError: bad point from a stranger');
  });

  it('catches a throw from handleCommand (a command that fails must not crash the process)', async () => {
    class Refuses extends EchoMachine {
      override handleCommand(): void {
        throw new Error('endpoint-full');
      }
    }
    const driver = await start(new Refuses(), { bind: [addr('127.0.0.1', 0)], node: 'refuser', report_machine_error: null });
    driver.command({ type: 'tick-every', interval_ms: 1, count: 1 });
    expect(driver.counters.machine_errors).toBe(1);
    expect(driver.driverEvents.at(-1)).toMatchObject({ type: 'machine-error', call: 'handleCommand', rule: 'threw' });
    expect(driver.act(() => {
      throw new Error('api throw');
    })).toBeUndefined();
    expect(driver.counters.machine_errors).toBe(2);
  });

  it('reports a deadline still due after handleTimeout with the machine name and backs off instead of spinning', async () => {
    const reports: string[] = [];
    const machine = new Stuck();
    const driver = await start(machine, { bind: [addr('127.0.0.1', 0)], node: 'stuck-peer', report_machine_error: (line) => reports.push(line) });
    driver.command({ type: 'tick-every', interval_ms: 0, count: 1 });
    await until((check) => driver.onDriverEvent(check), () => driver.counters.machine_errors >= 4, 'four reported violations');
    expect(reports[0]).toMatch(/machine stuck-peer: due-after-timeout in handleTimeout at now=[\d.]+ deadline=/);
    // Every wake after a violation waits out the back-off: no busy loop at one instant.
    const gaps = machine.timeoutsAt.slice(1).map((t, i) => t - machine.timeoutsAt[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(3);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(machine_error_backoff_ms - 1);
    // And it still answers datagrams meanwhile.
    const client = await start(new EchoMachine(), { bind: [addr('127.0.0.1', 0)] });
    const reply = client.waitFor(received, 2000);
    client.command({ type: 'send', to: driver.localAddresses[0]!, payload: new Uint8Array([9]) });
    expect([...(await reply).payload]).toEqual([9]);
  });
});
