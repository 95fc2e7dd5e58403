// The mDNS machine on its own (no network): it probes three times, announces, answers a PTR
// query with SRV/TXT/A additionals, suppresses an answer the querier already knows (§7.1),
// ignores legacy unicast and garbage (counted), says goodbye with TTL 0, loses the §8.2
// tiebreak to lexicographically later data, and keeps the deadline contract under fuzzed input.
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { utf8 } from '../../../protocol/core/bytes.ts';
import { checked } from '../../../protocol/core/checked-machine.ts';
import { testRng } from '../core/test-rng.ts';
import type { Machine, Transmit } from '../../../protocol/core/machine.ts';
import { decodeDns, encodeDns, TYPE, type DnsMessage, type DnsRecord } from '../../../protocol/discovery/dns-wire.ts';
import { MDNS_GROUP_V4, type MdnsCommand, type MdnsEvent } from '../../../protocol/discovery/mdns-config.ts';
import { compareRecordSets, MdnsNode } from '../../../protocol/discovery/mdns-node.ts';
import { SERVICE_TYPE, serviceRecords } from '../../../protocol/discovery/service.ts';

const KEY = 'ab'.repeat(32);
const SERVICE = { instance: 'peerlab test', host: 'peerlab-abab', port: 7000, ips: ['10.0.0.5'], key_hex: KEY, protocols: ['rudp'] };
const ME = addr('10.0.0.5', 5353);
const OTHER = addr('10.0.0.9', 5353);

function drain<C, E>(m: Machine<C, E>): { tx: Transmit[]; ev: E[] } {
  const tx: Transmit[] = [];
  const ev: E[] = [];
  for (let t = m.pollTransmit(); t; t = m.pollTransmit()) tx.push(t);
  for (let e = m.pollEvent(); e; e = m.pollEvent()) ev.push(e);
  return { tx, ev };
}

/** Runs timers up to `until`, collecting everything sent and emitted. */
function runTo(m: Machine<MdnsCommand, MdnsEvent>, until: number) {
  const tx: Transmit[] = [];
  const ev: MdnsEvent[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const at = m.pollTimeout();
    if (at === undefined || at > until) break;
    m.handleTimeout(at);
    const d = drain(m);
    tx.push(...d.tx);
    ev.push(...d.ev);
  }
  return { tx, ev };
}

function published(): MdnsNode {
  const node = new MdnsNode({ service: SERVICE, browse: false, group: MDNS_GROUP_V4, own_addrs: [ME] }, testRng(1));
  const { tx, ev } = runTo(node, 10_000);
  expect(ev.map((e) => e.type)).toEqual(['probing', 'published']);
  const msgs = tx.map((t) => decodeDns(t.data));
  // Three probes (queries with our records in the authority section), then three announcements.
  expect(msgs.filter((m) => !m.response && m.authorities.length > 0)).toHaveLength(3);
  expect(msgs.filter((m) => m.response)).toHaveLength(3);
  expect(tx.every((t) => t.remote.ip === '224.0.0.251' && t.remote.port === 5353)).toBe(true);
  return node;
}

function query(known: DnsRecord[] = []): Uint8Array {
  return encodeDns({ id: 0, response: false, authoritative: false, truncated: false, questions: [{ name: SERVICE_TYPE, qtype: TYPE.PTR, unicastResponse: false }], answers: known, authorities: [], additionals: [] });
}

function answerAfter(node: MdnsNode, now: number, data: Uint8Array, from = OTHER): DnsMessage[] {
  node.handleDatagram(now, from, data, ME);
  const out = drain(node).tx.map((t) => decodeDns(t.data));
  return [...out, ...runTo(node, now + 200).tx.map((t) => decodeDns(t.data))];
}

