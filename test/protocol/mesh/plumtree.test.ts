// Plumtree on its own, with a scripted host (no network): the repair of a lost eager push by
// the parent's re-offer (an IHAVE on the eager link, answered by an immediate GRAFT), which
// costs no duplicate payload and keeps the tree; a lost ACK costing nothing but a re-ACK; a
// push that follows a fetch not pruning the link it comes back on; IHAVE batching per lazy
// link over ihave_delay_ms, bounded by ihave_batch_max; duplicates counted by cause.
// Reproduce: npx vitest run test/protocol/mesh/plumtree.test.ts
import { describe, expect, it } from 'vitest';
import { resolveLimits, type MeshLimits } from '../../../protocol/mesh/config.ts';
import type { Neighbour } from '../../../protocol/mesh/neighbour.ts';
import { Plumtree, type GossipWire } from '../../../protocol/mesh/plumtree.ts';
import { T, type MeshWire } from '../../../protocol/mesh/wire.ts';

interface Sent {
  readonly to: string;
  readonly wire: MeshWire;
}

function link(name: string, eager = true): Neighbour {
  return { id: name, key: new Uint8Array(32), addr: { family: 4, ip: '192.0.2.1', port: 1 }, addrKey: name, advertised: { family: 4, ip: '192.0.2.1', port: 1 }, eager, fresh: true, pinger: true, pingAt: 0, deadAt: 0 };
}

function node(links: Neighbour[], limits: Partial<MeshLimits> = {}): { p: Plumtree; sent: Sent[]; delivered: Array<{ id: number; via: string }> } {
  const sent: Sent[] = [];
  const delivered: Array<{ id: number; via: string }> = [];
  const p = new Plumtree('plumtree', resolveLimits(limits), {
    send: (to, wire) => sent.push({ to: to.addrKey, wire }),
    deliver: (g, _from, via) => delivered.push({ id: g.id[0]!, via }),
    duplicate: () => undefined,
    neighbours: () => links,
    neighbour: (key) => links.find((n) => n.addrKey === key),
    debug: () => undefined,
    dropped: () => undefined,
    random: () => 0.5,
  });
  return { p, sent, delivered };
}

function gossip(id: number, extra: Partial<GossipWire> = {}): GossipWire {
  return { t: T.Gossip, id: new Uint8Array(16).fill(id), hops: 1, retx: false, repaired: false, type: '', origin: { key: new Uint8Array(32), addr: { family: 4, ip: '192.0.2.9', port: 9 } }, packets: [new Uint8Array([id])], ...extra };
}

const kinds = (sent: readonly Sent[]): string[] => sent.map((s) => `${T[s.wire.t]}>${s.to}`);

describe('Plumtree over lossy links', () => {
  it('a push nobody ACKs is re-offered as an IHAVE on the same eager link, then answered by GRAFT (no payload sent twice)', () => {
    const child = link('child');
    const parent = node([child]);
    parent.p.originate(0, gossip(1, { hops: 0 }));
    parent.p.flush();
    expect(kinds(parent.sent)).toEqual(['Gossip>child']);
    parent.sent.length = 0;
    const due = parent.p.nextDeadline()!;
    expect(due).toBe(200); // ack_timeout_ms
    parent.p.onTimeout(due);
    parent.p.flush();
    expect(kinds(parent.sent)).toEqual(['IHave>child']);
    expect(child.eager).toBe(true);
    // The child's GRAFT is answered with the payload, flagged as a GRAFT answer (not acknowledged).
    parent.sent.length = 0;
    parent.p.onGraft(child, [new Uint8Array(16).fill(1)], false);
    expect(parent.sent.map((s) => (s.wire.t === T.Gossip ? s.wire.retx : 'other'))).toEqual([true]);
    // And the push is no longer watched: no further re-offer.
    parent.sent.length = 0;
    parent.p.onTimeout(10_000);
    parent.p.flush();
    expect(kinds(parent.sent)).toEqual([]);
  });

  it('the child GRAFTs its parent at once for an IHAVE on the eager link, delivers via graft, and keeps the tree', () => {
    const up = link('up');
    const down = link('down');
    const child = node([up, down]);
    child.p.onIHave(1_000, up, [{ id: new Uint8Array(16).fill(2), hops: 3 }]);
    child.p.flush();
    expect(kinds(child.sent)).toEqual(['Graft>up']);
    expect(child.sent[0]!.wire).toMatchObject({ repair: false });
    child.sent.length = 0;
    child.p.onGossip(1_050, up, gossip(2, { retx: true, hops: 4 }));
    child.p.flush();
    expect(child.delivered).toEqual([{ id: 2, via: 'graft' }]);
    // Pushed on down the tree, and not acknowledged (a GRAFT answer), nothing pruned.
    expect(kinds(child.sent)).toEqual(['Gossip>down']);
    expect(up.eager && down.eager).toBe(true);
    expect(child.p.counters.parent_grafts_sent).toBe(1);
  });

  it('a lost ACK costs a re-ACK, not a payload: the child that has it answers the re-offer with an ACK', () => {
    const up = link('up');
    const child = node([up]);
    child.p.onGossip(0, up, gossip(3));
    child.p.flush();
    expect(kinds(child.sent)).toEqual(['Ack>up']);
    child.sent.length = 0;
    child.p.onIHave(300, up, [{ id: new Uint8Array(16).fill(3), hops: 1 }]);
    child.p.flush();
    expect(kinds(child.sent)).toEqual(['Ack>up']);
    expect(child.p.counters.duplicates).toBe(0);
  });

  it('a duplicate that is a push after a fetch prunes nothing; a real cycle prunes, counted by cause', () => {
    const a = link('a');
    const b = link('b');
    const n = node([a, b]);
    n.p.onGossip(0, a, gossip(4));
    n.p.onGossip(10, b, gossip(4, { repaired: true }));
    n.p.flush();
    expect(b.eager).toBe(true);
    expect(n.p.counters.dup_repair_push).toBe(1);
    n.p.onGossip(20, a, gossip(5));
    n.p.onGossip(30, b, gossip(5));
    n.p.flush();
    expect(b.eager).toBe(false);
    expect(kinds(n.sent).filter((k) => k.startsWith('Prune'))).toEqual(['Prune>b']);
    expect(n.p.counters.dup_eager).toBe(1);
  });

  it('IHAVEs wait ihave_delay_ms per lazy link and share a datagram; a full batch goes at once', () => {
    const lazy = link('lazy', false);
    const n = node([lazy], { ihave_delay_ms: 50, ihave_batch_max: 3 });
    n.p.originate(0, gossip(6, { hops: 0 }));
    n.p.flush();
    n.p.originate(20, gossip(7, { hops: 0 }));
    n.p.flush();
    expect(kinds(n.sent)).toEqual([]);
    expect(n.p.nextDeadline()).toBe(50);
    n.p.onTimeout(50);
    n.p.flush();
    expect(kinds(n.sent)).toEqual(['IHave>lazy']);
    expect(n.sent[0]!.wire.t === T.IHave ? n.sent[0]!.wire.items.length : 0).toBe(2);
    n.sent.length = 0;
    for (let i = 0; i < 3; i++) n.p.originate(100 + i, gossip(10 + i, { hops: 0 }));
    expect(kinds(n.sent)).toEqual(['IHave>lazy']);
    // Without a delay, each handle call's IHAVEs go out at its end.
    const m = node([link('lazy', false)], { ihave_delay_ms: 0 });
    m.p.originate(0, gossip(8, { hops: 0 }));
    m.p.flush();
    expect(kinds(m.sent)).toEqual(['IHave>lazy']);
  });
});
