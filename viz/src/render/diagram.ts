// Draws the datagrams and marks of the visible time window onto the canvas. Only the
// window is visited (binary search by time), strokes are batched per colour, and when a
// window holds more arrows than `LOD_ARROWS_MIN` arrows that would land on the same pixel
// row between the same lanes are drawn once, so a 200,000-event overview stays fast.

import type { FilterMasks } from '../model/filter.ts';
import { ipOf, lowerBound, type Datagram, type Mark, type TraceModel } from '../model/model.ts';
import type { PathCache } from '../model/path.ts';
import { eventLabel } from '../model/describe.ts';
import type { NatEvent } from '../trace/types.ts';
import { COLORS, protoColor } from './colors.ts';
import { LINE_PX, LabelGate, labelColumn } from './labels.ts';
import { cluster, fitText, splitClusters, type LabelCluster } from './label-clusters.ts';
import { PixelSet } from './pixel-set.ts';
import { GUTTER_PX, HEADER_PX, PAD_PX, type Viewport } from './viewport.ts';

/** Above this many arrows in view, deduplicate arrows per pixel row and lane pair. */
export const LOD_ARROWS_MIN = 4000;
/** Arrowheads, drop labels, NAT labels and mark labels only below these counts. */
const ARROWHEADS_MAX = 3000;
const MARK_LABELS_MAX = 600;

const FUTURE_ALPHA = 0.18;
/** Above this many marks in view, draw one per pixel row, lane and kind. */
const MARKS_DEDUPE_MIN = 2000;
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

/** Scratch grids reused by every frame (drawing is single-threaded). */
const segmentCells = new PixelSet();
const dotCells = new PixelSet();
const markCells = new PixelSet();

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
  /** shared by every layer of one frame, so labels of different layers do not overlap */
  readonly labels: LabelGate;
}

/** How many arrows (filtered datagrams) overlap the view: what a frame of it would draw. */
export function countArrows(model: TraceModel, vp: Viewport, masks: FilterMasks): number {
  const { from, to } = vp.visibleTimes();
  const { start, end } = datagramWindow(model, from, to);
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = model.datagrams[i]!;
    if (d.t1 >= from && masks.datagrams[d.index] === 1) n++;
  }
  return n;
}

