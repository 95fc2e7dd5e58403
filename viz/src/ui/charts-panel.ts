// Charts over time from `stats` events. rudp's samples get the qvis-style transport chart
// (transport-chart.ts); other stats one small line chart per numeric field, a line per node,
// and the replay cursor as a rule.

import { brushX, line, scaleLinear, select, type D3BrushEvent, type ScaleLinear, type Selection } from 'd3';
import type { TraceModel } from '../model/model.ts';
import { NODE_PALETTE } from '../render/colors.ts';
import { formatMs } from '../model/describe.ts';
import { h } from './dom.ts';
import { flowsOf, isTransport, TransportChart } from './transport-chart.ts';

const CHARTS_MAX = 6;
const POINTS_MAX = 1500;
const W = 330;
const H = 96;
const M = { left: 44, right: 8, top: 14, bottom: 16 };

type Series = Map<string, [number, number][]>;

/** Fields charted first when a sample has more than CHARTS_MAX (qvis's congestion view:
 * window and bytes in flight, RTTs, then delivery and loss). */
const PREFERRED = ['cwnd_bytes', 'bytes_in_flight', 'srtt_ms', 'min_rtt_ms', 'rtt_ms', 'delivered_bytes', 'lost', 'retransmitted', 'goodput'];
/** Identifiers, not quantities. */
const NOT_CHARTED = new Set(['conn', 'id', 'session']);

/** Numeric fields of stats data (one level of nesting flattened as a.b). */
function numericFields(data: Readonly<Record<string, unknown>>, out: [string, number][], prefix = ''): void {
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'number' && Number.isFinite(v)) out.push([prefix + k, v]);
    else if (prefix === '' && typeof v === 'object' && v !== null && !Array.isArray(v)) numericFields(v as Record<string, unknown>, out, `${k}.`);
  }
}

export class ChartsPanel {
  private readonly cursors: {
    x: ScaleLinear<number, number>;
    rule: Selection<SVGLineElement, unknown, null, undefined>;
    window: Selection<SVGRectElement, unknown, null, undefined>;
  }[] = [];

  private readonly transport: TransportChart | undefined;

  /** `onBrush(from, to)`: a time range brushed on any chart (the diagram zooms to it). */
  constructor(host: HTMLElement, model: TraceModel, onBrush: (from_ms: number, to_ms: number) => void = () => undefined) {
    if (isTransport(model.stats)) {
      this.transport = new TransportChart(host, flowsOf(model.stats), onBrush);
      return;
    }
    const all = new Map<string, Series>();
    for (const e of model.stats) {
      const fields: [string, number][] = [];
      numericFields(e.data, fields);
      for (const [k, v] of fields) {
        if (NOT_CHARTED.has(k)) continue;
        let series = all.get(k);
        if (series === undefined) {
          series = new Map();
          all.set(k, series);
        }
        const points = series.get(e.node) ?? [];
        points.push([e.t, v]);
        series.set(e.node, points);
      }
    }
    const rank = (k: string): number => (PREFERRED.includes(k) ? PREFERRED.indexOf(k) : PREFERRED.length);
    const byField = new Map([...all].sort((a, b) => rank(a[0]) - rank(b[0])).slice(0, CHARTS_MAX));
    if (byField.size === 0) {
      host.append(h('p', { class: 'hint' }, 'No stats events in this trace.'));
      return;
    }
    const nodes = model.lanes.map((l) => l.name);
    // the samples' own time span (a transfer's charts are not squeezed into its last second)
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const e of model.stats) (t0 = Math.min(t0, e.t)), (t1 = Math.max(t1, e.t));
    if (!(t1 > t0)) (t0 = model.t_min), (t1 = Math.max(model.t_max, model.t_min + 1));
    for (const [field, series] of byField) {
      let lo = 0;
      let hi = 1;
      for (const points of series.values()) for (const p of points) (lo = Math.min(lo, p[1])), (hi = Math.max(hi, p[1]));
      const x = scaleLinear().domain([t0, t1]).range([M.left, W - M.right]).clamp(true);
      const y = scaleLinear()
        .domain([lo, hi])
        .nice()
        .range([H - M.bottom, M.top]);
      const svg = select(host).append('svg').attr('viewBox', `0 0 ${W} ${H}`).attr('width', '100%').attr('class', 'chart').attr('data-field', field);
      svg.append('text').attr('x', M.left).attr('y', 10).attr('font-size', 10).attr('font-weight', 'bold').text(field);
      for (const tick of y.ticks(3)) {
        svg.append('text').attr('x', M.left - 4).attr('y', y(tick) + 3).attr('font-size', 9).attr('text-anchor', 'end').attr('fill', '#5b6570').text(String(tick));
        svg.append('line').attr('x1', M.left).attr('x2', W - M.right).attr('y1', y(tick)).attr('y2', y(tick)).attr('stroke', '#eef0f2');
      }
      svg.append('text').attr('x', W - M.right).attr('y', H - 3).attr('font-size', 9).attr('text-anchor', 'end').attr('fill', '#5b6570').text(formatMs(t1));
      svg.append('text').attr('x', M.left).attr('y', H - 3).attr('font-size', 9).attr('fill', '#5b6570').text(formatMs(t0));
      let legendX = W - M.right;
      for (const [node, raw] of series) {
        const stride = Math.max(1, Math.ceil(raw.length / POINTS_MAX));
        const points = raw.filter((_, i) => i % stride === 0);
        const color = NODE_PALETTE[Math.max(0, nodes.indexOf(node)) % NODE_PALETTE.length]!;
        const path = line<[number, number]>()
          .x((p) => x(p[0]))
          .y((p) => y(p[1]))(points);
        svg.append('path').attr('d', path ?? '').attr('fill', 'none').attr('stroke', color).attr('stroke-width', 1.3);
        legendX -= node.length * 6 + 6;
        svg.append('text').attr('x', legendX).attr('y', 10).attr('font-size', 9).attr('fill', color).text(node);
      }
      // the diagram's visible time window, so the charts read against it
      const window = svg.append('rect').attr('y', M.top).attr('height', H - M.bottom - M.top).attr('fill', 'rgba(58,95,205,0.08)').attr('pointer-events', 'none');
      const rule = svg.append('line').attr('y1', M.top).attr('y2', H - M.bottom).attr('stroke', '#e0245e');
      // brush a range to zoom the diagram to it (qvis's linked zoom)
      const brush = brushX<unknown>()
        .extent([
          [M.left, M.top],
          [W - M.right, H - M.bottom],
        ])
        .on('end', (event: D3BrushEvent<unknown>) => {
          const sel = event.selection as [number, number] | null;
          if (sel === null) return;
          onBrush(x.invert(sel[0]), x.invert(sel[1]));
          svg.select<SVGGElement>('g.brush').call(brush.move, null);
        });
      svg.append('g').attr('class', 'brush').call(brush);
      this.cursors.push({ x, rule, window });
    }
  }

  dispose(): void {
    this.transport?.dispose();
  }

  update(cursor_ms: number, from_ms?: number, to_ms?: number): void {
    if (this.transport !== undefined) return this.transport.update(cursor_ms, from_ms, to_ms);
    for (const c of this.cursors) {
      c.rule.attr('x1', c.x(cursor_ms)).attr('x2', c.x(cursor_ms));
      if (from_ms !== undefined && to_ms !== undefined) {
        const x0 = c.x(from_ms);
        c.window.attr('x', x0).attr('width', Math.max(0, c.x(to_ms) - x0));
      }
    }
  }
}
