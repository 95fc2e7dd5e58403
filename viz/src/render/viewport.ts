// Maps between trace coordinates (lane, time) and canvas pixels. Time flows down through
// the idle-compressing TimeScale; the d3-zoom transform scales and pans the time axis and
// pans (never scales) the lanes sideways when there are more lanes than fit.

import type { TimeScale } from '../layout/timescale.ts';

export const HEADER_PX = 46;
export const GUTTER_PX = 78;
export const PAD_PX = 18;
export const LANE_MIN_PX = 120;

export interface ZoomState {
  readonly k: number;
  readonly x: number;
  readonly y: number;
}

export class Viewport {
  width_px = 1;
  height_px = 1;
  zoom: ZoomState = { k: 1, x: 0, y: 0 };

  constructor(
    public scale: TimeScale,
    public laneCount: number,
  ) {}

  get laneWidth_px(): number {
    const avail = this.width_px - GUTTER_PX - PAD_PX;
    return Math.max(LANE_MIN_PX, avail / Math.max(1, this.laneCount));
  }

  /** Width of all lanes; more than the view when lanes do not fit. */
  get contentWidth_px(): number {
    return GUTTER_PX + this.laneWidth_px * this.laneCount + PAD_PX;
  }

  /** Pixels per display unit at zoom 1: the whole trace fits the height. */
  get pxPerU(): number {
    return Math.max(1e-9, (this.height_px - HEADER_PX - 2 * PAD_PX) / Math.max(1e-9, this.scale.u_max));
  }

  /** Unzoomed ("world") y of a time; screen y = world * k + zoom.y (d3-zoom's convention). */
  worldY(t: number): number {
    return HEADER_PX + PAD_PX + this.scale.toU(t) * this.pxPerU;
  }

  y(t: number): number {
    return this.worldY(t) * this.zoom.k + this.zoom.y;
  }

  /** Time at a screen y. */
  t(y: number): number {
    const world = (y - this.zoom.y) / this.zoom.k;
    return this.scale.toT((world - HEADER_PX - PAD_PX) / this.pxPerU);
  }

  x(lane: number): number {
    return GUTTER_PX + this.laneWidth_px * (lane + 0.5) + this.zoom.x;
  }

  /** Lane (fractional) at a screen x. */
  lane(x: number): number {
    return (x - this.zoom.x - GUTTER_PX) / this.laneWidth_px - 0.5;
  }

  /** The time window on screen (below the lane header). */
  visibleTimes(): { from: number; to: number } {
    return { from: this.t(HEADER_PX), to: this.t(this.height_px) };
  }

  /** Highest zoom: 1 ms of display time spans 400 px. */
  get zoomMax(): number {
    return Math.max(4, 400 / this.pxPerU);
  }

  /** Clamps a pan so some of the trace stays in view and lanes do not drift off. */
  clamp(z: ZoomState): ZoomState {
    const slackX = Math.max(0, this.contentWidth_px - this.width_px);
    const x = Math.min(0, Math.max(-slackX, z.x));
    const top = this.worldY(this.scale.t_min) * z.k;
    const bottom = this.worldY(this.scale.t_max) * z.k;
    // keep at least the first/last instant inside the view
    const yMax = this.height_px * 0.6 - top;
    const yMin = HEADER_PX + this.height_px * 0.1 - bottom;
    const y = Math.min(Math.max(z.y, Math.min(yMin, yMax)), Math.max(yMin, yMax));
    return { k: z.k, x, y };
  }

  /** The pan that puts time `t` at fraction `at` of the view height, at zoom k. */
  panTo(t: number, k: number, at = 0.4): ZoomState {
    return { k, x: this.zoom.x, y: HEADER_PX + (this.height_px - HEADER_PX) * at - this.worldY(t) * k };
  }
}
