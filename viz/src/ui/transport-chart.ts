// The transport chart as qvis draws its congestion graph, for rudp's `stats` samples
// (protocol/rudp/events.ts StatsSample): one flow at a time, three panels on one time axis:
// data (bytes acked, with packet counts on a second axis: sent, lost, retransmitted; each new
// loss a red tick), congestion (cwnd, bytes in flight) and RTT (min, smoothed, latest). The axis follows
// the diagram's visible window (clamped to the samples); brushing a range zooms the diagram
// to it (and so the chart); a series toggles from the legend.
import { brushX, line, scaleLinear, select, curveLinear, curveStepAfter, type D3BrushEvent, type ScaleLinear, type Selection } from 'd3';
import { formatMs } from '../model/describe.ts';
import type { StatsEvent } from '../trace/types.ts';
import { h } from './dom.ts';

const W = 350;
const DATA_H = 130;
const CC_H = 130;
const RTT_H = 110;
const M = { left: 46, right: 40, top: 8, bottom: 16 };
const POINTS_MAX = 800;
/** The chart follows the diagram's zoom at most this often (the diagram pans at 60 fps). */
const FOLLOW_DEBOUNCE_MS = 120;

interface SeriesSpec {
  readonly field: string;
  readonly label: string;
  readonly color: string;
  readonly panel: 'bytes' | 'packets' | 'cc' | 'rtt';
  readonly step?: boolean;
  readonly dots?: boolean;
}

export const TRANSPORT_SERIES: readonly SeriesSpec[] = [
  { field: 'bytes_in_flight', label: 'bytes_in_flight', color: '#d69e2e', panel: 'cc', step: true },
  { field: 'cwnd_bytes', label: 'cwnd_bytes', color: '#805ad5', panel: 'cc', step: true },
  { field: 'delivered_bytes', label: 'delivered_bytes (acked)', color: '#2f855a', panel: 'bytes' },
  { field: 'sent_packets', label: 'sent_packets', color: '#3182ce', panel: 'packets' },
  { field: 'lost', label: 'lost', color: '#e53e3e', panel: 'packets', step: true },
  { field: 'retransmitted', label: 'retransmitted', color: '#dd6b20', panel: 'packets', step: true },
  { field: 'min_rtt_ms', label: 'min_rtt_ms', color: '#2f855a', panel: 'rtt', step: true },
  { field: 'srtt_ms', label: 'srtt_ms', color: '#3182ce', panel: 'rtt' },
  { field: 'latest_rtt_ms', label: 'latest_rtt_ms', color: '#805ad5', panel: 'rtt', dots: true },
];

/** One sender's samples: a node's connection. */
export interface Flow {
  readonly key: string;
  readonly node: string;
  readonly samples: readonly StatsEvent[];
}

