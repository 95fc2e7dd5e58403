// Everything behind and around the arrows: fault periods (shaded like Jepsen's nemesis
// regions), compressed idle gaps, lane lines, the time axis in the left gutter, the lane
// header on top, and the replay cursor.

import { formatMs } from '../model/describe.ts';
import type { FaultPeriod, TraceModel } from '../model/model.ts';
import { COLORS } from './colors.ts';
import { GUTTER_PX, HEADER_PX, type Viewport } from './viewport.ts';

const FONT = '11px system-ui, sans-serif';
const FONT_BOLD = 'bold 12px system-ui, sans-serif';
const TICK_SPACING_PX = 70;
const TICK_MIN_GAP_PX = 16;

export function drawFaults(ctx: CanvasRenderingContext2D, vp: Viewport, faults: readonly FaultPeriod[]): number {
  let drawn = 0;
  const { from, to } = vp.visibleTimes();
  for (const f of faults) {
    if (f.to_ms < from || f.from_ms > to) continue;
    const y0 = Math.max(HEADER_PX, vp.y(f.from_ms));
    const y1 = Math.min(vp.height_px, Math.max(vp.y(f.to_ms), y0 + 2));
    ctx.fillStyle = f.name === 'partition' ? COLORS.faultPartition : COLORS.faultOther;
    ctx.fillRect(GUTTER_PX, y0, vp.width_px - GUTTER_PX, y1 - y0);
    ctx.fillStyle = COLORS.drop;
    ctx.font = FONT;
    ctx.textAlign = 'right';
    ctx.fillText(`${f.name} @${f.node}${f.end === undefined ? ' (no end)' : ''}`, vp.width_px - 6, y0 + 12);
    drawn++;
  }
  return drawn;
}

/** Axis-break marks sit just right of the gutter, in the diagram, never on the axis labels. */
export const BREAK_X_PX = GUTTER_PX + 1;
const BREAK_W_PX = 8;

export function drawIdleGaps(ctx: CanvasRenderingContext2D, vp: Viewport): void {
  const { from, to } = vp.visibleTimes();
  ctx.font = FONT;
  ctx.textAlign = 'left';
  for (const g of vp.scale.gaps) {
    if (g.to_ms < from || g.from_ms > to) continue;
    const y0 = vp.y(g.from_ms);
    const y1 = vp.y(g.to_ms);
    // an axis break (two short rules) always; a band with a label only when there is room
    ctx.fillStyle = COLORS.axisBreak;
    ctx.fillRect(BREAK_X_PX, y0, BREAK_W_PX, 1);
    ctx.fillRect(BREAK_X_PX, Math.max(y0 + 2, y1), BREAK_W_PX, 1);
    if (y1 - y0 < 14) continue;
    ctx.fillStyle = COLORS.idle;
    ctx.fillRect(GUTTER_PX, y0, vp.width_px - GUTTER_PX, y1 - y0);
    ctx.fillStyle = COLORS.axisText;
    ctx.fillText(`⋯ ${formatMs(g.to_ms - g.from_ms)} idle`, GUTTER_PX + 6 + BREAK_W_PX, (y0 + y1) / 2 + 4);
  }
}

