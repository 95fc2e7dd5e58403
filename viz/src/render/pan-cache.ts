// A bitmap cache of the datagram and mark layer for panning (a 200,000-event overview takes
// ~30 ms to draw, a zoomed view ~10 ms, a blit ~1 ms): the layer is drawn once into an
// offscreen canvas taller than the view by a margin above and below, and a vertical pan within that margin is a blit at an offset. Anything
// else (zoom, horizontal pan, size, filter, cursor, selection, time scale) rebuilds it; the
// owner redraws for real once the pan settles, so the blit's whole-pixel rounding never stays.

import type { FilterMasks } from '../model/filter.ts';
import type { Datagram, Mark } from '../model/model.ts';
import type { TimeScale } from '../layout/timescale.ts';
import { Viewport } from './viewport.ts';

/** Extra height drawn above and below the view, as a fraction of the view height. */
const MARGIN_FRACTION = 1;

/** A move between two frames larger than this fraction of the view height is a jump, not a pan. */
const PAN_STEP_FRACTION_MAX = 0.25;

/** What a cached bitmap depends on besides the vertical pan. */
export interface LayerKey {
  readonly k: number;
  readonly x: number;
  readonly width_px: number;
  readonly height_px: number;
  readonly dpr: number;
  readonly scale: TimeScale;
  readonly masks: FilterMasks;
  readonly cursor_ms: number;
  readonly selected: Datagram | Mark | undefined;
}

function sameKey(a: LayerKey, b: LayerKey): boolean {
  return (
    a.k === b.k &&
    a.x === b.x &&
    a.width_px === b.width_px &&
    a.height_px === b.height_px &&
    a.dpr === b.dpr &&
    a.scale === b.scale &&
    a.masks === b.masks &&
    a.cursor_ms === b.cursor_ms &&
    a.selected === b.selected
  );
}

/** A viewport over the taller bitmap: same pixels per unit as the view it extends. */
class TallViewport extends Viewport {
  constructor(
    private readonly base: Viewport,
    margin_px: number,
  ) {
    super(base.scale, base.laneCount);
    this.width_px = base.width_px;
    this.height_px = base.height_px + 2 * margin_px;
    this.zoom = { k: base.zoom.k, x: base.zoom.x, y: base.zoom.y + margin_px };
  }

  override get pxPerU(): number {
    return this.base.pxPerU;
  }
}

export class PanCache {
  private canvas: HTMLCanvasElement | undefined;
  private key: LayerKey | undefined;
  private builtAtY = 0;
  private margin_px = 0;
  /** the key of the last frame drawn directly, so a cache is only built for a second frame alike */
  private lastDirect: LayerKey | undefined;
  private lastDirectY = 0;
  /** bitmaps built so far (each costs a draw of three view heights) */
  builds = 0;

  /**
   * Paints the layer from the cache if it covers this frame, building it when the previous
   * frame had the same key (a pan, not a replay or a zoom). Returns false when the caller
   * should draw the layer directly (and records the key for next time).
   */
  paint(ctx: CanvasRenderingContext2D, vp: Viewport, key: LayerKey, drawLayer: (ctx: CanvasRenderingContext2D, vp: Viewport) => void): boolean {
    const valid = this.key !== undefined && sameKey(this.key, key) && Math.abs(vp.zoom.y - this.builtAtY) <= this.margin_px;
    if (!valid) {
      // build only for a pan: the same layer as the last frame, moved by a fraction of the
      // view. A jump (playback running ahead of a zoomed view) draws directly: one view
      // costs a third of a bitmap three views tall, which would never be blitted again.
      const repeat = this.lastDirect !== undefined && sameKey(this.lastDirect, key) && Math.abs(vp.zoom.y - this.lastDirectY) <= vp.height_px * PAN_STEP_FRACTION_MAX;
      this.lastDirect = key;
      this.lastDirectY = vp.zoom.y;
      if (!repeat) {
        this.key = undefined;
        return false;
      }
      this.build(vp, key, drawLayer);
    }
    const dy = Math.round(vp.zoom.y - this.builtAtY) - this.margin_px;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.canvas!, 0, Math.round(dy * key.dpr));
    ctx.restore();
    return true;
  }

  /** Forgets the bitmap (the next frame draws directly). */
  invalidate(): void {
    this.key = undefined;
    this.lastDirect = undefined;
  }

  private build(vp: Viewport, key: LayerKey, drawLayer: (ctx: CanvasRenderingContext2D, vp: Viewport) => void): void {
    this.margin_px = Math.round(vp.height_px * MARGIN_FRACTION);
    const tall = new TallViewport(vp, this.margin_px);
    const canvas = (this.canvas ??= document.createElement('canvas'));
    const w = Math.round(vp.width_px * key.dpr);
    const h = Math.round(tall.height_px * key.dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('canvas 2d context unavailable');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(key.dpr, 0, 0, key.dpr, 0, 0);
    drawLayer(ctx, tall);
    this.key = key;
    this.builtAtY = vp.zoom.y;
    this.builds++;
  }
}
