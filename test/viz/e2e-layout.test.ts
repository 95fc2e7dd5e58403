// End-to-end tests of issue 14's layout defects in headless Chromium, on a hand-built trace
// (test/viz/layout-trace.ts): defect 4, time-local idle compression (a handshake's 3-20 ms
// gaps and equal latencies stay linear beside a dense bulk phase, a 5 s partition is not
// dwarfed, only the 33 s pause shrinks, and idle-gap break marks never overprint an axis
// label); defect 5, labels (neighbouring lanes' labels never overlap, a NAT rewrite keeps
// its whole "before" address in narrow lanes, CGNAT homes nest around the carrier NAT, the
// topology panel's counts are neither clipped nor run together). Each fails on the viewer
// before this change (PEERLAB_VIZ_DIST=<its build> runs them against it). Saves
// test-artifacts/viz-layout-compressed.png and viz-layout-narrow.png. Skips loudly without
// chromium; fails when PEERLAB_REQUIRE_ALL=1.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerlabHook } from '../../viz/src/hook.ts';
import { CHROMIUM, haveChromium, openViewer, type ViewerSession } from './browser.ts';
import { BULK, HANDSHAKE_LATENCY_MS, HOME_A, LAST_MS, PARTITION, layoutTrace } from './layout-trace.ts';

const requireAll = process.env.PEERLAB_REQUIRE_ALL === '1';
if (!haveChromium) console.warn(`SKIPPING viewer layout e2e test: ${CHROMIUM} not installed (apt-get install chromium)`);
const trace = layoutTrace();
/** viz/src/render/viewport.ts */
const GUTTER_PX = 78;
const HEADER_PX = 46;
const AXIS_BREAK = '#b9c1ca';

interface Drawn {
  kind: 'text' | 'rect';
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
  align: string;
  fill: string;
}
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  what: string;
}
const overlaps = (a: Box, b: Box): boolean => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
/** The ink box of a 10 px label as fillText draws it (alphabetic baseline). */
const textBox = (d: Drawn): Box => {
  const left = d.align === 'right' || d.align === 'end' ? d.x - d.w : d.align === 'center' ? d.x - d.w / 2 : d.x;
  return { left, right: left + d.w, top: d.y - 8, bottom: d.y + 2, what: d.text };
};