export function drawLanes(ctx: CanvasRenderingContext2D, vp: Viewport, model: TraceModel): void {
  for (const lane of model.lanes) {
    const x = vp.x(lane.index);
    if (x < GUTTER_PX - 20 || x > vp.width_px + 20) continue;
    if (lane.type === 'nat') {
      ctx.fillStyle = COLORS.laneBandNat;
      ctx.fillRect(x - vp.laneWidth_px * 0.18, HEADER_PX, vp.laneWidth_px * 0.36, vp.height_px - HEADER_PX);
    }
    ctx.strokeStyle = lane.type === 'nat' ? COLORS.laneNat : lane.type === 'server' ? COLORS.laneServer : COLORS.laneHost;
    ctx.lineWidth = lane.type === 'host' ? 1 : 1.5;
    ctx.setLineDash(lane.type === 'nat' ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(x, HEADER_PX);
    ctx.lineTo(x, vp.height_px);
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

/** Nice step (1, 2, 5 x 10^n) for about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m >= 5 ? 10 : m >= 2 ? 5 : m >= 1 ? 2 : 1) * p;
}

export function drawAxis(ctx: CanvasRenderingContext2D, vp: Viewport): void {
  ctx.fillStyle = COLORS.header;
  ctx.fillRect(0, HEADER_PX, GUTTER_PX, vp.height_px - HEADER_PX);
  const { from, to } = vp.visibleTimes();
  const lo = Math.max(from, vp.scale.t_min);
  const hi = Math.min(to, vp.scale.t_max);
  if (!(hi > lo)) return;
  const count = Math.max(2, (vp.height_px - HEADER_PX) / TICK_SPACING_PX);
  const step = tickStep(hi - lo, count);
  const ticks_max = 400;
  // candidates: the edges of each compressed gap first (they say where time jumps), then
  // the round ticks outside every gap (inside one, time is not linear); placed in y order,
  // each at least TICK_MIN_GAP_PX from the last, so no two labels overprint
  const gaps = vp.scale.gaps.filter((g) => g.to_ms >= lo && g.from_ms <= hi);
  const candidates: { t: number; edge: boolean }[] = [];
  for (const g of gaps) {
    if (g.from_ms >= lo) candidates.push({ t: g.from_ms, edge: true });
    if (g.to_ms <= hi) candidates.push({ t: g.to_ms, edge: true });
  }
  let gi = 0;
  let n = 0;
  for (let t = Math.ceil(lo / step) * step; t <= hi && n < ticks_max; t += step, n++) {
    while (gi < gaps.length && gaps[gi]!.to_ms <= t) gi++;
    if (gi < gaps.length && gaps[gi]!.from_ms < t) continue;
    candidates.push({ t, edge: false });
  }
  const ys = candidates.map((c) => ({ ...c, y: vp.y(c.t) })).filter((c) => c.y >= HEADER_PX + 6);
  // gap edges win a clash: keep them, then add round ticks that clear every kept label
  const kept: number[] = ys.filter((c) => c.edge).map((c) => c.y).sort((a, b) => a - b);
  const clear = (y: number): boolean => kept.every((k) => Math.abs(k - y) >= TICK_MIN_GAP_PX);
  const edges = kept.filter((y, i) => i === 0 || y - kept[i - 1]! >= TICK_MIN_GAP_PX);
  kept.length = 0;
  kept.push(...edges);
  const labels: { t: number; y: number }[] = ys.filter((c) => c.edge && edges.includes(c.y));
  for (const c of ys) {
    if (c.edge || !clear(c.y)) continue;
    kept.push(c.y);
    labels.push(c);
  }
  ctx.font = FONT;
  ctx.textAlign = 'right';
  for (const l of labels) {
    ctx.fillStyle = COLORS.grid;
    ctx.fillRect(GUTTER_PX, l.y, vp.width_px - GUTTER_PX, 1);
    ctx.fillStyle = COLORS.axisText;
    ctx.fillText(formatMs(l.t), GUTTER_PX - 6, l.y + 4);
  }
}

export function drawHeader(ctx: CanvasRenderingContext2D, vp: Viewport, model: TraceModel): void {
  ctx.fillStyle = COLORS.header;
  ctx.fillRect(0, 0, vp.width_px, HEADER_PX);
  ctx.fillStyle = '#d8dde3';
  ctx.fillRect(0, HEADER_PX - 1, vp.width_px, 1);
  ctx.textAlign = 'center';
  for (const lane of model.lanes) {
    const x = vp.x(lane.index);
    if (x < GUTTER_PX - 60 || x > vp.width_px + 60) continue;
    ctx.fillStyle = lane.type === 'nat' ? COLORS.laneNat : lane.type === 'server' ? COLORS.laneServer : COLORS.headerText;
    ctx.font = FONT_BOLD;
    ctx.fillText(lane.name, x, 18);
    ctx.font = FONT;
    ctx.fillStyle = COLORS.axisText;
    const sub = lane.type === 'nat' ? `NAT ${lane.node?.preset ?? ''}` : `${lane.type} ${lane.node?.ips[0] ?? ''}`;
    ctx.fillText(sub.slice(0, Math.floor(vp.laneWidth_px / 6)), x, 34);
  }
  ctx.textAlign = 'left';
  ctx.fillStyle = COLORS.axisText;
  ctx.fillText('time ↓', 8, 34);
}

const VEIL_GAP_PX = 6;

/** What happens after the cursor, faded: a white veil from the cursor down. */
export function drawFutureVeil(ctx: CanvasRenderingContext2D, vp: Viewport, cursor_ms: number): void {
  // a few pixels below the line, so what happens at the cursor itself is not veiled
  const y = Math.max(HEADER_PX, vp.y(cursor_ms) + VEIL_GAP_PX);
  if (y >= vp.height_px) return;
  ctx.fillStyle = COLORS.futureVeil;
  ctx.fillRect(0, y, vp.width_px, vp.height_px - y);
}

export function drawCursor(ctx: CanvasRenderingContext2D, vp: Viewport, cursor_ms: number): void {
  const y = vp.y(cursor_ms);
  if (y < HEADER_PX || y > vp.height_px) return;
  ctx.strokeStyle = COLORS.cursor;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(0, y);
  ctx.lineTo(vp.width_px, y);
  ctx.stroke();
  const label = formatMs(cursor_ms);
  ctx.font = FONT_BOLD;
  // the box grows to fit long labels ("827.795 ms") rather than clipping them
  const width = Math.max(GUTTER_PX - 2, ctx.measureText(label).width + 12);
  ctx.fillStyle = COLORS.cursor;
  ctx.fillRect(0, y - 9, width, 18);
  ctx.fillStyle = '#fff';
  ctx.textAlign = 'right';
  ctx.fillText(label, width - 6, y + 4);
}