export function drawDatagrams(ctx: CanvasRenderingContext2D, vp: Viewport, dc: DrawContext): DrawnCounts {
  const { model, paths, masks, cursor_ms } = dc;
  const { from, to } = vp.visibleTimes();
  const { start, end } = datagramWindow(model, from, to);
  const counts: DrawnCounts = { arrows: 0, drops: 0, natHops: 0, marks: 0, lod: false };
  let visibleCount = 0;
  for (let i = start; i < end; i++) {
    const d = model.datagrams[i]!;
    if (d.t1 >= from && masks.datagrams[d.index] === 1) visibleCount++;
  }
  counts.arrows = visibleCount;
  const lod = visibleCount > LOD_ARROWS_MIN;
  counts.lod = lod;
  // one cell per pixel row and (half-)lane pair: arrows in one cell would overlap
  const halfLanes = model.lanes.length * 2 + 1;
  if (lod) {
    segmentCells.reset(vp.height_px + 1, halfLanes * halfLanes);
    dotCells.reset(vp.height_px + 1, (vp.width_px + 1) * 2);
  }
  // the viewport maths inlined: this loop runs for every visible datagram every frame
  const scale = vp.scale;
  const k = vp.zoom.k;
  const zy = vp.zoom.y;
  const pxPerU = vp.pxPerU;
  const top = HEADER_PX + PAD_PX;
  const laneW = vp.laneWidth_px;
  const left = GUTTER_PX + laneW * 0.5 + vp.zoom.x;
  const Y = (t: number): number => (top + scale.toU(t) * pxPerU) * k + zy;
  const X = (lane: number): number => left + laneW * lane;
  const batches = new Map<string, Batch>();
  const crosses: Batch = { past: [], future: [] };
  /** segments of search matches, drawn under everything as a yellow band */
  const matched: number[] = [];
  const diamonds: Batch = { past: [], future: [] };
  // labels are summarised per lane, kind and band of CLUSTER_PX: one drop reads "nat-filtered",
  // a dense spray "1,024 × nat-no-mapping" (never blank, however many are in view)
  const dropLabels = new Map<string, LabelCluster>();
  const hopLabels = new Map<string, LabelCluster>();
  const heads: { x0: number; y0: number; x1: number; y1: number; color: string; future: boolean }[] = [];
  for (let i = start; i < end; i++) {
    const d = model.datagrams[i]!;
    if (d.t1 < from || masks.datagrams[d.index] === 0) continue;
    const path = paths.get(d);
    const color = protoColor(d.proto);
    let batch = batches.get(color);
    if (batch === undefined) {
      batch = { past: [], future: [] };
      batches.set(color, batch);
    }
    if (masks.matchedDatagrams[d.index] === 1) for (const s of path.segments) matched.push(X(s.from.lane), Y(s.from.t), X(s.to.lane), Y(s.to.t));
    for (const s of path.segments) {
      const y0 = Y(s.from.t);
      if (lod && !segmentCells.add(y0, Math.round(s.from.lane * 2) * halfLanes + Math.round(s.to.lane * 2))) continue;
      (s.to.t > cursor_ms ? batch.future : batch.past).push(X(s.from.lane), y0, X(s.to.lane), Y(s.to.t));
    }
    if (!lod) {
      const last = path.segments[path.segments.length - 1];
      if (last !== undefined && d.ends.some((e) => e.kind === 'deliver')) {
        heads.push({ x0: X(last.from.lane), y0: Y(last.from.t), x1: X(last.to.lane), y1: Y(last.to.t), color, future: last.to.t > cursor_ms });
      }
    }
    for (const dr of path.drops) {
      counts.drops++;
      const x = X(dr.at.lane);
      const y = Y(dr.at.t);
      const future = dr.at.t > cursor_ms;
      cluster(dropLabels, `${dr.at.lane}|${dr.event.reason}`, x, y, dr.at.lane, dr.event.reason, future, dr.event);
      if (lod && !dotCells.add(y, Math.round(x) * 2 + (future ? 1 : 0))) continue;
      (future ? crosses.future : crosses.past).push(x, y);
    }
    if (masks.showNatHops) {
      for (const h of path.natHops) {
        counts.natHops++;
        const x = X(h.at.lane);
        const y = Y(h.at.t);
        const future = h.at.t > cursor_ms;
        cluster(hopLabels, `${h.at.lane}|${h.event.dir}`, x, y, h.at.lane, `NAT ${h.event.dir}`, future, h.event);
        if (lod && !dotCells.add(y, Math.round(x) * 2 + (future ? 1 : 0))) continue;
        (future ? diamonds.future : diamonds.past).push(x, y);
      }
    }
  }
  if (matched.length > 0) {
    ctx.strokeStyle = COLORS.match;
    ctx.lineWidth = 8;
    ctx.lineCap = 'round';
    ctx.beginPath();
    for (let i = 0; i < matched.length; i += 4) {
      ctx.moveTo(matched[i]!, matched[i + 1]!);
      ctx.lineTo(matched[i + 2]!, matched[i + 3]!);
    }
    ctx.stroke();
    ctx.lineCap = 'butt';
  }
  ctx.lineWidth = 1.3;
  for (const [color, batch] of batches) {
    paintPastFuture(ctx, batch, FUTURE_ALPHA, (list) => {
      ctx.strokeStyle = color;
      ctx.beginPath();
      for (let i = 0; i < list.length; i += 4) {
        ctx.moveTo(list[i]!, list[i + 1]!);
        ctx.lineTo(list[i + 2]!, list[i + 3]!);
      }
      ctx.stroke();
    });
  }
  if (heads.length <= ARROWHEADS_MAX) {
    for (const h of heads) {
      ctx.globalAlpha = h.future ? FUTURE_ALPHA : 1;
      arrowhead(ctx, h.x0, h.y0, h.x1, h.y1, h.color);
    }
  }
  const gate = dc.labels;
  // drop reasons claim their label space first: they matter more than NAT rewrites
  const dropLabelled = splitClusters(dropLabels.values()).filter((l) => gate.admitText(labelColumn(l.c.lane, 'right'), l.y + 4));
  // NAT translations: a diamond on the NAT lane, labelled with the rewrite when few.
  ctx.font = FONT;
  ctx.textAlign = 'left';
  ctx.fillStyle = COLORS.nat;
  paintPastFuture(ctx, diamonds, FUTURE_ALPHA, (list) => {
    ctx.beginPath();
    for (let i = 0; i < list.length; i += 2) {
      const x = list[i]!;
      const y = list[i + 1]!;
      ctx.moveTo(x, y - 4);
      ctx.lineTo(x + 4, y);
      ctx.lineTo(x, y + 4);
      ctx.lineTo(x - 4, y);
    }
    ctx.fill();
  });
  const labelMax_px = laneW - 10;
  for (const l of splitClusters(hopLabels.values())) {
    const c = l.c;
    const column = labelColumn(c.lane, 'right');
    const baseline = l.y - 3;
    ctx.globalAlpha = l.future ? FUTURE_ALPHA : 1;
    if (l.n > 1) {
      if (gate.admitText(column, baseline)) ctx.fillText(fitText(ctx, `${l.n.toLocaleString('en-US')} × ${c.text}`, labelMax_px), c.x + 6, baseline);
      continue;
    }
    const e = l.event as NatEvent;
    const [before, after] = e.dir === 'in' ? [e.dst, e.to_dst] : [e.src, e.to_src];
    const label = `${before}⇒${after}`;
    if (ctx.measureText(label).width <= labelMax_px) {
      if (gate.admitText(column, baseline)) ctx.fillText(label, c.x + 6, baseline);
    } else if (gate.admitText(column, baseline, 2)) {
      // a narrow lane gets the rewrite on two lines (before, then ⇒ after), never half of it
      ctx.fillText(fitText(ctx, before, labelMax_px), c.x + 6, baseline);
      ctx.fillText(fitText(ctx, `⇒${after}`, labelMax_px), c.x + 6, baseline + LINE_PX);
    } else if (gate.admitText(column, baseline)) {
      // no room for two lines: one, the before address whole and the after abbreviated
      // (`10.0.1.2:5000⇒:49152` when it keeps the NAT's own IP)
      ctx.fillText(fitText(ctx, `${before}⇒${abbreviateAfter(model, c.lane, before, after)}`, labelMax_px), c.x + 6, baseline);
    }
  }
  // Drops: a red cross where the datagram died, with the reason.
  ctx.lineWidth = 2;
  ctx.strokeStyle = COLORS.drop;
  paintPastFuture(ctx, crosses, FUTURE_ALPHA + 0.1, (list) => {
    ctx.beginPath();
    for (let i = 0; i < list.length; i += 2) {
      const x = list[i]!;
      const y = list[i + 1]!;
      ctx.moveTo(x - 4, y - 4);
      ctx.lineTo(x + 4, y + 4);
      ctx.moveTo(x + 4, y - 4);
      ctx.lineTo(x - 4, y + 4);
    }
    ctx.stroke();
  });
  ctx.fillStyle = COLORS.drop;
  for (const l of dropLabelled) {
    ctx.globalAlpha = l.future ? FUTURE_ALPHA + 0.1 : 1;
    ctx.fillText(fitText(ctx, l.n > 1 ? `${l.n.toLocaleString('en-US')} × ${l.c.text}` : l.c.text, labelMax_px), l.c.x + 7, l.y + 4);
  }
  ctx.globalAlpha = 1;
  if (dc.selected !== undefined && 'proto' in dc.selected) highlight(ctx, vp, dc.paths, dc.selected);
  return counts;
}

