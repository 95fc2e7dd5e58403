// The space-time diagram widget: a canvas sized to its container (device-pixel sharp),
// d3-zoom for wheel/drag zoom and pan, one redraw per animation frame when something
// changed, and click-to-inspect through the hit test.

import { select, zoom as d3zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior } from 'd3';
import type { FilterMasks } from '../model/filter.ts';
import type { Datagram, Mark, TraceModel } from '../model/model.ts';
import type { PathCache } from '../model/path.ts';
import type { TimeScale } from '../layout/timescale.ts';
import { drawAxis, drawCursor, drawFaults, drawFutureVeil, drawHeader, drawIdleGaps, drawLanes } from '../render/backdrop.ts';
import { COLORS } from '../render/colors.ts';
import { LabelGate } from '../render/labels.ts';
import { PanCache } from '../render/pan-cache.ts';
import { countArrows, drawDatagrams, drawMarks, type DrawnCounts } from '../render/diagram.ts';
import { datagramAnchor, hitTest, type Hit } from '../render/hit-test.ts';
import { HEADER_PX, PAD_PX, Viewport, type ZoomState } from '../render/viewport.ts';

export interface DiagramState {
  readonly model: TraceModel;
  readonly paths: PathCache;
  masks: FilterMasks;
  cursor_ms: number;
  selected: Datagram | Mark | undefined;
}

/** After the last cached pan frame, redraw for real once the view has been still this long. */
const PAN_SETTLE_MS = 150;

export class DiagramView {
  readonly canvas: HTMLCanvasElement;
  readonly viewport: Viewport;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly zoomBehavior: ZoomBehavior<HTMLCanvasElement, unknown>;
  private frameRequested = false;
  /** level-of-detail views pan by blitting a cached layer (render/pan-cache.ts) */
  readonly panCache = new PanCache();
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly resizeObserver: ResizeObserver;
  private disposed = false;
  private resizedOnce = false;
  /** counts of what the last frame drew, and how long it took */
  lastDrawn: DrawnCounts = { arrows: 0, drops: 0, natHops: 0, marks: 0, lod: false };
  lastFrame_ms = 0;
  frames = 0;
  /** frames painted from the pan cache (playback and panning should mostly be these) */
  cachedFrames = 0;
  onPick: (hit: Hit | undefined) => void = () => undefined;
  onZoom: () => void = () => undefined;

