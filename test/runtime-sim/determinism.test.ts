// Same seed, same trace bytes: a busy scenario (NATs, lossy jittery links, duplication,
// reordering, corruption, bandwidth, a partition, broadcast, timers) runs twice and the
// traces match byte for byte; another seed differs; the fast line path writes exactly what
// JSON.stringify of the record objects writes; tracing on or off changes no counter.
import { describe, expect, it } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { addr } from '../../protocol/core/addr.ts';
import { ChunkSink, LineSink, MemorySink, Simulator, Tracer } from '../../runtime-sim/index.ts';
import type { TraceSink } from '../../runtime-sim/index.ts';
import { Echo, Probe, bytes } from './fixtures.ts';

function scenario(seed: number, trace: TraceSink | undefined): Simulator {
  const sim = new Simulator({ seed, trace, scenario: 'determinism' });
  const lossy = {
    latency: { kind: 'normal' as const, mean_ms: 20, stddev_ms: 5 },
    jitter_ms: 3,
    loss: { kind: 'gilbert-elliott' as const, p_good_to_bad: 0.05, p_bad_to_good: 0.3, loss_good: 0.01, loss_bad: 0.5 },
    duplicate_p: 0.05,
    reorder_p: 0.1,
    corrupt_p: 0.02,
  };
  const n1 = sim.addNat({ name: 'n1', preset: 'symmetric', insideSubnet: '10.0.1.0/24', link: lossy });
  const n2 = sim.addNat({ name: 'n2', preset: 'linux-masquerade', insideSubnet: '10.0.2.0/24', link: { latency: { kind: 'uniform', min_ms: 5, max_ms: 15 } } });
  const server = sim.addHost({ name: 'srv', ips: ['198.51.100.1'], role: 'server', link: { bandwidth_bps: 200_000, queue_bytes: 2_000 } });
  sim.run(server, new Echo(), { port: 7 });
  const clients = [
    sim.addHost({ name: 'a', realm: n1.inside }),
    sim.addHost({ name: 'b', realm: n1.inside }),
    sim.addHost({ name: 'c', realm: n2.inside, link: { latency: { kind: 'function', sample: (r) => 1 + r.nextFloat() } } }),
  ];
  const handles = clients.map((h) => sim.run(h, new Probe(true), { port: 4000 }));
  const rng = sim.rng.fork('script');
  for (let t = 0; t < 2000; t += 7) {
    sim.at(t, () => {
      const i = rng.nextInt(0, handles.length - 1);
      const size = rng.nextInt(1, 300);
      handles[i]!.command({ type: 'send', to: addr('198.51.100.1', 7), data: new Uint8Array(size).fill(0xe0) });
      if (t % 70 === 0) handles[0]!.command({ type: 'send', to: addr('255.255.255.255', 4000), data: bytes(0xb0, t & 255) });
      if (t % 140 === 0) handles[1]!.command({ type: 'wake-at', at: t + 33 });
    });
  }
  sim.partition({ a: ['c'], b: ['srv'], from: 500, until: 800 });
  sim.runFor(3000);
  return sim;
}

function traceText(seed: number): string {
  const sink = new MemorySink();
  scenario(seed, sink);
  return sink.text();
}

function lineText(seed: number): string {
  let out = '';
  scenario(seed, new LineSink((line) => (out += line + '\n')));
  return out;
}

describe('determinism', () => {
  it('the same seed gives identical trace bytes; another seed does not', () => {
    const first = traceText(42);
    expect(first.split('\n').length).toBeGreaterThan(1000);
    for (const kind of ['send', 'deliver', 'drop', 'nat', 'nat-map', 'timer', 'event', 'fault']) {
      expect(first.includes(`"kind":"${kind}"`), kind).toBe(true);
    }
    expect(traceText(42)).toBe(first);
    expect(traceText(43)).not.toBe(first);
  });

  it('the line fast path writes exactly the bytes JSON.stringify writes', () => {
    expect(lineText(7)).toBe(traceText(7));
  });

  it('the ChunkSink byte path writes exactly the bytes JSON.stringify writes', () => {
    const chunks: Uint8Array[] = [];
    const sink = new ChunkSink((chunk) => chunks.push(chunk.slice()), 4096);
    scenario(7, sink);
    sink.flush();
    expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe(traceText(7));
  });

  it('tracing on or off changes no counter', () => {
    const off = scenario(5, undefined).stats.toJSON();
    const on = scenario(5, new MemorySink()).stats.toJSON();
    expect(off).toEqual(on);
  });

  test.prop([fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.nat()], { numRuns: 200 })(
    'lines match JSON.stringify for any node name, time and id',
    (name, t, id) => {
      let line = '';
      const lines = new LineSink((l) => (line = l));
      const records = new MemorySink();
      let bytesOut = '';
      const chunk = new ChunkSink((c) => (bytesOut += new TextDecoder().decode(c)), 4096);
      const a = addr('10.0.0.1', 1);
      const b = addr('2001:db8::1', 65535);
      const tl = new Tracer(lines);
      const tr = new Tracer(records);
      const tc = new Tracer(chunk);
      for (const tracer of [tl, tr, tc]) tracer.start('s', 1, { nodes: [], realms: [] });
      records.records.length = 0;
      chunk.flush();
      bytesOut = '';
      const calls: Array<(x: InstanceType<typeof Tracer>) => void> = [
        (x) => x.send(Math.abs(t), name, id, a, b, 12, 'echo'),
        (x) => x.duplicate(Math.abs(t), name, id, id + 1, a, b, 12, 'rudp'),
        (x) => x.nat(Math.abs(t), name, id, a, b, b, a, 'in'),
        (x) => x.deliver(Math.abs(t), name, id, a, b, 0, id % 2 === 0),
        (x) => x.drop(Math.abs(t), name, id, a, b, 3, 'loss', id % 2 === 0 ? undefined : `up:${name}`),
        (x) => x.natMap(Math.abs(t), name, a, b, id % 2 === 0 ? undefined : a),
        (x) => x.natExpire(Math.abs(t), name, a, b),
        (x) => x.timer(Math.abs(t), name, t),
      ];
      for (const call of calls) {
        call(tl);
        call(tr);
        call(tc);
        chunk.flush();
        expect(line).toBe(JSON.stringify(records.records.at(-1)));
        expect(bytesOut).toBe(`${line}\n`);
        bytesOut = '';
      }
    },
  );
});
