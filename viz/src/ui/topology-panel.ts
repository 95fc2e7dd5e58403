// The topology graph: the public internet on top, NAT boxes below it, the hosts behind
// each NAT below that (same left-to-right order as the lanes), each node labelled with its
// live counts (sent, delivered, dropped) at the replay cursor.

import { select } from 'd3';
import type { CountsAt } from '../model/counts.ts';
import type { TraceModel } from '../model/model.ts';
import { COLORS } from '../render/colors.ts';

const WIDTH_PX = 340;
const ROW_PX = 62;
const TOP_PX = 26;
/** Columns narrower than this stagger their nodes. */
const STAGGER_BELOW_PX = 90;
/** Longest node name shown in full. */
const NAME_CHARS_MAX = 14;
/** Nodes closer than this to the panel's edge anchor their texts inwards. */
const EDGE_PX = 46;

export class TopologyPanel {
  private readonly labels = new Map<string, SVGTextElement>();

  constructor(host: HTMLElement, model: TraceModel) {
    const lanes = model.lanes;
    const depthMax = lanes.reduce((m, l) => Math.max(m, l.depth), 0);
    const height = TOP_PX + ROW_PX * (depthMax + 1) + 40 + ROW_PX / 2 + 12;
    const svg = select(host).append('svg').attr('viewBox', `0 0 ${WIDTH_PX} ${height}`).attr('width', '100%').attr('data-testid', 'topology');
    const step = WIDTH_PX / Math.max(1, lanes.length);
    // narrow columns: every other node half a row lower, so names and counts never run together
    const stagger = step < STAGGER_BELOW_PX ? ROW_PX / 2 : 0;
    const pos = new Map(lanes.map((l) => [l.name, { x: step * (l.index + 0.5), y: TOP_PX + 40 + ROW_PX * l.depth + (l.index % 2) * stagger }]));
    const internet = { x: WIDTH_PX / 2, y: 16 };
    const edges = svg.append('g');
    for (const l of lanes) {
      const p = pos.get(l.name)!;
      const parent = l.gateway !== undefined ? pos.get(l.gateway) : undefined;
      const to = parent ?? internet;
      edges.append('line').attr('x1', p.x).attr('y1', p.y).attr('x2', to.x).attr('y2', to.y).attr('stroke', '#c3cad2');
    }
    svg.append('ellipse').attr('cx', internet.x).attr('cy', internet.y).attr('rx', 48).attr('ry', 12).attr('fill', '#eef2f6').attr('stroke', '#9aa4b1');
    svg.append('text').attr('x', internet.x).attr('y', internet.y + 4).attr('text-anchor', 'middle').attr('font-size', 10).text('internet');
    for (const l of lanes) {
      const p = pos.get(l.name)!;
      const g = svg.append('g').attr('transform', `translate(${p.x},${p.y})`);
      const color = l.type === 'nat' ? COLORS.laneNat : l.type === 'server' ? COLORS.laneServer : '#5b6570';
      if (l.type === 'nat') g.append('rect').attr('x', -9).attr('y', -9).attr('width', 18).attr('height', 18).attr('fill', color);
      else g.append('circle').attr('r', 8).attr('fill', color);
      // nodes near an edge anchor their texts inwards, so no name or count is clipped
      const anchor = p.x < EDGE_PX ? 'start' : p.x > WIDTH_PX - EDGE_PX ? 'end' : 'middle';
      const dx = anchor === 'start' ? -10 : anchor === 'end' ? 10 : 0;
      g.append('text').attr('x', dx).attr('y', 21).attr('text-anchor', anchor).attr('font-size', 10).attr('font-weight', 'bold').text(l.name.length > NAME_CHARS_MAX ? `${l.name.slice(0, NAME_CHARS_MAX - 1)}…` : l.name).append('title').text(l.name);
      const counts = g.append('text').attr('x', dx).attr('y', 33).attr('text-anchor', anchor).attr('font-size', 9).attr('fill', '#5b6570').attr('data-node', l.name);
      this.labels.set(l.name, counts.node()!);
    }
  }

  update(counts: CountsAt): void {
    for (const [name, el] of this.labels) {
      const c = counts.byNode.get(name);
      if (c === undefined) continue;
      // two short lines (traffic, then drops), so wide counts do not run into the neighbour's
      const first = c.natted > 0 ? `⇄${c.natted}` : `↑${c.sent} ↓${c.delivered}`;
      const second = `✕${c.dropped}`;
      if (el.dataset.text === `${first}|${second}`) continue;
      el.dataset.text = `${first}|${second}`;
      el.textContent = '';
      for (const [i, line] of [first, second].entries()) {
        const span = document.createElementNS('http://www.w3.org/2000/svg', 'tspan');
        span.setAttribute('x', el.getAttribute('x') ?? '0');
        span.setAttribute('dy', i === 0 ? '0' : '10');
        span.textContent = line;
        el.append(span);
      }
    }
  }
}
