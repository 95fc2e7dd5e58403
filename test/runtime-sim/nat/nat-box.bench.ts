// NatBox throughput, next to a baseline measured in the same run (two nested Map lookups,
// the floor of any hash-table NAT). Run: npx vitest bench --run test/runtime-sim/nat
import { bench, describe } from 'vitest';
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import { makeBox, tweak } from './helpers.ts';

const HOSTS = 200;
const REMOTES_PER_HOST = 5;
const hosts = Array.from({ length: HOSTS }, (_, i) => addr(`10.0.${i >> 8}.${(i & 255) + 1}`, 5000));
const remotes = Array.from({ length: 50 }, (_, i) => addr(`198.51.100.${i + 1}`, 3478 + i));

function loaded(preset: 'port-restricted-cone' | 'symmetric' | 'linux-masquerade') {
  const box = makeBox(preset);
  const flows: Array<{ internal: Addr; remote: Addr; external: Addr }> = [];
  for (const internal of hosts) {
    for (const remote of remotes.slice(0, REMOTES_PER_HOST)) {
      const out = box.outbound(0, internal, remote);
      if ('drop' in out) throw new Error(out.drop);
      flows.push({ internal, remote, external: out.external });
    }
  }
  return { box, flows };
}

describe('NAT hot path (1000 established flows)', () => {
  const baseline = new Map<string, Map<number, number>>();
  for (const r of remotes) baseline.set(r.ip, new Map([[r.port, 1]]));
  let i = 0;
  bench('baseline: nested Map.get x2', () => {
    for (let n = 0; n < 1000; n++) {
      const r = remotes[(i++ % 50)]!;
      if (baseline.get(r.ip)?.get(r.port) === undefined) throw new Error('miss');
      if (baseline.get(r.ip)?.get(r.port) === undefined) throw new Error('miss');
    }
  });
  for (const preset of ['port-restricted-cone', 'symmetric', 'linux-masquerade'] as const) {
    const { box, flows } = loaded(preset);
    let now = 0;
    let k = 0;
    bench(`${preset}: outbound + inbound`, () => {
      for (let n = 0; n < 500; n++) {
        now += 0.01;
        const f = flows[k++ % flows.length]!;
        if ('drop' in box.outbound(now, f.internal, f.remote)) throw new Error('out drop');
        if ('drop' in box.inbound(now, f.external, f.remote)) throw new Error('in drop');
      }
    });
  }
  // About 20,000 live mappings: a new flow every 0.05 ms, each forgotten after 1 s.
  const churn = makeBox(tweak('symmetric', { binding_timeout_ms: 1000 }));
  const targets = Array.from({ length: 60_000 }, (_, i) => addr('192.0.2.1', 1 + i));
  let t = 0;
  let next = 0;
  bench('symmetric: a new flow per datagram, with expiry', () => {
    for (let n = 0; n < 1000; n++) {
      t += 0.05;
      churn.outbound(t, hosts[n % HOSTS]!, targets[next++ % targets.length]!);
      while (churn.pollNatEvent() !== undefined);
    }
  });
});
