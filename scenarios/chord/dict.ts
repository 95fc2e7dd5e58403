// py2p parity on a small traced ring (m = 16): the dict API (set, get, get with a default,
// update, delete) with its typed errors; protocol identity (another ring name, another m)
// refused with a typed `mismatch` on both sides where py2p stays silent; and a graceful
// leave that hands data over (r = 1, so the keys survive only through the hand-over).
import { equal } from '../expect.ts';
import type { Outcome, Scenario } from '../scenario.ts';
import { addr } from '../../protocol/core/addr.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { ChordNode } from '../../protocol/chord/chord-node.ts';
import type { ChordEvent } from '../../protocol/chord/events.ts';
import { checkRing } from './checker.ts';
import { fireReads, writeKeys } from './reads.ts';
import { CHORD_PORT, ChordWorld } from './world.ts';
import { fromUtf8 } from '../../protocol/core/bytes.ts';

const link = { latency: { kind: 'fixed', ms: 20 } } as const;

const parity: Scenario = {
  name: 'chord/dict',
  description: "8 nodes, m = 16, r = 3: py2p's get/set/update/delete and typed errors (not-found, too-large, invalid-key, not-joined)",
  suites: ['chord'],
  figures: ['get_after_set', 'get_default', 'update_keys', 'get_after_delete', 'error_codes'],
  run(sim): Outcome {
    const world = new ChordWorld(sim, { m_bits: 16, link, limits: { successors: 3 }, events_kept_max: 1_000 });
    for (let i = 0; i < 8; i++) world.addPeer(i * 100);
    const outsider = world.addPeer(1e9); // never joins: its commands must fail with not-joined
    const results = new Map<number, ChordEvent>();
    world.onEvent((_p, e) => {
      if ('op' in e) results.set(e.op, e);
    });
    const at = (t: number, peer: number, cmd: Parameters<typeof outsider.handle.command>[0]): void => sim.at(t, () => world.peers[peer]!.handle.command(cmd));
    at(10_000, 1, { type: 'set', op: 1, key: 'alpha', value: 'one' });
    at(11_000, 5, { type: 'get', op: 2, key: 'alpha' });
    at(11_000, 6, { type: 'get', op: 3, key: 'missing' });
    at(11_000, 7, { type: 'get', op: 4, key: 'missing', fallback: 'dflt' });
    at(12_000, 2, { type: 'update', op: 5, entries: [['b', '2'], ['c', '3'], [new Uint8Array([0xff, 0x00]), 'bytes-key']] });
    at(13_000, 3, { type: 'get', op: 6, key: new Uint8Array([0xff, 0x00]) });
    at(14_000, 4, { type: 'delete', op: 7, key: 'alpha' });
    at(15_000, 0, { type: 'get', op: 8, key: 'alpha' });
    at(15_000, 0, { type: 'set', op: 9, key: 'k', value: new Uint8Array(5_000) });
    at(15_000, 0, { type: 'set', op: 10, key: '', value: 'x' });
    at(15_000, 8, { type: 'get', op: 11, key: 'alpha' });
    sim.runUntil(20_000);
    const val = (op: number): string => {
      const e = results.get(op);
      if (e === undefined) return 'none';
      if (e.type === 'get-result') return `${e.found ? 'found' : 'default'}:${fromUtf8(e.value)}`;
      if (e.type === 'error') return `error:${e.code}`;
      return e.type;
    };
    return {
      set: val(1),
      get_after_set: val(2),
      get_missing: val(3),
      get_default: val(4),
      update_keys: results.get(5)?.type === 'update-result' ? (results.get(5) as { keys: number }).keys : -1,
      get_bytes_key: val(6),
      delete: val(7),
      get_after_delete: val(8),
      error_codes: [val(9), val(10), val(11)].join(','),
      wrong_successor: checkRing(world.peers.slice(0, 8).map((p) => p.node)).wrong_successor,
    };
  },
  expectations: [
    equal('set', 'set-result'),
    equal('get_after_set', 'found:one'),
    equal('get_missing', 'error:not-found'),
    equal('get_default', 'default:dflt'),
    equal('update_keys', 3),
    equal('get_bytes_key', 'found:bytes-key'),
    equal('delete', 'delete-result'),
    equal('get_after_delete', 'error:not-found'),
    equal('error_codes', 'error:too-large,error:invalid-key,error:not-joined'),
    equal('wrong_successor', 0),
  ],
};

