// Tests for the newcomer's answers computed from the model: the per-pair outcome (path,
// time to path, handshake, goodput, drops), why a NAT dropped a datagram, event labels with
// their key value, and the running counts playback uses (equal to counting from scratch).
import { describe, expect, it } from 'vitest';
import { countsAt, RunningCounts } from '../../../../viz/src/model/counts.ts';
import { eventLabel } from '../../../../viz/src/model/describe.ts';
import { buildModel } from '../../../../viz/src/model/model.ts';
import { explainNatDrop } from '../../../../viz/src/model/nat-explain.ts';
import { formatRate, pairOutcomes, pathText, timeToPath_ms } from '../../../../viz/src/model/outcome.ts';
import { parseTrace } from '../../../../viz/src/trace/parse.ts';
import { PATH_EVENT, SPRAY, STATS_SAMPLES, newcomerTrace } from '../../newcomer-trace.ts';
import { syntheticTrace } from '../../synthetic-trace.ts';

const model = buildModel(parseTrace(newcomerTrace().text));

describe('stats', () => {
  it('reads rudp samples from `event` lines named `stats` and keeps them off the diagram', () => {
    expect(model.stats.length).toBe(STATS_SAMPLES);
    expect(model.marks.some((m) => m.event.kind === 'event' && m.event.name === 'stats')).toBe(false);
  });
});

describe('pairOutcomes', () => {
  it('pairs a with its peer b and reports the path, its technique and time, and the drops of their datagrams', () => {
    const [o] = pairOutcomes(model);
    expect(o!.label).toBe('a ↔ b');
    expect(pathText(o!)).toBe('relay');
    expect(timeToPath_ms(o!)).toBe(PATH_EVENT.elapsed_ms);
    expect(o!.drops.get('nat-no-mapping')?.count).toBe(SPRAY);
    expect(o!.drops.get('loss')?.count).toBe(1); // a's uplink loss (b's downlink loss was sent by the rendezvous)
    expect(formatRate(1000)).toBe('8.0 Mbit/s');
  });
});

describe('explainNatDrop', () => {
  it('says no mapping has the address a spray probe was sent to', () => {
    const drop = model.drops.find((d) => d.reason === 'nat-no-mapping')!;
    const x = explainNatDrop(model, drop)!;
    expect(x.rule).toMatch(/^address-and-port-dependent filtering \(APDF\)/);
    expect(x.mappingsLive).toBe(1);
    expect(x.why).toContain(`no mapping on b-nat has external address ${drop.dst}`);
  });

  it('names the mapping and whom it has sent to when the filter refuses', () => {
    const synth = buildModel(parseTrace(syntheticTrace({ events: 1500, seed: 8 }).text));
    const drop = synth.drops.find((d) => d.reason === 'nat-filtered')!;
    const x = explainNatDrop(synth, drop)!;
    expect(x.why).toMatch(/exists|no mapping/);
    expect(explainNatDrop(synth, { ...drop, reason: 'loss' })).toBeUndefined();
  });
});

describe('eventLabel', () => {
  it('carries the key value', () => {
    expect(eventLabel('path', PATH_EVENT)).toBe('path: relay via 198.51.100.7:3478 after 88 ms');
    expect(eventLabel('nat', { type: 'nat', summary: 'EIM/APDF/preserving' })).toBe('NAT type: EIM/APDF/preserving');
    expect(eventLabel('punch-start', { type: 'punch-start', peer: 'b', strategy: 'birthday', session: 1 })).toBe('punch-start: peer=b strategy=birthday');
    expect(eventLabel('bare', undefined)).toBe('bare');
  });
});

describe('RunningCounts', () => {
  it('equals counting from scratch at every cursor, forwards and back', () => {
    const names = model.lanes.map((l) => l.name);
    const running = new RunningCounts(model.trace.events, names, undefined);
    for (const t of [0, 300, 1010, 1030, 5000, 200, 4000, 6000]) {
      const a = running.at(t);
      const b = countsAt(model.trace.events, names, t);
      expect({ totals: a.totals, reasons: a.reasons }).toEqual({ totals: b.totals, reasons: b.reasons });
    }
  });
});