describe('mDNS node', () => {
  it('answers a PTR query with the PTR and SRV, TXT and A as additionals, after 20-120 ms', () => {
    const node = published();
    const replies = answerAfter(node, 20_000, query());
    expect(replies).toHaveLength(1);
    const r = replies[0]!;
    expect(r.answers.map((a) => a.data.type)).toEqual(['PTR']);
    expect(r.additionals.map((a) => a.data.type).sort()).toEqual(['A', 'SRV', 'TXT']);
  });

  it('suppresses the answer the querier already knows with at least half the TTL (§7.1), answers when the TTL is below half', () => {
    const node = published();
    const { ptr } = serviceRecords(SERVICE);
    expect(answerAfter(node, 20_000, query([{ ...ptr, ttl_s: 4_000 }]))).toHaveLength(0);
    expect(node.counters.known_answer_suppressed).toBe(1);
    expect(answerAfter(node, 30_000, query([{ ...ptr, ttl_s: 1_000 }]))).toHaveLength(1);
  });

  it('multicasts a record at most once a second (§6)', () => {
    const node = published();
    expect(answerAfter(node, 20_000, query())).toHaveLength(1);
    expect(answerAfter(node, 20_500, query())).toHaveLength(0);
    expect(node.counters.rate_limited).toBe(1);
    expect(answerAfter(node, 21_500, query())).toHaveLength(1);
  });

  it('ignores legacy unicast queries and garbage, counting both', () => {
    const node = published();
    expect(answerAfter(node, 20_000, query(), addr('10.0.0.9', 40000))).toHaveLength(0);
    expect(answerAfter(node, 20_000, new Uint8Array([1, 2, 3]))).toHaveLength(0);
    expect(node.counters['legacy-unicast']).toBe(1);
    expect(node.counters.decode).toBe(1);
  });

  it('says goodbye with TTL 0 for every record on stop, then is closed', () => {
    const node = published();
    node.handleCommand(30_000, { type: 'stop' });
    const { tx, ev } = drain(node);
    expect(ev).toEqual([{ type: 'stopped', goodbyes: 4 }]);
    const bye = decodeDns(tx[0]!.data);
    expect(bye.answers.map((a) => a.ttl_s)).toEqual([0, 0, 0, 0]);
    expect(node.isClosed()).toBe(true);
    expect(node.pollTimeout()).toBeUndefined();
  });

  it('renames on an answer that claims our instance with other data (§9)', () => {
    const node = published();
    const theirs = serviceRecords({ ...SERVICE, host: 'someone-else', port: 9000 });
    const response = encodeDns({ id: 0, response: true, authoritative: true, truncated: false, questions: [], answers: [theirs.srv], authorities: [], additionals: [] });
    node.handleDatagram(40_000, OTHER, response, ME);
    const { ev } = drain(node);
    expect(ev[0]).toEqual({ type: 'name-conflict', instance: 'peerlab test', renamed_to: 'peerlab test (2)', cause: 'answer-differs' });
    expect(node.phase).toBe('probing');
  });

  it('§8.2 tiebreak: the set with the lexicographically later rdata wins; identical sets tie', () => {
    const a = serviceRecords({ ...SERVICE, port: 7000 });
    const b = serviceRecords({ ...SERVICE, port: 7001 });
    expect(compareRecordSets([a.srv, a.txt], [b.srv, b.txt])).toBeLessThan(0);
    expect(compareRecordSets([b.srv, b.txt], [a.srv, a.txt])).toBeGreaterThan(0);
    expect(compareRecordSets([a.srv, a.txt], [a.txt, a.srv])).toBe(0);
  });

  // Well-formed but hostile messages: our own names, other instances, goodbyes, conflicts,
  // probes, known answers, in any order. The machine never throws, keeps its bounds and deadlines.
  const pool = [SERVICE_TYPE, ['peerlab test', ...SERVICE_TYPE], ['other', ...SERVICE_TYPE], ['peerlab-abab', 'local'], ['h2', 'local']];
  const arbName = fc.constantFrom(...pool);
  const arbRecord = fc.record({
    name: arbName,
    cacheFlush: fc.boolean(),
    ttl_s: fc.constantFrom(0, 1, 120, 4500),
    data: fc.oneof(
      arbName.map((name) => ({ type: 'PTR' as const, name })),
      fc.record({ priority: fc.constant(0), weight: fc.constant(0), port: fc.constantFrom(7000, 7001), target: arbName }).map((x) => ({ type: 'SRV' as const, ...x })),
      fc.constantFrom(['pk=' + 'ef'.repeat(32)], ['pk=bad'], []).map((t) => ({ type: 'TXT' as const, strings: t.map((x) => utf8(x)) })),
      fc.constantFrom('10.0.0.5', '10.0.0.9').map((ip) => ({ type: 'A' as const, ip })),
    ),
  });
  const arbMessage = fc.record({
    id: fc.constant(0),
    response: fc.boolean(),
    authoritative: fc.boolean(),
    truncated: fc.constant(false),
    questions: fc.array(fc.record({ name: arbName, qtype: fc.constantFrom(TYPE.PTR, TYPE.SRV, TYPE.ANY, TYPE.A), unicastResponse: fc.boolean() }), { maxLength: 2 }),
    answers: fc.array(arbRecord, { maxLength: 4 }),
    authorities: fc.array(arbRecord, { maxLength: 2 }),
    additionals: fc.array(arbRecord, { maxLength: 3 }),
  });
  fcTest.prop([fc.array(fc.tuple(fc.nat(3_000), arbMessage), { maxLength: 40 })])('fuzzed well-formed messages keep bounds and the contract', (inputs) => {
    const inner = new MdnsNode({ service: SERVICE, browse: true, group: MDNS_GROUP_V4, own_addrs: [ME], cache_records_max: 16, peers_max: 4 }, testRng(9));
    const node = checked(inner, 'mdns');
    let now = 0;
    for (const [dt, m] of inputs) {
      now += dt;
      for (let at = node.pollTimeout(); at !== undefined && at <= now; at = node.pollTimeout()) {
        node.handleTimeout(at);
        drain(node);
      }
      node.handleDatagram(now, OTHER, encodeDns(m), ME);
      drain(node);
      expect(inner.cache.size).toBeLessThanOrEqual(16);
      expect(inner.peers().length).toBeLessThanOrEqual(4);
    }
  });

  fcTest.prop([fc.array(fc.tuple(fc.nat(5_000), fc.uint8Array({ maxLength: 300 })), { maxLength: 40 })])(
    'fuzzed datagrams never throw and leave no deadline due (contract checker)',
    (inputs) => {
      const node = checked(new MdnsNode({ service: SERVICE, browse: true, group: MDNS_GROUP_V4, own_addrs: [ME] }, testRng(7)), 'mdns');
      let now = 0;
      for (const [dt, bytes] of inputs) {
        now += dt;
        for (let at = node.pollTimeout(); at !== undefined && at <= now; at = node.pollTimeout()) {
          node.handleTimeout(at);
          drain(node);
        }
        node.handleDatagram(now, OTHER, bytes, ME);
        drain(node);
      }
      expect(node.pollTimeout() === undefined || node.pollTimeout()! > 0).toBe(true);
    },
  );
});
