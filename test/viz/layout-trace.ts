// A hand-built trace for the viewer's layout defects of issue 14 (4 and 5): two homes behind
// one carrier NAT (CGNAT) and a symmetric NAT, eight lanes; a handshake whose datagrams are
// 3-20 ms apart with equal 10 ms latencies; a dense bulk phase (a datagram every 0.2 ms); a
// 5 s partition with a send into it every second; a 33 s idle pause; a last exchange.
// Neighbouring lanes get labels at the same instant (a home NAT's rewrite beside an event on
// its host), so labels of neighbouring lanes would overprint without collision avoidance.
// Lanes: a │ home-a │ cgn │ home-c │ c │ s1 │ b-nat │ b.

export const HANDSHAKE_GAPS_MS = [3, 20, 7, 12, 3, 20, 9, 15];
export const HANDSHAKE_LATENCY_MS = 10;
export const BULK = { from_ms: 300, count: 3000, every_ms: 0.2, latency_ms: 5 };
export const PARTITION = { from_ms: 2000, to_ms: 7000 };
export const LAST_MS = 40_000;
export const HOME_A = { src: '10.0.1.2:5000', to_src: '100.64.0.10:49152' };

const HEADER = {
  v: 1,
  kind: 'run',
  peerlab: '0.1.0',
  world: 'sim',
  scenario: 'layout',
  seed: 1,
  started: 'sim',
  topology: {
    nodes: [
      { name: 'cgn', type: 'nat', preset: 'cgnat', outside: ['203.0.113.100'], inside: 'cgn-lan', realm: 'internet' },
      { name: 'home-a', type: 'nat', preset: 'port-restricted-cone', outside: ['100.64.0.10'], inside: 'home-a-lan', realm: 'cgn-lan' },
      { name: 'home-c', type: 'nat', preset: 'port-restricted-cone', outside: ['100.64.0.11'], inside: 'home-c-lan', realm: 'cgn-lan' },
      { name: 's1', type: 'server', ips: ['198.51.100.7'], realm: 'internet' },
      { name: 'b-nat', type: 'nat', preset: 'symmetric', outside: ['203.0.113.12'], inside: 'lan-b', realm: 'internet' },
      { name: 'a', type: 'host', ips: ['10.0.1.2'], realm: 'home-a-lan' },
      { name: 'c', type: 'host', ips: ['10.0.3.2'], realm: 'home-c-lan' },
      { name: 'b', type: 'host', ips: ['10.0.2.2'], realm: 'lan-b' },
    ],
    realms: [
      { name: 'internet' },
      { name: 'cgn-lan', subnet: '100.64.0.0/10', gateway: 'cgn' },
      { name: 'home-a-lan', subnet: '10.0.1.0/24', gateway: 'home-a' },
      { name: 'home-c-lan', subnet: '10.0.3.0/24', gateway: 'home-c' },
      { name: 'lan-b', subnet: '10.0.2.0/24', gateway: 'b-nat' },
    ],
  },
};

const S1 = '198.51.100.7:3478';

export function layoutTrace(): { text: string; handshakeSends_ms: number[] } {
  const lines: Record<string, unknown>[] = [];
  let id = 0;
  /** a (or c) to s1 through its home NAT and the carrier NAT, `latency_ms` end to end */
  const viaCgn = (t: number, host: 'a' | 'c', latency_ms: number): void => {
    const i = ++id;
    const [src, home, mid] = host === 'a' ? [HOME_A.src, 'home-a', HOME_A.to_src] : ['10.0.3.2:5000', 'home-c', '100.64.0.11:49152'];
    const out = host === 'a' ? '203.0.113.100:40001' : '203.0.113.100:40002';
    lines.push({ t, kind: 'send', node: host, id: i, src, dst: S1, bytes: 48, proto: 'punch' });
    lines.push({ t: t + latency_ms * 0.1, kind: 'nat', node: home, id: i, src, dst: S1, to_src: mid, to_dst: S1, dir: 'out' });
    lines.push({ t: t + latency_ms * 0.2, kind: 'nat', node: 'cgn', id: i, src: mid, dst: S1, to_src: out, to_dst: S1, dir: 'out' });
    lines.push({ t: t + latency_ms, kind: 'deliver', node: 's1', id: i, src: out, dst: S1, bytes: 48 });
  };
  const handshakeSends_ms: number[] = [];
  let t = 0;
  for (const gap of HANDSHAKE_GAPS_MS) {
    handshakeSends_ms.push(t);
    viaCgn(t, 'a', HANDSHAKE_LATENCY_MS);
    viaCgn(t, 'c', HANDSHAKE_LATENCY_MS);
    // labels at the same instant on neighbouring lanes: home-a's mapping beside an event on
    // cgn, home-c's rewrite beside an event on c
    lines.push({ t: t + 1, kind: 'nat-map', node: 'home-a', internal: HOME_A.src, external: HOME_A.to_src });
    lines.push({ t: t + 1, kind: 'event', node: 'cgn', name: 'binding', data: { type: 'binding', external: '203.0.113.100:40001' } });
    lines.push({ t: t + 1, kind: 'event', node: 'c', name: 'connected', data: { type: 'connected', peer: 'a', remote: '203.0.113.100:40001' } });
    // and a long label left of the first lane, beside the time axis
    lines.push({ t: t + 1, kind: 'event', node: 'a', name: 'registered', data: { type: 'registered', id: 'a', observed: '203.0.113.100:40001' } });
    t += HANDSHAKE_LATENCY_MS + gap;
  }
  for (let i = 0; i < BULK.count; i++) viaCgn(BULK.from_ms + i * BULK.every_ms, 'a', BULK.latency_ms);
  lines.push({ t: PARTITION.from_ms, kind: 'fault', node: 'sim', name: 'partition', state: 'start', detail: { between: ['cgn', 's1'] } });
  for (let s = PARTITION.from_ms + 500; s < PARTITION.to_ms; s += 1000) {
    const i = ++id;
    lines.push({ t: s, kind: 'send', node: 'a', id: i, src: HOME_A.src, dst: S1, bytes: 48, proto: 'punch' });
    lines.push({ t: s, kind: 'drop', node: 'a', id: i, src: HOME_A.src, dst: S1, bytes: 48, reason: 'partition', where: 'up:a' });
  }
  lines.push({ t: PARTITION.to_ms, kind: 'fault', node: 'sim', name: 'partition', state: 'end', detail: {} });
  viaCgn(PARTITION.to_ms + 5, 'a', HANDSHAKE_LATENCY_MS);
  viaCgn(LAST_MS, 'a', HANDSHAKE_LATENCY_MS);
  viaCgn(LAST_MS + 30, 'c', HANDSHAKE_LATENCY_MS);
  lines.sort((x, y) => (x.t as number) - (y.t as number));
  return { text: [JSON.stringify(HEADER), ...lines.map((l) => JSON.stringify(l))].join('\n') + '\n', handshakeSends_ms };
}
