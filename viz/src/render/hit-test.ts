// Finds what the user clicked: the nearest datagram arrow, drop cross or mark within a few
// pixels, searching only the visible window, and the on-screen point of a datagram (for
// the test hook and "reveal").

import type { FilterMasks } from '../model/filter.ts';
import type { Datagram, Mark, TraceModel } from '../model/model.ts';
import type { PathCache } from '../model/path.ts';
import { datagramWindow, markWindow } from './diagram.ts';
import type { Viewport } from './viewport.ts';

const HIT_RADIUS_PX = 7;

export type Hit = { readonly kind: 'datagram'; readonly datagram: Datagram } | { readonly kind: 'mark'; readonly mark: Mark };

function segmentDistance(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
  return Math.hypot(px - (x0 + u * dx), py - (y0 + u * dy));
}

export function hitTest(vp: Viewport, model: TraceModel, paths: PathCache, masks: FilterMasks, px: number, py: number): Hit | undefined {
  const tFrom = vp.t(py - HIT_RADIUS_PX);
  const tTo = vp.t(py + HIT_RADIUS_PX);
  let best: Hit | undefined;
  let bestDistance = HIT_RADIUS_PX;
  // marks first: they are small targets sitting on top of arrows
  const mw = markWindow(model, tFrom, tTo);
  for (let i = mw.start; i < mw.end; i++) {
    const m = model.marks[i]!;
    if (masks.marks[m.index] === 0) continue;
    const dist = Math.hypot(px - vp.x(m.lane), py - vp.y(m.event.t)) - 1;
    if (dist < bestDistance) {
      bestDistance = dist;
      best = { kind: 'mark', mark: m };
    }
  }
  const dw = datagramWindow(model, tFrom, tTo);
  for (let i = dw.start; i < dw.end; i++) {
    const d = model.datagrams[i]!;
    if (d.t1 < tFrom || masks.datagrams[d.index] === 0) continue;
    const path = paths.get(d);
    for (const s of path.segments) {
      const dist = segmentDistance(px, py, vp.x(s.from.lane), vp.y(s.from.t), vp.x(s.to.lane), vp.y(s.to.t));
      if (dist < bestDistance) {
        bestDistance = dist;
        best = { kind: 'datagram', datagram: d };
      }
    }
    for (const dr of path.drops) {
      const dist = Math.hypot(px - vp.x(dr.at.lane), py - vp.y(dr.at.t)) - 2;
      if (dist < bestDistance) {
        bestDistance = dist;
        best = { kind: 'datagram', datagram: d };
      }
    }
  }
  return best;
}

/** The canvas point at the middle of a datagram's first segment (or its drop cross). */
export function datagramAnchor(vp: Viewport, paths: PathCache, d: Datagram): { x: number; y: number; t: number } | undefined {
  const path = paths.get(d);
  const s = path.segments[0];
  if (s !== undefined) {
    const t = (s.from.t + s.to.t) / 2;
    return { x: (vp.x(s.from.lane) + vp.x(s.to.lane)) / 2, y: (vp.y(s.from.t) + vp.y(s.to.t)) / 2, t };
  }
  const dr = path.drops[0];
  return dr === undefined ? undefined : { x: vp.x(dr.at.lane), y: vp.y(dr.at.t), t: dr.at.t };
}
