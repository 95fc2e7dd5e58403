// The generic driver: drains after every handle*, traces events, keeps handle.events, calls
// onEvent after the drain, and runs the machine's one timer (moved earlier at once, later
// lazily), writing a timer line when the machine is woken.
import { describe, expect, it } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import type { Addr } from '../../protocol/core/addr.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import { MemorySink, Simulator } from '../../runtime-sim/index.ts';
import { Probe, bytes } from './fixtures.ts';

/** Wants a timeout at each deadline of a list, one after another. */
class Sleeper implements Machine<{ type: 'set'; at: number }, { type: 'woke'; at: number }> {
  deadline: number | undefined;
  readonly woken: number[] = [];
  private events: Array<{ type: 'woke'; at: number }> = [];
  handleDatagram(): void {}
  handleTimeout(now: number): void {
    this.woken.push(now);
    this.events.push({ type: 'woke', at: now });
    this.deadline = undefined;
  }
  handleCommand(_now: number, c: { type: 'set'; at: number }): void {
    this.deadline = c.at;
  }
  pollTransmit(): Transmit | undefined {
    return undefined;
  }
  pollEvent() {
    return this.events.shift();
  }
  pollTimeout(): number | undefined {
    return this.deadline;
  }
}

describe('driver', () => {
  it('wakes a machine at its deadline and traces the timer', () => {
    const sink = new MemorySink();
    const sim = new Simulator({ seed: 1, trace: sink });
    const m = new Sleeper();
    const h = sim.run(sim.addHost({ name: 'a' }), m, { port: 1 });
    h.command({ type: 'set', at: 50 });
    sim.runFor(100);
    expect(m.woken).toEqual([50]);
    expect(sink.ofKind('timer')).toEqual([{ t: 50, kind: 'timer', node: 'a', at: 50 }]);
    expect(sink.ofKind('event')).toEqual([{ t: 50, kind: 'event', node: 'a', name: 'woke', data: { type: 'woke', at: 50 } }]);
    expect(h.events).toEqual([{ type: 'woke', at: 50 }]);
  });

  it('moves the timer earlier at once and later lazily, never waking early', () => {
    const sim = new Simulator({ seed: 1 });
    const m = new Sleeper();
    const h = sim.run(sim.addHost({ name: 'a' }), m, { port: 1 });
    h.command({ type: 'set', at: 100 });
    h.command({ type: 'set', at: 30 });
    sim.runFor(20);
    h.command({ type: 'set', at: 80 });
    sim.runFor(200);
    expect(m.woken).toEqual([80]);
    // A deadline in the past wakes it at the current time.
    h.command({ type: 'set', at: 10 });
    sim.runFor(1);
    expect(m.woken).toEqual([80, 220]);
    expect(sim.stats.timers).toBe(2);
  });

  it('onEvent callbacks run after the drain and may command the machine', () => {
    const sim = new Simulator({ seed: 1 });
    const m = new Sleeper();
    const h = sim.run(sim.addHost({ name: 'a' }), m, { port: 1 });
    const seen: number[] = [];
    h.onEvent((e) => {
      seen.push(e.at);
      if (e.at < 30) h.command({ type: 'set', at: e.at + 10 });
    });
    h.command({ type: 'set', at: 10 });
    sim.runFor(100);
    expect(seen).toEqual([10, 20, 30]);
    expect(m.woken).toEqual([10, 20, 30]);
  });

  it('never re-enters a machine from its own drain: zero-delay replies go through the queue', () => {
    // Two machines that answer every datagram at once, on ideal links.
    class Bouncer implements Machine<Addr, never> {
      depth = 0;
      maxDepth = 0;
      count = 0;
      private out: Transmit[] = [];
      handleDatagram(_now: number, remote: Addr, data: Uint8Array): void {
        this.depth++;
        this.maxDepth = Math.max(this.maxDepth, this.depth);
        this.count++;
        if (this.count < 50) this.out.push({ remote, data });
        this.depth--;
      }
      handleTimeout(): void {}
      handleCommand(_now: number, to: Addr): void {
        this.out.push({ remote: to, data: bytes(1) });
      }
      pollTransmit() {
        return this.out.shift();
      }
      pollEvent() {
        return undefined;
      }
      pollTimeout() {
        return undefined;
      }
    }
    const sim = new Simulator({ seed: 1 });
    const a = new Bouncer();
    const b = new Bouncer();
    const ha = sim.run(sim.addHost({ name: 'a', ips: ['198.51.100.1'] }), a, { port: 1 });
    sim.run(sim.addHost({ name: 'b', ips: ['198.51.100.2'] }), b, { port: 1 });
    ha.command(addr('198.51.100.2', 1));
    sim.runUntilIdle();
    expect(a.count + b.count).toBe(99);
    expect(a.maxDepth).toBe(1);
    expect(b.maxDepth).toBe(1);
    expect(sim.now).toBe(0);
  });

  it('keeps at most events_kept_max events and counts the rest', () => {
    const sim = new Simulator({ seed: 1 });
    const p = new Probe(true);
    const h = sim.run(sim.addHost({ name: 'a', ips: ['198.51.100.1'] }), p, { port: 1, events_kept_max: 3 });
    const s = sim.run(sim.addHost({ name: 'b', ips: ['198.51.100.2'] }), new Probe(), { port: 1 });
    for (let i = 0; i < 5; i++) s.command({ type: 'send', to: addr('198.51.100.1', 1), data: bytes(i) });
    sim.runFor(1);
    expect(h.events).toHaveLength(3);
    expect(h.eventsDropped).toBe(2);
    expect(sim.stats.events).toBe(5);
  });

  it('run() without a port binds an ephemeral one', () => {
    const sim = new Simulator({ seed: 1 });
    const host = sim.addHost({ name: 'a' });
    const h1 = sim.run(host, new Probe());
    const h2 = sim.run(host, new Probe());
    expect(h1.addresses[0]!.port).toBe(32768);
    expect(h2.addresses[0]!.port).toBe(32769);
  });

  it('at/after run scripts in virtual time; runUntil leaves the clock at its bound', () => {
    const sim = new Simulator({ seed: 1 });
    const log: Array<[string, number]> = [];
    sim.at(30, () => log.push(['at', sim.now]));
    sim.after(10, () => {
      log.push(['after', sim.now]);
      sim.after(5, () => log.push(['nested', sim.now]));
    });
    sim.runUntil(100);
    expect(log).toEqual([
      ['after', 10],
      ['nested', 15],
      ['at', 30],
    ]);
    expect(sim.now).toBe(100);
    expect(sim.runUntilIdle()).toBe(true);
  });
});
