// RoutingTable.setSuccessors: the list it keeps is the one it was given (self dropped, duplicate
// ids dropped, cut to r, order kept), and a ref equal to one it already holds (same id, same
// address) keeps the held object, so a calm ring's stabilize replies leave no old-generation
// garbage; a ref whose address changed replaces the held one.
import { describe, expect, it } from 'vitest';
import { addr } from '../../../protocol/core/addr.ts';
import { RoutingTable } from '../../../protocol/chord/routing.ts';
import type { NodeRef } from '../../../protocol/chord/wire.ts';

const ref = (id: number, ip = `10.0.0.${id}`): NodeRef => ({ id: BigInt(id), addr: addr(ip, 7500) });

describe('chord routing table', () => {
  it('keeps the given successors in order, without self or duplicates, cut to r', () => {
    const self = ref(1);
    const table = new RoutingTable(self, 8, 3);
    table.setSuccessors([ref(5), self, ref(5), ref(9), ref(20), ref(30)]);
    expect(table.successors.map((r) => r.id)).toEqual([5n, 9n, 20n]);
    expect(table.successor.id).toBe(5n);
    expect(table.fingers[0]?.id).toBe(5n);
  });

  it('reuses a held ref equal by id and address, and takes a new one when the address moved', () => {
    const table = new RoutingTable(ref(1), 8, 4);
    const held = [ref(5), ref(9), ref(20)];
    table.setSuccessors(held);
    // The same nodes decoded afresh (new objects), one of them at a new address, one new node.
    const fresh = [ref(5), ref(9, '10.9.9.9'), ref(20), ref(40)];
    table.setSuccessors(fresh);
    const now = table.successors;
    expect(now.map((r) => r.id)).toEqual([5n, 9n, 20n, 40n]);
    expect(now[0]).toBe(held[0]);
    expect(now[1]).toBe(fresh[1]);
    expect(now[1]!.addr.ip).toBe('10.9.9.9');
    expect(now[2]).toBe(held[2]);
    expect(now[3]).toBe(fresh[3]);
  });
});
