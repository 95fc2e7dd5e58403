// A small hand-built trace holding one of each thing issue 14 found the viewer getting wrong:
// rudp-style stats as `event` lines named `stats`, a birthday spray of 1,024 datagrams
// through one NAT dropped at the other (nat-no-mapping), a `path` and a NAT-classification
// event, a loss on a host's uplink and one on a host's downlink, a lone NAT rewrite, and a
// few echo datagrams to filter by protocol. Lanes: a │ a-nat │ rendezvous │ b-nat │ b.

export const SPRAY = 1024;
export const ECHOES = 10;
export const STATS_SAMPLES = 50;
export const UPLINK_LOSS_ID = 2;
export const DOWNLINK_LOSS_ID = 3;
export const SPRAY_FIRST_ID = 100;
export const PATH_EVENT = { type: 'path', path: 'relay', peer: 'b', remote: '198.51.100.7:3478', technique: 'relay', elapsed_ms: 88 };
export const LONE_REWRITE = { src: '10.0.1.2:5000', to_src: '203.0.113.11:49152' };

const HEADER = {
  v: 1,
  kind: 'run',
  peerlab: '0.1.0',
  world: 'sim',
  scenario: 'newcomer',
  seed: 1,
  started: 'sim',
  topology: {
    nodes: [
      { name: 'a', type: 'host', ips: ['10.0.1.2'], realm: 'lan-a' },
      { name: 'a-nat', type: 'nat', preset: 'port-restricted-cone', outside: ['203.0.113.11'], inside: 'lan-a', realm: 'internet' },
      { name: 'rendezvous', type: 'server', ips: ['198.51.100.7'], realm: 'internet' },
      { name: 'b-nat', type: 'nat', preset: 'symmetric', outside: ['203.0.113.12'], inside: 'lan-b', realm: 'internet' },
      { name: 'b', type: 'host', ips: ['10.0.2.2'], realm: 'lan-b' },
    ],
    realms: [
      { name: 'internet' },
      { name: 'lan-a', subnet: '10.0.1.0/24', gateway: 'a-nat' },
      { name: 'lan-b', subnet: '10.0.2.0/24', gateway: 'b-nat' },
    ],
  },
};

export function newcomerTrace(): { text: string; sends: number; echoSends: number } {
  const lines: Record<string, unknown>[] = [];
  const add = (r: Record<string, unknown>): void => void lines.push(r);
  const A = '10.0.1.2:5000';
  const AX = '203.0.113.11:49152';
  const R = '198.51.100.7:3478';
  let sends = 0;
  const send = (t: number, node: string, id: number, src: string, dst: string, proto: string): void => {
    sends++;
    add({ t, kind: 'send', node, id, src, dst, bytes: 36, proto });
  };
  // STUN through a-nat
  send(0, 'a', 1, A, R, 'stun');
  add({ t: 1, kind: 'nat-map', node: 'a-nat', internal: A, external: AX });
  add({ t: 1, kind: 'nat', node: 'a-nat', id: 1, src: A, dst: R, to_src: AX, to_dst: R, dir: 'out' });
  add({ t: 6, kind: 'deliver', node: 'rendezvous', id: 1, src: AX, dst: R, bytes: 36 });
  add({ t: 10, kind: 'event', node: 'a', name: 'nat', data: { type: 'nat', summary: 'APDM/APDF/random', mapped: AX } });
  add({ t: 50, kind: 'nat-map', node: 'b-nat', internal: '10.0.2.2:5000', external: '203.0.113.12:40000', remote: R });
  add({ t: 600, kind: 'event', node: 'a', name: 'path', data: PATH_EVENT });
  // a loss on a's uplink, and one on b's downlink
  send(200, 'a', UPLINK_LOSS_ID, A, R, 'punch');
  add({ t: 200, kind: 'drop', node: 'a', id: UPLINK_LOSS_ID, src: A, dst: R, bytes: 36, reason: 'loss', where: 'up:a' });
  send(300, 'rendezvous', DOWNLINK_LOSS_ID, R, '203.0.113.12:40000', 'punch');
  add({ t: 305, kind: 'nat', node: 'b-nat', id: DOWNLINK_LOSS_ID, src: R, dst: '203.0.113.12:40000', to_src: R, to_dst: '10.0.2.2:5000', dir: 'in' });
  add({ t: 306, kind: 'drop', node: 'b', id: DOWNLINK_LOSS_ID, src: R, dst: '10.0.2.2:5000', bytes: 36, reason: 'loss', where: 'down:b' });
  // the birthday spray: 1,024 probes out of a-nat, every one dropped at b-nat
  for (let i = 0; i < SPRAY; i++) {
    const t = 1000 + i * 0.04;
    const id = SPRAY_FIRST_ID + i;
    const dst = `203.0.113.12:${1024 + i * 7}`;
    send(t, 'a', id, A, dst, 'punch');
    add({ t: t + 1, kind: 'nat', node: 'a-nat', id, src: A, dst, to_src: AX, to_dst: dst, dir: 'out' });
    add({ t: t + 11, kind: 'drop', node: 'b-nat', id, src: AX, dst, bytes: 36, reason: 'nat-no-mapping' });
  }
  // rudp samples, written as rudp writes them: `event` lines named `stats`
  for (let i = 0; i < STATS_SAMPLES; i++) {
    const t = 2000 + i * 40;
    add({ t, kind: 'event', node: 'a', name: 'stats', data: { type: 'stats', conn: 7, srtt_ms: 60 + (i % 7), min_rtt_ms: 60, cwnd_bytes: 12_000 + i * 900, bytes_in_flight: 8000 + i * 500, lost: i >> 3 } });
  }
  // echoes b -> rendezvous
  for (let i = 0; i < ECHOES; i++) {
    const t = 4000 + i * 50;
    const id = 10_000 + i;
    send(t, 'b', id, '10.0.2.2:5000', R, 'echo');
    add({ t: t + 1, kind: 'nat', node: 'b-nat', id, src: '10.0.2.2:5000', dst: R, to_src: '203.0.113.12:40000', to_dst: R, dir: 'out' });
    add({ t: t + 6, kind: 'deliver', node: 'rendezvous', id, src: '203.0.113.12:40000', dst: R, bytes: 36 });
  }
  // one lone rewrite, far from everything else
  send(5000, 'a', 20_000, A, R, 'stun');
  add({ t: 5001, kind: 'nat', node: 'a-nat', id: 20_000, src: LONE_REWRITE.src, dst: R, to_src: LONE_REWRITE.to_src, to_dst: R, dir: 'out' });
  add({ t: 5006, kind: 'deliver', node: 'rendezvous', id: 20_000, src: LONE_REWRITE.to_src, dst: R, bytes: 36 });
  lines.sort((x, y) => (x.t as number) - (y.t as number));
  return { text: [HEADER, ...lines].map((r) => JSON.stringify(r)).join('\n') + '\n', sends, echoSends: ECHOES };
}
