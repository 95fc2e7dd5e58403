// Draws the datagrams and marks of the visible time window onto the canvas. Only the
// window is visited (binary search by time), strokes are batched per colour, and when a
// window holds more arrows than `LOD_ARROWS_MIN` arrows that would land on the same pixel
// row between the same lanes are drawn once, so a 200,000-event overview stays fast.

import type { FilterMasks } from '../model/filter.ts';
import { lowerBound, type Datagram, type Mark, type TraceModel } from '../model/model.ts';
import type { PathCache } from '../model/path.ts';
import { COLORS, protoColor } from './colors.ts';
import { LabelGate } from './labels.ts';
import { HEADER_PX, type Viewport } from './viewport.ts';

/** Above this many arrows in view, deduplicate arrows per pixel row and lane pair. */
export const LOD_ARROWS_MIN = 4000;
/** Arrowheads, drop labels, NAT labels and mark labels only below these counts. */
const ARROWHEADS_MAX = 3000;
const DROP_LABELS_MAX = 600;
const NAT_LABELS_MAX = 400;
const MARK_LABELS_MAX = 600;
const FUTURE_ALPHA = 0.18;
const FONT = '10px system-ui, sans-serif';

export interface DrawnCounts {
  arrows: number;
  drops: number;
  natHops: number;
  marks: number;
  lod: boolean;
}

/** Index range of datagrams that may overlap [from, to]. */
export function datagramWindow(model: TraceModel, from: number, to: number): { start: number; end: number } {
  const start = lowerBound(model.datagrams, from - model.datagramSpanMax_ms, (d) => d.t0);
  const end = lowerBound(model.datagrams, to + 1e-9, (d) => d.t0);
  return { start, end };
}

export function markWindow(model: TraceModel, from: number, to: number): { start: number; end: number } {
  return { start: lowerBound(model.marks, from, (m) => m.event.t), end: lowerBound(model.marks, to + 1e-9, (m) => m.event.t) };
}

interface Batch {
  past: number[];
  future: number[];
}

export interface DrawContext {
  readonly model: TraceModel;
  readonly paths: PathCache;
  readonly masks: FilterMasks;
  readonly cursor_ms: number;
  readonly selected: Datagram | Mark | undefined;
}