  constructor(
    private readonly host: HTMLElement,
    private readonly state: DiagramState,
    scale: TimeScale,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'diagram-canvas';
    host.appendChild(this.canvas);
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) throw new Error('canvas 2d context unavailable');
    this.ctx = ctx;
    this.viewport = new Viewport(scale, state.model.lanes.length);
    this.zoomBehavior = d3zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.5, this.viewport.zoomMax])
      .constrain((t) => {
        const c = this.viewport.clamp({ k: t.k, x: t.x, y: t.y });
        return zoomIdentity.translate(c.x, c.y).scale(c.k);
      })
      .on('zoom', (event: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        const t = event.transform;
        this.viewport.zoom = { k: t.k, x: t.x, y: t.y };
        this.onZoom();
        this.requestDraw();
      });
    select(this.canvas).call(this.zoomBehavior).on('dblclick.zoom', null);
    this.canvas.addEventListener('click', (ev) => {
      const r = this.canvas.getBoundingClientRect();
      const x = ev.clientX - r.left;
      const y = ev.clientY - r.top;
      if (y < HEADER_PX) return;
      this.onPick(hitTest(this.viewport, state.model, state.paths, state.masks, x, y));
    });
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(host);
    this.resize();
  }

  /** Lets go of everything that outlives the canvas: the observer (which holds this view and
   * so the whole model), the settle timer and any queued frame. */
  dispose(): void {
    this.disposed = true;
    this.resizeObserver.disconnect();
    if (this.settleTimer !== undefined) clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.panCache.invalidate();
    this.canvas.remove();
  }

  private resize(): void {
    const w = Math.max(50, this.host.clientWidth);
    const h = Math.max(50, this.host.clientHeight);
    // the time scale follows the height: keep the same time window in view across a resize
    // (the toolbar wrapping, the outcome header appearing, the window resized)
    const sized = this.canvas.width > 0 && this.viewport.height_px > 0 && this.viewport.height_px !== h;
    // exactly what showRange fills (inside the padding), so repeated resizes do not drift
    const keep = sized ? { from: this.viewport.t(HEADER_PX + PAD_PX), to: this.viewport.t(this.viewport.height_px - PAD_PX) } : undefined;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.viewport.width_px = w;
    this.viewport.height_px = h;
    this.zoomBehavior.scaleExtent([0.5, this.viewport.zoomMax]);
    if (keep !== undefined && this.resizedOnce) this.showRange(keep.from, keep.to);
    this.resizedOnce = true;
    this.requestDraw();
  }

  /** Swaps the time scale (idle compression on/off) keeping the centre time in view. */
  setScale(scale: TimeScale): void {
    const centre = this.viewport.t((HEADER_PX + this.viewport.height_px) / 2);
    this.viewport.scale = scale;
    this.zoomBehavior.scaleExtent([0.5, this.viewport.zoomMax]);
    this.setZoom(this.viewport.panTo(centre, this.viewport.zoom.k, 0.5));
  }

  setZoom(z: ZoomState): void {
    select(this.canvas).call(this.zoomBehavior.transform, zoomIdentity.translate(z.x, z.y).scale(z.k));
  }

  fit(): void {
    this.setZoom({ k: 1, x: 0, y: 0 });
  }

  /** Keeps the cursor in view while playing: recentre when it leaves the middle band. */
  follow(t: number): void {
    const y = this.viewport.y(t);
    const h = this.viewport.height_px;
    if (y < HEADER_PX + 10 || y > h * 0.9) this.setZoom(this.viewport.panTo(t, this.viewport.zoom.k, 0.3));
  }

  /** Zooms so [from, to] fills the view below the header. */
  showRange(from: number, to: number): void {
    const vp = this.viewport;
    const uSpan = Math.max(1e-6, vp.scale.toU(to) - vp.scale.toU(from));
    const k = Math.min(vp.zoomMax, Math.max(0.5, (vp.height_px - HEADER_PX - 2 * PAD_PX) / (uSpan * vp.pxPerU)));
    this.setZoom({ k, x: vp.zoom.x, y: HEADER_PX + PAD_PX - vp.worldY(from) * k });
  }

  centreOn(t: number, k = this.viewport.zoom.k): void {
    this.setZoom(this.viewport.panTo(t, Math.min(k, this.viewport.zoomMax), 0.45));
  }

  /** Zooms so a datagram's arrow is large and centred; returns its canvas anchor point. */
  reveal(d: Datagram): { x: number; y: number } | undefined {
    const span = Math.max(0.5, d.t1 - d.t0);
    const vp = this.viewport;
    const uSpan = Math.max(1e-6, vp.scale.toU(d.t1) - vp.scale.toU(d.t0));
    const k = Math.min(vp.zoomMax, Math.max(1, (vp.height_px * 0.3) / (uSpan * vp.pxPerU)));
    this.centreOn(d.t0 + span / 2, k);
    return datagramAnchor(vp, this.state.paths, d);
  }

  requestDraw(): void {
    if (this.frameRequested || this.disposed) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  /** Once panning stops, draws directly again (sharp, no whole-pixel rounding of the blit). */
  private settleSoon(): void {
    if (this.settleTimer !== undefined) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.panCache.invalidate();
      this.requestDraw();
    }, PAN_SETTLE_MS);
  }

  /** Draws one frame now without the pan cache (tests read what it draws). */
  redrawDirect(): void {
    this.panCache.invalidate();
    this.draw();
  }

  /** Draws one frame now (also used by the bench to time frames). */
  draw(): void {
    const started = performance.now();
    const ctx = this.ctx;
    const vp = this.viewport;
    const dpr = this.canvas.width / vp.width_px;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, vp.width_px, vp.height_px);
    const s = this.state;
    if (s.masks.showFaults) drawFaults(ctx, vp, s.model.faults);
    drawLanes(ctx, vp, s.model);
    drawAxis(ctx, vp);
    drawIdleGaps(ctx, vp);
    let counts = this.lastDrawn;
    // The layer is drawn as if everything had happened; what is still to come is faded by a
    // veil below the cursor. So the cursor is not part of the cached layer, and playback
    // (a new cursor every frame) pans from the cache instead of redrawing every arrow.
    const drawLayer = (layerCtx: CanvasRenderingContext2D, layerVp: Viewport): void => {
      const dc = { model: s.model, paths: s.paths, masks: s.masks, cursor_ms: Infinity, selected: s.selected, labels: new LabelGate() };
      counts = drawDatagrams(layerCtx, layerVp, dc);
      drawMarks(layerCtx, layerVp, dc, counts);
    };
    // every view pans from the cache: even a zoomed-in frame (~10 ms) risks missing vsync
    const key = { k: vp.zoom.k, x: vp.zoom.x, width_px: vp.width_px, height_px: vp.height_px, dpr, scale: vp.scale, masks: s.masks, cursor_ms: 0, selected: s.selected };
    const cached = this.panCache.paint(ctx, vp, key, drawLayer);
    if (cached) {
      // the layer was drawn over a taller window: count the arrows this view shows (drops,
      // NAT hops and marks stay those of the taller window)
      counts = { ...counts, arrows: countArrows(s.model, vp, s.masks) };
      this.settleSoon();
    }
    else drawLayer(ctx, vp);
    if (cached) this.cachedFrames++;
    drawFutureVeil(ctx, vp, s.cursor_ms);
    drawCursor(ctx, vp, s.cursor_ms);
    drawHeader(ctx, vp, s.model);
    this.lastDrawn = counts;
    this.frames++;
    this.lastFrame_ms = performance.now() - started;
  }
}