/**
 * The "after" half of a NAT rewrite, shortened to `:port` when its IP is the NAT's own
 * outside IP or the same as the "before" half's (what the reader already sees); else as is.
 */
export function abbreviateAfter(model: TraceModel, lane: number, before: string, after: string): string {
  const ip = ipOf(after);
  const own = model.lanes[lane]?.node?.outside ?? [];
  if (ip === after || (ip !== ipOf(before) && !own.includes(ip))) return after;
  return after.slice(after.lastIndexOf(':'));
}

/**
 * Paints a flat coordinate list twice: what has happened by the cursor opaque, what is still
 * to come faded to `future_alpha`; empty lists cost no path.
 */
function paintPastFuture(
  ctx: CanvasRenderingContext2D,
  lists: { readonly past: number[]; readonly future: number[] },
  future_alpha: number,
  paint: (list: number[]) => void,
): void {
  for (const [list, alpha] of [
    [lists.past, 1],
    [lists.future, future_alpha],
  ] as const) {
    if (list.length === 0) continue;
    ctx.globalAlpha = alpha;
    paint(list);
  }
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
      return eventLabel(e.name, e.data);
    case 'log':
      return e.message.slice(0, 40);
    case 'timer':
      return '';
  }
}

function markColor(m: Mark): string {
  const e = m.event;
  if (e.kind === 'log') return e.level === 'error' ? COLORS.error : e.level === 'warn' ? COLORS.warn : COLORS.mark;
  return e.kind.startsWith('nat') ? COLORS.nat : COLORS.mark;
}

