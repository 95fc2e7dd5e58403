// fc.commands model test of py2p's dict API: get/set/delete against a Map while nodes join,
// leave gracefully and crash (one at a time, with stabilization between, r = 3), on a
// simulated ring (m = 12). Every get must return exactly what the Map holds (or not-found).
import { describe, expect } from 'vitest';
import { fc, it } from '@fast-check/vitest';
import type { ChordEvent } from '../../../protocol/chord/events.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { ChordWorld } from '../../../scenarios/chord/world.ts';

const dec = new TextDecoder();

interface Real {
  sim: Simulator;
  world: ChordWorld;
  results: Map<number, ChordEvent>;
  op: number;
}

type Model = Map<string, string>;

function run(real: Real, command: Parameters<ChordWorld['peers'][number]['handle']['command']>[0] extends infer C ? (op: number) => C : never, settle_ms: number): ChordEvent | undefined {
  const op = ++real.op;
  real.world.randomLive().handle.command(command(op));
  real.sim.runFor(settle_ms);
  return real.results.get(op);
}

class SetCmd implements fc.Command<Model, Real> {
  constructor(readonly key: string, readonly value: string) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const r = run(real, (op) => ({ type: 'set', op, key: this.key, value: this.value }), 3_000);
    expect(r?.type).toBe('set-result');
    model.set(this.key, this.value);
  }
  toString(): string {
    return `set(${this.key}, ${this.value})`;
  }
}

class GetCmd implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const r = run(real, (op) => ({ type: 'get', op, key: this.key }), 3_000);
    const want = model.get(this.key);
    if (want === undefined) expect(r?.type === 'error' ? r.code : r?.type).toBe('not-found');
    else expect(r?.type === 'get-result' ? dec.decode(r.value) : r?.type === 'error' ? r.code : 'none').toBe(want);
  }
  toString(): string {
    return `get(${this.key})`;
  }
}

class DeleteCmd implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const r = run(real, (op) => ({ type: 'delete', op, key: this.key }), 3_000);
    expect(r?.type).toBe('delete-result');
    model.delete(this.key);
  }
  toString(): string {
    return `delete(${this.key})`;
  }
}

class MemberCmd implements fc.Command<Model, Real> {
  constructor(readonly kind: 'join' | 'leave' | 'crash') {}
  check(): boolean {
    return true;
  }
  run(_model: Model, real: Real): void {
    const live = real.world.live().filter((p) => p.node.joined && p.index !== 0);
    if (this.kind === 'join') real.world.addPeer(real.sim.now);
    else if (live.length >= 4) {
      const victim = live[real.world.rng.nextInt(0, live.length - 1)]!;
      if (this.kind === 'leave') real.world.leave(victim);
      else real.world.crash(victim);
    }
    // Stabilization and one re-replication period before the next operation.
    real.sim.runFor(12_000);
  }
  toString(): string {
    return this.kind;
  }
}

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const commands = fc.commands(
  [
    fc.tuple(key, fc.string({ minLength: 1, maxLength: 20 })).map(([k, v]) => new SetCmd(k, v)),
    key.map((k) => new GetCmd(k)),
    key.map((k) => new DeleteCmd(k)),
    fc.constantFrom<'join' | 'leave' | 'crash'>('join', 'leave', 'crash').map((k) => new MemberCmd(k)),
  ],
  { maxCommands: 20 },
);

describe('chord dict model', () => {
  it.prop([commands, fc.nat(1_000_000)], { numRuns: 10 })('get/set/delete agree with a Map while nodes join, leave and crash', (cmds, seed) => {
    const sim = new Simulator({ seed });
    const world = new ChordWorld(sim, { m_bits: 12, link: { latency: { kind: 'uniform', min_ms: 5, max_ms: 30 } }, limits: { successors: 3, replicate_ms: 2_000 } });
    for (let i = 0; i < 6; i++) world.addPeer(i * 50);
    const results = new Map<number, ChordEvent>();
    world.onEvent((_p, e) => {
      if ('op' in e) results.set(e.op, e);
    });
    sim.runUntil(20_000);
    fc.modelRun(() => ({ model: new Map<string, string>(), real: { sim, world, results, op: 0 } }), cmds);
  });
});
