// `window.__peerlab`: a small test hook so the end-to-end test and the bench check what the
// viewer built and drew without guessing pixels. Not part of the user interface.

import type { App } from './app.ts';
import { countsVisited } from './model/counts.ts';
import type { PacketId } from './trace/types.ts';

export interface PeerlabHook {
  ready: boolean;
  /** download/read + parse + model + panels + first frame of the last load */
  loadTime_ms: number;
  loadBreakdown_ms: Record<string, number>;
  /** when the first frame of the last load was drawn (ms since navigation start): from the
   * first events of a big trace while the rest still loads, else with `ready` */
  firstFrameAt_ms: number | undefined;
  error: string | undefined;
  counts(): { lanes: number; arrows: number; drops: number; natHops: number; marks: number; faults: number; events: number; problems: number };
  drawn(): { arrows: number; drops: number; natHops: number; marks: number; lod: boolean };
  cursor(): number;
  timeRange(): { t_min: number; t_max: number };
  setCursor(t: number): void;
  fit(): void;
  /** ids of datagrams that were delivered / dropped, optionally only those through a NAT */
  datagramIds(outcome: 'deliver' | 'drop', limit: number, viaNat?: boolean): PacketId[];
  /** zooms to the datagram and returns the page coordinates of its arrow's middle */
  datagramPoint(id: PacketId): { x: number; y: number } | undefined;
  /** page y of a time at the current zoom */
  timeY(t: number): number;
  selectedId(): PacketId | undefined;
  /** draws `n` frames synchronously while panning by `dy` px each; returns ms per frame */
  frameTimes(n: number, dy: number): number[];
  /** pans by `dy` px on each of `n` animation frames; resolves to the intervals between
   * frames (ms): what a user panning sees, painting and compositing included */
  rafFrameTimes(n: number, dy: number): Promise<number[]>;
  /** zooms so about `span_ms` of the trace around `t` fills the view */
  zoomTo(t: number, span_ms: number): void;
  /** lane index of a node, and the (fractional) lane where a datagram's first drop is drawn */
  laneIndex(name: string): number | undefined;
  /** draws one frame directly now (never from the pan cache) */
  redraw(): void;
  /** frames drawn so far, and how many of them were painted from the pan cache */
  frameCounts(): { frames: number; cached: number; cacheBuilds: number };
  /** events the panels' running counts have visited so far (playback adds, never recounts) */
  countsVisited(): number;
  /** events of the model the first frame of the last load was drawn from */
  firstFrameEvents: number | undefined;
  dropLane(id: PacketId): number | undefined;
}

export function installHook(getApp: () => App | undefined): PeerlabHook {
  const app = (): App => {
    const a = getApp();
    if (a === undefined) throw new Error('no trace loaded');
    return a;
  };
  const hook: PeerlabHook = {
    ready: false,
    loadTime_ms: 0,
    loadBreakdown_ms: {},
    firstFrameAt_ms: undefined,
    firstFrameEvents: undefined,
    countsVisited,
    error: undefined,
    counts: () => {
      const m = app().model;
      return {
        lanes: m.lanes.length,
        arrows: m.datagrams.length,
        drops: m.drops.length,
        natHops: m.datagrams.reduce((n, d) => n + d.nats.length, 0),
        marks: m.marks.length,
        faults: m.faults.length,
        events: m.trace.events.length,
        problems: m.trace.problems.length + m.trace.problemsDropped,
      };
    },
    drawn: () => ({ ...app().view.lastDrawn }),
    cursor: () => app().state.cursor_ms,
    timeRange: () => ({ t_min: app().model.t_min, t_max: app().model.t_max }),
    setCursor: (t) => app().setCursor(t),
    fit: () => {
      app().view.fit();
      app().view.draw();
    },
    datagramIds: (outcome, limit, viaNat = false) => {
      const out: PacketId[] = [];
      for (const d of app().model.datagrams) {
        if (out.length >= limit) break;
        if (viaNat && d.nats.length === 0) continue;
        if (d.send !== undefined && d.ends.length === 1 && d.ends[0]!.kind === outcome) out.push(d.id);
      }
      return out;
    },
    datagramPoint: (id) => {
      const a = app();
      const d = a.model.datagramById.get(id);
      if (d === undefined) return undefined;
      const p = a.view.reveal(d);
      a.view.draw();
      if (p === undefined) return undefined;
      const r = a.view.canvas.getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    },
    timeY: (t) => app().view.canvas.getBoundingClientRect().top + app().view.viewport.y(t),
    selectedId: () => {
      const s = app().state.selected;
      return s !== undefined && 'proto' in s ? s.id : undefined;
    },
    zoomTo: (t, span_ms) => {
      app().view.showRange(t - span_ms / 2, t + span_ms / 2);
      app().view.draw();
    },
    laneIndex: (name) => app().model.laneOf.get(name),
    redraw: () => app().view.redrawDirect(),
    frameCounts: () => ({ frames: app().view.frames, cached: app().view.cachedFrames, cacheBuilds: app().view.panCache.builds }),
    dropLane: (id) => {
      const a = app();
      const d = a.model.datagramById.get(id);
      return d === undefined ? undefined : a.state.paths.get(d).drops[0]?.at.lane;
    },
    rafFrameTimes: (n, dy) =>
      new Promise((resolve) => {
        const a = app();
        const intervals: number[] = [];
        let last: number | undefined;
        const step = (now: number): void => {
          if (last !== undefined) intervals.push(now - last);
          last = now;
          if (intervals.length >= n) {
            resolve(intervals);
            return;
          }
          const z = a.view.viewport.zoom;
          a.view.viewport.zoom = a.view.viewport.clamp({ k: z.k, x: z.x, y: z.y - dy });
          a.view.draw();
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    frameTimes: (n, dy) => {
      const a = app();
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const z = a.view.viewport.zoom;
        a.view.viewport.zoom = a.view.viewport.clamp({ k: z.k, x: z.x, y: z.y - dy });
        const started = performance.now();
        a.view.draw();
        // reading one pixel forces the canvas to rasterise, so the time includes painting
        a.view.canvas.getContext('2d')?.getImageData(0, 0, 1, 1);
        times.push(performance.now() - started);
      }
      return times;
    },
  };
  (window as unknown as { __peerlab: PeerlabHook }).__peerlab = hook;
  return hook;
}