/** Adds a mark's glyph to the current path (one path per colour, kind and alpha). */
function glyph(ctx: CanvasRenderingContext2D, kind: Mark['event']['kind'], x: number, y: number): void {
  switch (kind) {
    case 'event':
      ctx.moveTo(x + 4, y);
      ctx.arc(x, y, 4, 0, Math.PI * 2);
      break;
    case 'nat-map':
      ctx.rect(x - 4, y - 4, 8, 8);
      break;
    case 'nat-expire':
      ctx.rect(x - 4, y - 4, 8, 8);
      ctx.rect(x - 2.5, y - 2.5, 5, 5);
      break;
    case 'timer':
      ctx.rect(x - 3, y - 0.5, 6, 1.5);
      break;
    case 'log':
      ctx.moveTo(x, y - 5);
      ctx.lineTo(x + 5, y + 4);
      ctx.lineTo(x - 5, y + 4);
      break;
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
  const dedupe = visible.length > MARKS_DEDUPE_MIN;
  const lanes = dc.model.lanes.length;
  if (dedupe) markCells.reset(vp.height_px + 1, lanes * 10);
  // group glyphs so each colour/kind/alpha is one fill
  const groups = new Map<string, { color: string; kind: Mark['event']['kind']; future: boolean; points: number[] }>();
  for (const m of visible) {
    const e = m.event;
    const y = vp.y(e.t);
    if (y < HEADER_PX) continue;
    const x = vp.x(m.lane);
    const future = e.t > dc.cursor_ms;
    if (dedupe && !markCells.add(y, m.lane * 10 + EVENT_KINDS_INDEX[e.kind] * 2 + (future ? 1 : 0))) continue;
    const color = markColor(m);
    const groupKey = `${color}|${e.kind}|${future ? 1 : 0}`;
    let g = groups.get(groupKey);
    if (g === undefined) {
      g = { color, kind: e.kind, future, points: [] };
      groups.set(groupKey, g);
    }
    g.points.push(x, y);
  }
  ctx.fillStyle = COLORS.match;
  ctx.beginPath();
  for (const m of visible) {
    if (dc.masks.matchedMarks[m.index] !== 1) continue;
    const x = vp.x(m.lane);
    const y = vp.y(m.event.t);
    ctx.moveTo(x + 9, y);
    ctx.arc(x, y, 9, 0, Math.PI * 2);
  }
  ctx.fill();
  ctx.lineWidth = 1.5;
  for (const g of groups.values()) {
    ctx.globalAlpha = g.future ? FUTURE_ALPHA + 0.1 : 1;
    ctx.fillStyle = g.color;
    ctx.beginPath();
    for (let i = 0; i < g.points.length; i += 2) glyph(ctx, g.kind, g.points[i]!, g.points[i + 1]!);
    // nat-expire is a hollow square: even-odd fill of the two nested rects
    ctx.fill(g.kind === 'nat-expire' ? 'evenodd' : 'nonzero');
  }
  if (visible.length <= MARK_LABELS_MAX) {
    const gate = dc.labels;
    ctx.font = FONT;
    for (const m of visible) {
      const e = m.event;
      const y = vp.y(e.t);
      // NAT mappings label to the right (beside the translations), the rest to the left
      const x = vp.x(m.lane);
      const full = markLabel(m);
      const wide_px = vp.laneWidth_px - 12;
      // a left label stops short of the time axis; one that would be cut there (the first
      // lane's) goes to the right of its lane instead
      const leftRoom_px = Math.min(wide_px, x - 8 - GUTTER_PX - 4);
      const right = e.kind === 'nat-map' || e.kind === 'nat-expire' || (leftRoom_px < wide_px && ctx.measureText(full).width > leftRoom_px);
      const room_px = right ? wide_px : leftRoom_px;
      const text = room_px < 20 ? '' : fitText(ctx, full, room_px);
      if (y < HEADER_PX || text === '' || !gate.admitText(labelColumn(m.lane, right ? 'right' : 'left'), y + 4)) continue;
      ctx.globalAlpha = e.t > dc.cursor_ms ? FUTURE_ALPHA + 0.1 : 1;
      ctx.fillStyle = markColor(m);
      ctx.textAlign = right ? 'left' : 'right';
      ctx.fillText(text, right ? x + 8 : x - 8, y + 4);
    }
  }
  const sel = dc.selected;
  if (sel !== undefined && !('proto' in sel)) {
    ctx.globalAlpha = 1;
    ctx.strokeStyle = COLORS.selection;
    ctx.strokeRect(vp.x(sel.lane) - 7, vp.y(sel.event.t) - 7, 14, 14);
  }
  ctx.globalAlpha = 1;
}

const EVENT_KINDS_INDEX: Readonly<Record<Mark['event']['kind'], number>> = { 'nat-map': 0, 'nat-expire': 1, timer: 2, event: 3, log: 4 };