export function drawDatagrams(ctx: CanvasRenderingContext2D, vp: Viewport, dc: DrawContext): DrawnCounts {
  const { model, paths, masks, cursor_ms } = dc;
  const { from, to } = vp.visibleTimes();
  const { start, end } = datagramWindow(model, from, to);
  const counts: DrawnCounts = { arrows: 0, drops: 0, natHops: 0, marks: 0, lod: false };
  const visible: Datagram[] = [];
  for (let i = start; i < end; i++) {
    const d = model.datagrams[i]!;
    if (d.t1 < from || masks.datagrams[d.index] === 0) continue;
    visible.push(d);
  }
  counts.arrows = visible.length;
  const lod = visible.length > LOD_ARROWS_MIN;
  counts.lod = lod;
  const seen = new Set<number>();
  const batches = new Map<string, Batch>();
  const drops: { x: number; y: number; lane: number; reason: string; future: boolean }[] = [];
  const hops: { x: number; y: number; lane: number; label: string; future: boolean }[] = [];
  const heads: { x0: number; y0: number; x1: number; y1: number; color: string; future: boolean }[] = [];
  for (const d of visible) {
    const path = paths.get(d);
    const color = protoColor(d.proto);
    let batch = batches.get(color);
    if (batch === undefined) {
      batch = { past: [], future: [] };
      batches.set(color, batch);
    }
    for (const s of path.segments) {
      const x0 = vp.x(s.from.lane);
      const y0 = vp.y(s.from.t);
      const x1 = vp.x(s.to.lane);
      const y1 = vp.y(s.to.t);
      if (lod) {
        const key = Math.round(y0) * 4096 + Math.round(s.from.lane * 2) * 64 + Math.round(s.to.lane * 2);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      (s.to.t > cursor_ms ? batch.future : batch.past).push(x0, y0, x1, y1);
    }
    const last = path.segments[path.segments.length - 1];
    if (!lod && last !== undefined && d.ends.some((e) => e.kind === 'deliver')) {
      heads.push({ x0: vp.x(last.from.lane), y0: vp.y(last.from.t), x1: vp.x(last.to.lane), y1: vp.y(last.to.t), color, future: last.to.t > cursor_ms });
    }
    for (const dr of path.drops) {
      drops.push({ x: vp.x(dr.at.lane), y: vp.y(dr.at.t), lane: dr.at.lane, reason: dr.event.reason, future: dr.at.t > cursor_ms });
    }
    if (masks.showNatHops) {
      for (const h of path.natHops) {
        const e = h.event;
        const label = e.dir === 'in' ? `${e.dst}⇒${e.to_dst}` : `${e.src}⇒${e.to_src}`;
        hops.push({ x: vp.x(h.at.lane), y: vp.y(h.at.t), lane: h.at.lane, label, future: h.at.t > cursor_ms });
      }
    }
  }
  ctx.lineWidth = 1.3;
  for (const [color, batch] of batches) {
    for (const [list, alpha] of [
      [batch.past, 1],
      [batch.future, FUTURE_ALPHA],
    ] as const) {
      if (list.length === 0) continue;
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = color;
      ctx.beginPath();
      for (let i = 0; i < list.length; i += 4) {
        ctx.moveTo(list[i]!, list[i + 1]!);
        ctx.lineTo(list[i + 2]!, list[i + 3]!);
      }
      ctx.stroke();
    }
  }
  if (heads.length <= ARROWHEADS_MAX) {
    for (const h of heads) {
      ctx.globalAlpha = h.future ? FUTURE_ALPHA : 1;
      arrowhead(ctx, h.x0, h.y0, h.x1, h.y1, h.color);
    }
  }
  // NAT translations: a diamond on the NAT lane, labelled with the rewrite when few.
  counts.natHops = hops.length;
  const gate = new LabelGate();
  // drop reasons claim their label space first: they matter more than NAT rewrites
  const dropLabelled = drops.map((dr) => drops.length <= DROP_LABELS_MAX && gate.admit(`r${dr.lane}`, dr.y));
  ctx.font = FONT;
  ctx.textAlign = 'left';
  for (const h of hops) {
    ctx.globalAlpha = h.future ? FUTURE_ALPHA : 1;
    ctx.fillStyle = COLORS.nat;
    ctx.beginPath();
    ctx.moveTo(h.x, h.y - 4);
    ctx.lineTo(h.x + 4, h.y);
    ctx.lineTo(h.x, h.y + 4);
    ctx.lineTo(h.x - 4, h.y);
    ctx.fill();
    if (hops.length <= NAT_LABELS_MAX && gate.admit(`r${h.lane}`, h.y)) ctx.fillText(h.label, h.x + 6, h.y - 3);
  }
  // Drops: a red cross where the datagram died, with the reason.
  counts.drops = drops.length;
  ctx.lineWidth = 2;
  drops.forEach((dr, i) => {
    ctx.globalAlpha = dr.future ? FUTURE_ALPHA + 0.1 : 1;
    ctx.strokeStyle = COLORS.drop;
    ctx.beginPath();
    ctx.moveTo(dr.x - 4, dr.y - 4);
    ctx.lineTo(dr.x + 4, dr.y + 4);
    ctx.moveTo(dr.x + 4, dr.y - 4);
    ctx.lineTo(dr.x - 4, dr.y + 4);
    ctx.stroke();
    if (dropLabelled[i] === true) {
      ctx.fillStyle = COLORS.drop;
      ctx.fillText(dr.reason, dr.x + 7, dr.y + 4);
    }
  });
  ctx.globalAlpha = 1;
  if (dc.selected !== undefined && 'proto' in dc.selected) highlight(ctx, vp, dc.paths, dc.selected);
  return counts;
}

function arrowhead(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, color: string): void {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const size = 6;
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - size * Math.cos(angle - 0.4), y1 - size * Math.sin(angle - 0.4));
  ctx.lineTo(x1 - size * Math.cos(angle + 0.4), y1 - size * Math.sin(angle + 0.4));
  ctx.fill();
}