describe.skipIf(!haveChromium && !requireAll)('viewer layout (issue 14 defects 4, 5)', () => {
  let session: ViewerSession;
  const call = <T>(fn: (h: PeerlabHook) => T): Promise<T> => session.page.evaluate(`(${fn.toString()})(window.__peerlab)`) as Promise<T>;
  /** What the next direct frame of the diagram draws: every text, and every fillRect. */
  const drawn = async (): Promise<Drawn[]> =>
    (await session.page.evaluate(`(() => {
      const proto = CanvasRenderingContext2D.prototype;
      if (!window.__drawn) {
        window.__drawn = [];
        const fillText = proto.fillText;
        const fillRect = proto.fillRect;
        const on = (ctx) => ctx.canvas.id === 'diagram-canvas';
        proto.fillText = function (text, x, y, w) {
          if (on(this)) window.__drawn.push({ kind: 'text', text: String(text), x, y, w: this.measureText(String(text)).width, h: 0, align: this.textAlign, fill: String(this.fillStyle) });
          return fillText.call(this, text, x, y, w);
        };
        proto.fillRect = function (x, y, w, h) {
          if (on(this)) window.__drawn.push({ kind: 'rect', text: '', x, y, w, h, align: '', fill: String(this.fillStyle) });
          return fillRect.call(this, x, y, w, h);
        };
      }
      window.__drawn.length = 0;
      const p = window.__peerlab;
      if (p.redraw) p.redraw(); else { const c = p.cursor(); p.setCursor(c - 1e-6); p.setCursor(c); p.zoomTo((p.timeRange().t_min + p.timeRange().t_max) / 2, 1e9); }
      return window.__drawn.slice();
    })()`)) as Drawn[];

  beforeAll(async () => {
    expect(haveChromium, `${CHROMIUM} is required (PEERLAB_REQUIRE_ALL=1)`).toBe(true);
    session = await openViewer(trace.text, { rebuild: process.env.PEERLAB_VIZ_DIST === undefined, name: 'layout.jsonl' });
    mkdirSync('test-artifacts', { recursive: true });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('defect 4: compression is time-local: the handshake and equal latencies stay linear, a 5 s partition is not dwarfed, the 33 s pause shrinks', async () => {
    await session.page.locator('#compress').check();
    try {
      const sends = trace.handshakeSends_ms;
      const ys = (await session.page.evaluate(`(() => {
        const p = window.__peerlab;
        p.fit();
        const at = (t) => p.timeY(t);
        return { sends: ${JSON.stringify(sends)}.map((t) => [at(t), at(t + ${HANDSHAKE_LATENCY_MS})]), bulk: [at(${BULK.from_ms + 100}), at(${BULK.from_ms + 500})], first: [at(0), at(1000)], partition: [at(${PARTITION.from_ms}), at(${PARTITION.to_ms})], pause: [at(${PARTITION.to_ms + 15}), at(${LAST_MS})] };
      })()`)) as { sends: [number, number][]; bulk: [number, number]; first: [number, number]; partition: [number, number]; pause: [number, number] };
      const pxPerMs = (ys.bulk[1] - ys.bulk[0]) / 400;
      expect(pxPerMs).toBeGreaterThan(0);
      // every handshake datagram (10 ms) gets the same slope, that of the linear bulk phase
      for (const [y0, y1] of ys.sends) expect((y1 - y0) / HANDSHAKE_LATENCY_MS / pxPerMs).toBeCloseTo(1, 2);
      // and the gaps between them (3-20 ms) are not squeezed either
      for (let i = 1; i < sends.length; i++) expect((ys.sends[i]![0] - ys.sends[i - 1]![0]) / (sends[i]! - sends[i - 1]!) / pxPerMs).toBeCloseTo(1, 2);
      const partition = ys.partition[1] - ys.partition[0];
      const firstSecond = ys.first[1] - ys.first[0];
      // the partition keeps its real length: 5 s at the bulk phase's px per ms, over 4x the
      // first second (which holds a short compressed gap before the partition)
      expect(partition / (PARTITION.to_ms - PARTITION.from_ms) / pxPerMs, `partition ${partition.toFixed(0)} px`).toBeCloseTo(1, 2);
      expect(partition / firstSecond, `partition ${partition.toFixed(0)} px vs first second ${firstSecond.toFixed(0)} px`).toBeGreaterThan(4);
      const pause = ys.pause[1] - ys.pause[0];
      expect(pause).toBeLessThan(partition);
      expect(pause).toBeGreaterThan(0);
      await session.page.screenshot({ path: 'test-artifacts/viz-layout-compressed.png' });
    } finally {
      await session.page.locator('#compress').uncheck();
    }
  });

  it('defect 4: idle-gap break marks never overprint the axis labels', async () => {
    await session.page.locator('#compress').check();
    try {
      for (const range of [undefined, [PARTITION.to_ms - 200, LAST_MS + 200]] as const) {
        if (range !== undefined) await session.page.evaluate(`window.__peerlab.zoomTo(${(range[0] + range[1]) / 2}, ${range[1] - range[0]})`);
        else await call((p) => p.fit());
        const items = await drawn();
        const breaks = items.filter((d) => d.kind === 'rect' && d.fill === AXIS_BREAK).map((d) => ({ left: d.x, right: d.x + d.w, top: d.y, bottom: d.y + Math.max(1, d.h), what: 'break' }));
        const axis = items.filter((d) => d.kind === 'text' && d.x <= GUTTER_PX && d.y > HEADER_PX && d.fill !== '#ffffff').map(textBox);
        expect(breaks.length, 'the 33 s pause is drawn as an axis break').toBeGreaterThan(0);
        expect(axis.length).toBeGreaterThan(1);
        for (const b of breaks) for (const a of axis) expect(overlaps(a, b), `axis label "${a.what}" at y ${a.top + 9} under a break mark at y ${b.top}`).toBe(false);
        for (let i = 0; i < axis.length; i++) for (let j = i + 1; j < axis.length; j++) expect(overlaps(axis[i]!, axis[j]!), `axis labels "${axis[i]!.what}" and "${axis[j]!.what}" overprint`).toBe(false);
      }
    } finally {
      await session.page.locator('#compress').uncheck();
    }
  });

  it('defect 5: labels of neighbouring lanes never overlap; narrow lanes keep the whole "before" address', async () => {
    await session.page.setViewportSize({ width: 900, height: 860 });
    await session.page.waitForTimeout(150);
    try {
      await call((p) => p.zoomTo(60, 150));
      const items = await drawn();
      const labels = items.filter((d) => d.kind === 'text' && d.x > GUTTER_PX && d.y > HEADER_PX + 4 && d.text !== '').map(textBox);
      expect(labels.length).toBeGreaterThan(5);
      for (const l of labels) expect(l.left, `label "${l.what}" runs into the time axis`).toBeGreaterThanOrEqual(GUTTER_PX);
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) expect(overlaps(labels[i]!, labels[j]!), `labels "${labels[i]!.what}" and "${labels[j]!.what}" overlap`).toBe(false);
      }
      const befores = new Set([HOME_A.src, '10.0.3.2:5000', '100.64.0.10:49152', '100.64.0.11:49152']);
      const rewrites = labels.filter((l) => l.what.includes('⇒') && !l.what.startsWith('⇒') && !l.what.startsWith('map '));
      expect(rewrites.length + labels.filter((l) => befores.has(l.what)).length).toBeGreaterThan(0);
      for (const r of rewrites) expect(befores.has(r.what.slice(0, r.what.indexOf('⇒'))), `"${r.what}" lost its before address`).toBe(true);
      // a label is never a cut-off before address
      for (const l of labels) for (const b of befores) expect(l.what.endsWith('…') && b.startsWith(l.what.slice(0, -1)), `"${l.what}" cuts ${b}`).toBe(false);
      await session.page.screenshot({ path: 'test-artifacts/viz-layout-narrow.png' });
    } finally {
      await session.page.setViewportSize({ width: 1400, height: 860 });
    }
  });

  it('defect 5: CGNAT homes nest around the carrier NAT, so a home path never crosses the other home', async () => {
    const lane = await call((p) => Object.fromEntries(['a', 'home-a', 'cgn', 'home-c', 'c'].map((n) => [n, p.laneIndex(n)!])));
    const between = (x: number, u: number, v: number): boolean => Math.min(u, v) < x && x < Math.max(u, v);
    for (const [host, home, others] of [['a', 'home-a', ['c', 'home-c']], ['c', 'home-c', ['a', 'home-a']]] as const) {
      for (const o of others) expect(between(lane[o]!, lane[host]!, lane['cgn']!), `${o} (lane ${lane[o]}) lies between ${host} and cgn: ${JSON.stringify(lane)}`).toBe(false);
      expect(between(lane[home]!, lane[host]!, lane['cgn']!)).toBe(true);
    }
  });

  it('defect 5: the topology panel shows every count whole, none clipped, none overlapping', async () => {
    await session.page.waitForFunction(`document.querySelectorAll('#topology svg text[font-size="9"] tspan').length > 0`);
    const { svg, boxes } = (await session.page.evaluate(`(() => {
      const svg = document.querySelector('#topology svg').getBoundingClientRect();
      const boxes = [...document.querySelectorAll('#topology svg text')].map((t) => { const r = t.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, what: t.textContent }; });
      return { svg: { left: svg.left, right: svg.right, top: svg.top, bottom: svg.bottom }, boxes };
    })()`)) as { svg: Box; boxes: Box[] };
    expect(boxes.length).toBeGreaterThanOrEqual(17);
    for (const b of boxes) {
      expect(b.left, `"${b.what}" clipped on the left`).toBeGreaterThanOrEqual(svg.left - 0.5);
      expect(b.right, `"${b.what}" clipped on the right`).toBeLessThanOrEqual(svg.right + 0.5);
      expect(b.bottom, `"${b.what}" clipped at the bottom`).toBeLessThanOrEqual(svg.bottom + 0.5);
    }
    const counts = boxes.filter((b) => /[↑⇄✕]/.test(b.what));
    expect(counts.length).toBe(8);
    for (let i = 0; i < counts.length; i++) for (let j = i + 1; j < counts.length; j++) expect(overlaps(counts[i]!, counts[j]!), `counts "${counts[i]!.what}" and "${counts[j]!.what}" overlap`).toBe(false);
  });
});
