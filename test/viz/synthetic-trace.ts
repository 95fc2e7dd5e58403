// A synthetic trace generator that follows docs/trace-format.md exactly, for the viewer's
// tests and bench before (and besides) real scenario traces: a NAT-traversal shaped run
// with STUN, punch probes (first ones filtered), echo traffic, link loss, a partition,
// NAT mappings, app events and stats samples. Deterministic for a given seed.

export interface SyntheticTrace {
  readonly text: string;
  readonly counts: {
    readonly lines: number;
    readonly events: number;
    readonly sends: number;
    readonly delivers: number;
    readonly drops: number;
    readonly nats: number;
    readonly lanes: number;
  };
}

export interface SyntheticOptions {
  /** approximate number of event lines to produce */
  readonly events: number;
  readonly seed?: number;
}

const HEADER = {
  v: 1,
  kind: 'run',
  peerlab: '0.1.0',
  world: 'sim',
  scenario: 'synthetic-punch',
  seed: 7,
  started: 'sim',
  topology: {
    nodes: [
      { name: 'a', type: 'host', ips: ['10.0.1.2'], realm: 'lan-a' },
      { name: 'nat-a', type: 'nat', preset: 'port-restricted-cone', outside: ['203.0.113.10'], inside: 'lan-a', realm: 'internet' },
      { name: 'rendezvous', type: 'server', ips: ['198.51.100.1'], realm: 'internet' },
      { name: 'nat-b', type: 'nat', preset: 'symmetric', outside: ['203.0.113.20'], inside: 'lan-b', realm: 'internet' },
      { name: 'b', type: 'host', ips: ['10.0.2.2'], realm: 'lan-b' },
    ],
    realms: [
      { name: 'internet' },
      { name: 'lan-a', subnet: '10.0.1.0/24', gateway: 'nat-a' },
      { name: 'lan-b', subnet: '10.0.2.0/24', gateway: 'nat-b' },
    ],
  },
};

export function syntheticTrace(options: SyntheticOptions): SyntheticTrace {
  let state = (options.seed ?? 1) >>> 0 || 1;
  const rand = (): number => {
    // xorshift32: deterministic, good enough for shaping test data
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
  const lines: string[] = [JSON.stringify({ ...HEADER, seed: options.seed ?? 7 })];
  const counts = { lines: 1, events: 0, sends: 0, delivers: 0, drops: 0, nats: 0, lanes: HEADER.topology.nodes.length };
  const emit = (record: Record<string, unknown>): void => {
    lines.push(JSON.stringify(record));
    counts.events++;
    if (record.kind === 'send') counts.sends++;
    else if (record.kind === 'deliver') counts.delivers++;
    else if (record.kind === 'drop') counts.drops++;
    else if (record.kind === 'nat') counts.nats++;
  };
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  let id = 0;
  let t = 0;
  const A = '10.0.1.2:5000';
  const A_EXT = '203.0.113.10:40000';
  const B = '10.0.2.2:6000';
  const B_EXT = '203.0.113.20:41000';
  const S = '198.51.100.1:3478';
  emit({ t: 0, kind: 'log', node: 'a', level: 'info', message: 'start' });
  emit({ t: 0.5, kind: 'nat-map', node: 'nat-a', internal: A, external: A_EXT });
  emit({ t: 0.5, kind: 'nat-map', node: 'nat-b', internal: B, external: B_EXT, remote: A_EXT });
  let partitioned = false;
  let step = 0;
  while (counts.events < options.events) {
    step++;
    t = round(t + 1 + rand() * 20);
    // a partition between the NATs for a while, then healed (Jepsen-style shaded period)
    if (step === 40) {
      partitioned = true;
      emit({ t, kind: 'fault', node: 'nat-b', name: 'partition', state: 'start', detail: { a: ['a'], b: ['b'] } });
    }
    if (step === 55) {
      partitioned = false;
      emit({ t, kind: 'fault', node: 'nat-b', name: 'partition', state: 'end', detail: { a: ['a'], b: ['b'] } });
    }
    const which = step < 4 ? 'stun' : step < 12 ? 'punch' : 'echo';
    const fromA = step % 2 === 0;
    const proto = which === 'stun' ? 'stun' : which === 'punch' ? 'punch' : 'echo';
    const bytes = which === 'stun' ? 20 : which === 'punch' ? 36 : 64 + Math.floor(rand() * 1000);
    const pid = ++id;
    const latency = 5 + rand() * 10;
    if (which === 'stun') {
      emit({ t, kind: 'send', node: 'a', id: pid, src: A, dst: S, bytes, proto });
      emit({ t: round(t + 1), kind: 'nat', node: 'nat-a', id: pid, src: A, dst: S, to_src: A_EXT, to_dst: S, dir: 'out' });
      emit({ t: round(t + latency), kind: 'deliver', node: 'rendezvous', id: pid, src: A_EXT, dst: S, bytes });
      continue;
    }
    const [src, srcExt, dst, dstExt, from, fromNat, toNat, to] = fromA
      ? [A, A_EXT, B, B_EXT, 'a', 'nat-a', 'nat-b', 'b']
      : [B, B_EXT, A, A_EXT, 'b', 'nat-b', 'nat-a', 'a'];
    emit({ t, kind: 'send', node: from, id: pid, src, dst: dstExt, bytes, proto });
    if (rand() < 0.08) {
      emit({ t: round(t + 0.5), kind: 'drop', node: from, id: pid, src, dst: dstExt, bytes, reason: 'loss', where: `up:${from}` });
      continue;
    }
    const t1 = round(t + 1);
    emit({ t: t1, kind: 'nat', node: fromNat, id: pid, src, dst: dstExt, to_src: srcExt, to_dst: dstExt, dir: 'out' });
    const t2 = round(t1 + latency);
    if (partitioned) {
      emit({ t: t2, kind: 'drop', node: toNat, id: pid, src: srcExt, dst: dstExt, bytes, reason: 'partition' });
      continue;
    }
    if (which === 'punch' && step < 8) {
      emit({ t: t2, kind: 'drop', node: toNat, id: pid, src: srcExt, dst: dstExt, bytes, reason: 'nat-filtered' });
      continue;
    }
    emit({ t: t2, kind: 'nat', node: toNat, id: pid, src: srcExt, dst: dstExt, to_src: srcExt, to_dst: dst, dir: 'in' });
    emit({ t: round(t2 + 1), kind: 'deliver', node: to, id: pid, src: srcExt, dst, bytes });
    if (step % 10 === 0) emit({ t: round(t2 + 1), kind: 'event', node: to, name: 'echo-reply', data: { seq: step } });
    if (step % 7 === 0) emit({ t: round(t2 + 1.5), kind: 'timer', node: to, at: round(t2 + 1.5) });
    if (step % 5 === 0) {
      emit({
        t: round(t2 + 2),
        kind: 'stats',
        node: from,
        data: { rtt_ms: round(2 * latency + 2), cwnd_bytes: 1200 * (1 + (step % 20)), goodput_bps: Math.round(8000 * bytes / latency) },
      });
    }
    // an idle gap now and then, for idle-time compression
    if (step % 500 === 0) t = round(t + 5000);
  }
  counts.lines = lines.length;
  return { text: lines.join('\n') + '\n', counts };
}