function highlight(ctx: CanvasRenderingContext2D, vp: Viewport, paths: PathCache, d: Datagram): void {
  const path = paths.get(d);
  ctx.strokeStyle = COLORS.selection;
  ctx.lineWidth = 3.5;
  ctx.beginPath();
  for (const s of path.segments) {
    ctx.moveTo(vp.x(s.from.lane), vp.y(s.from.t));
    ctx.lineTo(vp.x(s.to.lane), vp.y(s.to.t));
  }
  ctx.stroke();
  ctx.strokeStyle = protoColor(d.proto);
  ctx.lineWidth = 1.5;
  ctx.stroke();
}

function markLabel(m: Mark): string {
  const e = m.event;
  switch (e.kind) {
    case 'nat-map':
      return `map ${e.internal}⇒${e.external}`;
    case 'nat-expire':
      return `expire ${e.external}`;
    case 'event':
      return e.name;
    case 'log':
      return e.message.slice(0, 40);
    case 'timer':
      return '';
  }
}

export function drawMarks(ctx: CanvasRenderingContext2D, vp: Viewport, dc: DrawContext, counts: DrawnCounts): void {
  const { from, to } = vp.visibleTimes();
  const { start, end } = markWindow(dc.model, from, to);
  const visible: Mark[] = [];
  for (let i = start; i < end; i++) {
    const m = dc.model.marks[i]!;
    if (dc.masks.marks[m.index] === 1) visible.push(m);
  }
  counts.marks = visible.length;
  const labels = visible.length <= MARK_LABELS_MAX;
  const gate = new LabelGate();
  ctx.font = FONT;
  ctx.textAlign = 'right';
  for (const m of visible) {
    const e = m.event;
    const x = vp.x(m.lane);
    const y = vp.y(e.t);
    if (y < HEADER_PX) continue;
    ctx.globalAlpha = e.t > dc.cursor_ms ? FUTURE_ALPHA + 0.1 : 1;
    const color = e.kind === 'log' ? (e.level === 'error' ? COLORS.error : e.level === 'warn' ? COLORS.warn : COLORS.mark) : e.kind.startsWith('nat') ? COLORS.nat : COLORS.mark;
    ctx.fillStyle = color;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    if (e.kind === 'event') {
      ctx.beginPath();
      ctx.arc(x, y, 4, 0, Math.PI * 2);
      ctx.fill();
    } else if (e.kind === 'nat-map') {
      ctx.fillRect(x - 4, y - 4, 8, 8);
    } else if (e.kind === 'nat-expire') {
      ctx.strokeRect(x - 4, y - 4, 8, 8);
    } else if (e.kind === 'timer') {
      ctx.fillRect(x - 3, y - 0.5, 6, 1.5);
    } else {
      ctx.beginPath();
      ctx.moveTo(x, y - 5);
      ctx.lineTo(x + 5, y + 4);
      ctx.lineTo(x - 5, y + 4);
      ctx.fill();
    }
    if (labels) {
      const text = markLabel(m);
      // NAT mappings label to the right (beside the translations), the rest to the left
      const right = e.kind === 'nat-map' || e.kind === 'nat-expire';
      if (text !== '' && gate.admit(`${right ? 'r' : 'l'}${m.lane}`, y)) {
        ctx.textAlign = right ? 'left' : 'right';
        ctx.fillText(text, right ? x + 8 : x - 8, y + 4);
      }
    }
    if (dc.selected === m) {
      ctx.strokeStyle = COLORS.selection;
      ctx.strokeRect(x - 7, y - 7, 14, 14);
    }
  }
  ctx.globalAlpha = 1;
}