const mismatch: Scenario = {
  name: 'chord/mismatch',
  description: 'a node of another ring name and one with another m try to join: a typed mismatch on both sides, the ring unchanged',
  suites: ['chord'],
  figures: ['other_ring_join', 'other_m_join', 'inbound_mismatches', 'ring_nodes'],
  run(sim): Outcome {
    const world = new ChordWorld(sim, { m_bits: 16, link, limits: { successors: 3 } });
    for (let i = 0; i < 4; i++) world.addPeer(i * 100);
    let inbound = 0;
    world.onEvent((_p, e) => {
      if (e.type === 'mismatch' && e.side === 'inbound') inbound++;
    });
    const stranger = (name: string, ip: string, ring: string, m_bits: number): ChordEvent[] => {
      sim.addHost({ name, ips: [ip], link });
      const rng = sim.rng.fork(name);
      const node = new ChordNode({ ring, m_bits, publicKey: rng.nextBytes(32), local: addr(ip, CHORD_PORT), crypto: nobleCrypto, rng, limits: { successors: 3 } });
      const handle = sim.run(name, node, { port: CHORD_PORT });
      sim.at(5_000, () => handle.command({ type: 'join', via: world.peers[0]!.addr }));
      return handle.events as ChordEvent[];
    };
    const a = stranger('other-ring', '10.9.0.1', 'another-ring', 16);
    const b = stranger('other-m', '10.9.0.2', 'peerlab-chord', 24);
    sim.runUntil(15_000);
    const joinOutcome = (events: ChordEvent[]): string => {
      const err = events.find((e) => e.type === 'error' && e.operation === 'join');
      const mm = events.some((e) => e.type === 'mismatch' && e.side === 'outbound');
      const joined = events.some((e) => e.type === 'joined');
      return joined ? 'joined' : `${err && err.type === 'error' ? err.code : 'no-error'}${mm ? '+mismatch-event' : ''}`;
    };
    return {
      other_ring_join: joinOutcome(a),
      other_m_join: joinOutcome(b),
      inbound_mismatches: inbound,
      ring_nodes: checkRing(world.peers.map((p) => p.node)).wrong_successor === 0 ? world.peers.length : -1,
    };
  },
  expectations: [equal('other_ring_join', 'mismatch+mismatch-event'), equal('other_m_join', 'mismatch+mismatch-event'), equal('inbound_mismatches', 2), equal('ring_nodes', 4)],
};

const handover: Scenario = {
  name: 'chord/leave-handover',
  description: '16 nodes, r = 1 (no replicas): 100 keys, then 8 nodes leave gracefully one by one; every key still reads back (hand-over)',
  suites: ['chord'],
  figures: ['reads_correct', 'left', 'wrong_successor'],
  run(sim): Outcome {
    const world = new ChordWorld(sim, { m_bits: 16, link, limits: { successors: 1, replicate_ms: 2_000 } });
    for (let i = 0; i < 16; i++) world.addPeer(i * 100);
    const w = writeKeys(sim, world, 10_000, 100, 10, 1_000);
    let left = 0;
    for (let i = 0; i < 8; i++) {
      sim.at(15_000 + i * 3_000, () => {
        const live = world.live().filter((p) => p.index !== 0);
        world.leave(live[world.rng.nextInt(0, live.length - 1)]!);
        left++;
      });
    }
    const reads = fireReads(sim, world, w.truth, 45_000, 200, 10, 2_000);
    sim.runUntil(50_000);
    return {
      keys_acked: w.acked(),
      left,
      reads_correct: reads.correct / reads.issued,
      wrong_successor: checkRing(world.live().map((p) => p.node)).wrong_successor,
    };
  },
  expectations: [equal('keys_acked', 100), equal('left', 8), equal('reads_correct', 1), equal('wrong_successor', 0)],
};

export const dictScenarios: Scenario[] = [parity, mismatch, handover];
