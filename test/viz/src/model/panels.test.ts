// Tests for what the panels and the inspector show: counts up to the cursor, filter masks,
// the decoded summary and the NAT mapping a hop used.
import { describe, expect, it } from 'vitest';
import { countsAt } from '../../../../viz/src/model/counts.ts';
import { datagramHops, datagramSummary, formatMs } from '../../../../viz/src/model/describe.ts';
import { applyFilter, defaultFilter, isErrorMark } from '../../../../viz/src/model/filter.ts';
import { buildModel } from '../../../../viz/src/model/model.ts';
import { parseTrace } from '../../../../viz/src/trace/parse.ts';
import { syntheticTrace } from '../../synthetic-trace.ts';

const model = buildModel(parseTrace(syntheticTrace({ events: 1500, seed: 8 }).text));
const names = model.lanes.map((l) => l.name);

describe('countsAt', () => {
  it('counts sends, deliveries, NAT hops and drops by reason up to the cursor', () => {
    const all = countsAt(model.trace.events, names, model.t_max);
    expect(all.totals.sent).toBe(model.datagrams.length);
    expect(all.totals.dropped).toBe(model.drops.length);
    expect([...all.totals.dropsByReason.values()].reduce((a, b) => a + b, 0)).toBe(model.drops.length);
    expect(all.reasons).toEqual([...new Set(model.drops.map((d) => d.reason))].sort());
    const mid = (model.t_min + model.t_max) / 2;
    const half = countsAt(model.trace.events, names, mid);
    expect(half.totals.sent).toBe(model.trace.events.filter((e) => e.kind === 'send' && e.t <= mid).length);
    expect(countsAt(model.trace.events, names, model.t_min - 1).totals.sent).toBe(0);
  });
});

describe('applyFilter', () => {
  it('shows everything by default except timers, and narrows by protocol, node, kind and text', () => {
    const f = defaultFilter(model);
    const all = applyFilter(model, f);
    expect(all.datagrams.every((x) => x === 1)).toBe(true);
    const timers = model.marks.filter((m) => m.event.kind === 'timer').length;
    expect(all.marks.reduce((n, x) => n + x, 0)).toBe(model.marks.length - timers);
    const noPunch = applyFilter(model, { ...f, protos: new Set([...f.protos].filter((p) => p !== 'punch')) });
    expect(noPunch.datagrams.reduce((n, x) => n + x, 0)).toBe(model.datagrams.filter((d) => d.proto !== 'punch').length);
    const onlyRendezvous = applyFilter(model, { ...f, node: 'rendezvous' });
    expect(onlyRendezvous.datagrams.reduce((n, x) => n + x, 0)).toBe(model.datagrams.filter((d) => d.proto === 'stun').length);
    const dropsOnly = applyFilter(model, { ...f, kinds: new Set(['dropped']) });
    expect(dropsOnly.datagrams.reduce((n, x) => n + x, 0)).toBe(model.drops.length);
    expect(dropsOnly.showNatHops).toBe(false);
    // search highlights, never hides: every datagram stays, the nat-filtered ones match
    const filtered = model.drops.filter((d) => d.reason === 'nat-filtered').length;
    const text = applyFilter(model, { ...f, text: 'NAT-FILTERED' });
    expect(text.datagrams).toEqual(all.datagrams);
    expect(text.matchedDatagrams.reduce((n, x) => n + x, 0)).toBe(filtered);
    // field queries match a field exactly; words combine with and
    const field = applyFilter(model, { ...f, text: 'reason=nat-filtered' });
    expect(field.matchedDatagrams.reduce((n, x) => n + x, 0)).toBe(filtered);
    expect(applyFilter(model, { ...f, text: 'reason=nat-filter' }).matches.length).toBe(0);
    const dropNode = model.drops.find((d) => d.reason === 'nat-filtered')!.node;
    const both = applyFilter(model, { ...f, text: `reason=nat-filtered node=${dropNode}` });
    expect(both.matchedDatagrams.reduce((n, x) => n + x, 0)).toBe(model.drops.filter((d) => d.reason === 'nat-filtered' && d.node === dropNode).length);
  });

  it('treats error logs and failure-named events as errors', () => {
    const errors = model.marks.filter(isErrorMark);
    expect(errors.every((m) => m.event.kind === 'log' || (m.event.kind === 'event' && /fail|error|timeout|reject|abort/i.test(m.event.name)))).toBe(true);
  });
});

describe('describe', () => {
  it('summarises a filtered punch and lists its hops', () => {
    const d = model.datagrams.find((x) => x.ends[0]?.kind === 'drop' && x.ends[0].reason === 'nat-filtered')!;
    expect(datagramSummary(d)).toMatch(/^punch 36 B from [ab] via nat-[ab]: dropped at nat-[ab] \(nat-filtered\) after [\d.]+ ms$/);
    const hops = datagramHops(model, d);
    expect(hops.map((h) => h.text.split(' ')[0])).toEqual(['sent', 'NAT', 'DROPPED:']);
  });

  it('names the nat-map a hop used', () => {
    const d = model.datagrams.find((x) => x.send?.node === 'a' && x.nats.length > 0)!;
    const hop = datagramHops(model, d)[1]!;
    expect(hop.mapping?.kind).toBe('nat-map');
    expect(hop.mapping?.internal).toBe('10.0.1.2:5000');
    expect(hop.mapping?.external).toBe('203.0.113.10:40000');
  });

  it('formats times', () => {
    expect([formatMs(0.5), formatMs(12.3456), formatMs(1500), formatMs(90_000)]).toEqual(['0.5 ms', '12.346 ms', '1.5 s', '90 s']);
  });
});