function num(e: StatsEvent, field: string): number | undefined {
  const v = e.data[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** True when the samples are rudp's (the chart has something to draw). */
export function isTransport(stats: readonly StatsEvent[]): boolean {
  return stats.some((e) => num(e, 'cwnd_bytes') !== undefined);
}

/** The samples by node and connection, the one that delivered most data first (the sender of
 * a transfer, whose window and RTT tell the story), then the one with most samples. */
export function flowsOf(stats: readonly StatsEvent[]): Flow[] {
  const by = new Map<string, { node: string; samples: StatsEvent[] }>();
  for (const e of stats) {
    if (num(e, 'cwnd_bytes') === undefined) continue;
    const c = e.data.conn;
    const key = `${e.node}${typeof c === 'number' || typeof c === 'string' ? ` #${c}` : ''}`;
    let f = by.get(key);
    if (f === undefined) by.set(key, (f = { node: e.node, samples: [] }));
    f.samples.push(e);
  }
  const delivered = (f: { samples: StatsEvent[] }): number => f.samples.reduce((m, e) => Math.max(m, num(e, 'delivered_bytes') ?? 0), 0);
  return [...by]
    .map(([key, f]) => ({ key, node: f.node, samples: f.samples, delivered: delivered(f) }))
    .sort((a, b) => b.delivered - a.delivered || b.samples.length - a.samples.length)
    .map(({ key, node, samples }) => ({ key, node, samples }));
}

type G = Selection<SVGGElement, unknown, null, undefined>;

export class TransportChart {
  private flow: Flow;
  private readonly hidden = new Set<string>();
  private domain: [number, number];
  private readonly span: [number, number];
  private cursor_ms = 0;
  private window: [number, number] | undefined;
  private followTimer: ReturnType<typeof setTimeout> | undefined;
  private follow = true;
  private readonly panels: { svg: Selection<SVGSVGElement, unknown, null, undefined>; body: G; overlay: G; x: ScaleLinear<number, number>; height: number }[] = [];
  private readonly legend: HTMLElement;

  constructor(
    host: HTMLElement,
    private readonly flows: readonly Flow[],
    private readonly onBrush: (from_ms: number, to_ms: number) => void,
  ) {
    this.flow = flows[0]!;
    this.span = this.spanOf(this.flow);
    this.domain = [...this.span];
    const controls = h('div', { class: 'lookup-controls' });
    if (flows.length > 1) {
      const pick = h('select', { 'data-testid': 'chart-flow', title: 'which sender' }, ...flows.map((f) => h('option', { value: f.key }, `${f.key} (${f.samples.length} samples)`)));
      pick.addEventListener('change', () => {
        this.flow = flows.find((f) => f.key === pick.value) ?? this.flow;
        const [a, b] = this.spanOf(this.flow);
        (this.span[0] = a), (this.span[1] = b);
        this.refollow();
      });
      controls.append(pick);
    } else controls.append(h('span', {}, `${this.flow.key}: ${this.flow.samples.length} samples`));
    const follow = h('input', { type: 'checkbox', checked: true, 'data-testid': 'chart-follow' });
    follow.addEventListener('change', () => {
      this.follow = follow.checked;
      this.refollow();
    });
    controls.append(h('label', { title: 'the time axis follows the diagram’s visible window' }, follow, ' follow diagram'));
    this.legend = h('div', { class: 'charts-legend' });
    for (const s of TRANSPORT_SERIES) {
      if (!this.flow.samples.some((e) => num(e, s.field) !== undefined)) continue;
      const box = h('input', { type: 'checkbox', checked: true, 'data-series': s.field });
      box.addEventListener('change', () => {
        if (box.checked) this.hidden.delete(s.field);
        else this.hidden.add(s.field);
        this.render();
      });
      this.legend.append(h('label', { style: `color:${s.color}` }, box, s.label));
    }
    host.append(controls, this.legend);
    this.panels.push(this.panel(host, 'delivered_bytes', DATA_H));
    this.panels.push(this.panel(host, 'cwnd_bytes', CC_H));
    this.panels.push(this.panel(host, 'srtt_ms', RTT_H));
    this.render();
  }

  private spanOf(f: Flow): [number, number] {
    const t0 = f.samples[0]!.t;
    const t1 = f.samples[f.samples.length - 1]!.t;
    return [t0, t1 > t0 ? t1 : t0 + 1];
  }

  private panel(host: HTMLElement, field: string, height: number): (typeof this.panels)[number] {
    const svg = select(host).append('svg').attr('viewBox', `0 0 ${W} ${height}`).attr('width', '100%').attr('class', 'chart').attr('data-field', field);
    const body = svg.append('g');
    const overlay = svg.append('g');
    const x = scaleLinear().range([M.left, W - M.right]).clamp(true);
    const brush = brushX<unknown>()
      .extent([
        [M.left, M.top],
        [W - M.right, height - M.bottom],
      ])
      .on('end', (event: D3BrushEvent<unknown>) => {
        const sel = event.selection as [number, number] | null;
        if (sel === null) return;
        const from = x.invert(sel[0]);
        const to = x.invert(sel[1]);
        svg.select<SVGGElement>('g.brush').call(brush.move, null);
        if (!(to > from)) return;
        // zoom the chart at once, and the diagram (which the chart then follows)
        this.domain = [from, to];
        this.render();
        this.onBrush(from, to);
      });
    svg.append('g').attr('class', 'brush').call(brush);
    svg.on('dblclick', () => {
      this.domain = [...this.span];
      this.render();
    });
    return { svg, body, overlay, x, height };
  }

  /** Cursor and the diagram's visible window (the axis follows it, debounced). */
  update(cursor_ms: number, from_ms?: number, to_ms?: number): void {
    this.cursor_ms = cursor_ms;
    if (from_ms !== undefined && to_ms !== undefined && (this.window?.[0] !== from_ms || this.window?.[1] !== to_ms)) {
      this.window = [from_ms, to_ms];
      if (this.follow) {
        if (this.followTimer !== undefined) clearTimeout(this.followTimer);
        this.followTimer = setTimeout(() => this.refollow(), FOLLOW_DEBOUNCE_MS);
      }
    }
    this.drawOverlay();
  }

  /** Test hook: the time axis now. */
  timeDomain(): [number, number] {
    return [...this.domain];
  }

  private refollow(): void {
    this.followTimer = undefined;
    const w = this.window;
    const from = w === undefined ? this.span[0] : Math.max(this.span[0], w[0]);
    const to = w === undefined ? this.span[1] : Math.min(this.span[1], w[1]);
    this.domain = this.follow && to > from ? [from, to] : [...this.span];
    this.render();
  }

  dispose(): void {
    if (this.followTimer !== undefined) clearTimeout(this.followTimer);
  }

  private render(): void {
    const [d0, d1] = this.domain;
    // the samples in view, one before and after so lines reach the edges, thinned to POINTS_MAX
    const all = this.flow.samples;
    let lo = 0;
    while (lo < all.length && all[lo]!.t < d0) lo++;
    let hi = lo;
    while (hi < all.length && all[hi]!.t <= d1) hi++;
    const inView = all.slice(Math.max(0, lo - 1), Math.min(all.length, hi + 1));
    const stride = Math.max(1, Math.ceil(inView.length / POINTS_MAX));
    const pts = inView.filter((_, i) => i % stride === 0 || i === inView.length - 1);
    const specs = TRANSPORT_SERIES.filter((s) => !this.hidden.has(s.field));
    const [top, cc, rtt] = this.panels as [(typeof this.panels)[0], (typeof this.panels)[0], (typeof this.panels)[0]];
    for (const p of this.panels) {
      p.x.domain([d0, d1]);
      p.body.selectAll('*').remove();
      p.svg.attr('data-from', d0).attr('data-to', d1);
    }
    const extent = (panel: SeriesSpec['panel']): number => {
      let m = 1;
      for (const s of specs) if (s.panel === panel) for (const e of pts) m = Math.max(m, num(e, s.field) ?? 0);
      return m;
    };
    const yBytes = scaleLinear().domain([0, extent('bytes')]).nice().range([top.height - M.bottom, M.top]);
    const yPackets = scaleLinear().domain([0, extent('packets')]).nice().range([top.height - M.bottom, M.top]);
    const yCc = scaleLinear().domain([0, extent('cc')]).nice().range([cc.height - M.bottom, M.top]);
    const yRtt = scaleLinear().domain([0, extent('rtt')]).nice().range([rtt.height - M.bottom, M.top]);
    const axis = (p: typeof top, y: ScaleLinear<number, number>, side: 'left' | 'right', unit: string): void => {
      for (const tick of y.ticks(4)) {
        const label = tick >= 1e6 ? `${tick / 1e6}M` : tick >= 1e3 ? `${tick / 1e3}k` : String(tick);
        p.body
          .append('text')
          .attr('x', side === 'left' ? M.left - 3 : W - M.right + 3)
          .attr('y', y(tick) + 3)
          .attr('font-size', 9)
          .attr('text-anchor', side === 'left' ? 'end' : 'start')
          .attr('fill', '#5b6570')
          .text(label);
        if (side === 'left') p.body.append('line').attr('x1', M.left).attr('x2', W - M.right).attr('y1', y(tick)).attr('y2', y(tick)).attr('stroke', '#eef0f2');
      }
      p.body.append('text').attr('x', side === 'left' ? 2 : W - 2).attr('y', M.top + 2).attr('font-size', 8).attr('text-anchor', side === 'left' ? 'start' : 'end').attr('fill', '#8a939c').text(unit);
    };
    axis(top, yBytes, 'left', 'bytes');
    axis(top, yPackets, 'right', 'pkts');
    axis(cc, yCc, 'left', 'bytes');
    axis(rtt, yRtt, 'left', 'ms');
    for (const p of this.panels) {
      p.body.append('text').attr('x', M.left).attr('y', p.height - 3).attr('font-size', 9).attr('fill', '#5b6570').text(formatMs(d0));
      p.body.append('text').attr('x', W - M.right).attr('y', p.height - 3).attr('font-size', 9).attr('text-anchor', 'end').attr('fill', '#5b6570').text(formatMs(d1));
    }
    for (const s of specs) {
      const p = s.panel === 'rtt' ? rtt : s.panel === 'cc' ? cc : top;
      const y = s.panel === 'bytes' ? yBytes : s.panel === 'packets' ? yPackets : s.panel === 'cc' ? yCc : yRtt;
      const series: [number, number][] = [];
      for (const e of pts) {
        const v = num(e, s.field);
        // an RTT of 0 is "no sample yet", not a measurement
        if (v !== undefined && !(s.panel === 'rtt' && v === 0)) series.push([e.t, v]);
      }
      if (series.length === 0) continue;
      if (s.dots) {
        const g = p.body.append('g').attr('fill', s.color).attr('data-series', s.field);
        for (const [t, v] of series) g.append('circle').attr('cx', p.x(t)).attr('cy', y(v)).attr('r', 1.2);
        continue;
      }
      const path = line<[number, number]>()
        .x((q) => p.x(q[0]))
        .y((q) => y(q[1]))
        .curve(s.step === true ? curveStepAfter : curveLinear)(series);
      p.body.append('path').attr('d', path ?? '').attr('fill', 'none').attr('stroke', s.color).attr('stroke-width', 1.3).attr('data-series', s.field);
    }
    // every new loss a red tick at the bottom of the data panel (qvis marks lost packets)
    if (!this.hidden.has('lost')) {
      const g = top.body.append('g').attr('class', 'loss-ticks').attr('stroke', '#e53e3e');
      let prev: number | undefined;
      for (const e of inView) {
        const v = num(e, 'lost');
        if (v !== undefined && prev !== undefined && v > prev) g.append('line').attr('x1', top.x(e.t)).attr('x2', top.x(e.t)).attr('y1', top.height - M.bottom).attr('y2', top.height - M.bottom - 6);
        if (v !== undefined) prev = v;
      }
    }
    this.drawOverlay();
  }

  private drawOverlay(): void {
    for (const p of this.panels) {
      p.overlay.selectAll('*').remove();
      const w = this.window;
      if (w !== undefined) {
        const x0 = p.x(w[0]);
        p.overlay.append('rect').attr('x', x0).attr('y', M.top).attr('width', Math.max(0, p.x(w[1]) - x0)).attr('height', p.height - M.top - M.bottom).attr('fill', 'rgba(58,95,205,0.06)').attr('pointer-events', 'none');
      }
      const [d0, d1] = this.domain;
      if (this.cursor_ms >= d0 && this.cursor_ms <= d1) p.overlay.append('line').attr('x1', p.x(this.cursor_ms)).attr('x2', p.x(this.cursor_ms)).attr('y1', M.top).attr('y2', p.height - M.bottom).attr('stroke', '#e0245e').attr('pointer-events', 'none');
    }
  }
}
