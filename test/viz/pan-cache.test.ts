// Panning a crowded (level-of-detail) overview blits a cached layer (viz/src/render/pan-cache.ts):
// in headless Chromium, the cached frames must look like a direct draw of the same view, and the
// arrow count must be the view's, not the taller cached window's. Skips without chromium;
// fails when PEERLAB_REQUIRE_ALL=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, openViewer, type ViewerSession } from './browser.ts';
import { syntheticTrace } from './synthetic-trace.ts';

const requireAll = process.env.PEERLAB_REQUIRE_ALL === '1';
/** Enough events for more than LOD_ARROWS_MIN (4,000) arrows in the overview. */
const EVENTS = 30_000;
/** Share of pixels allowed to differ: the blit rounds the pan to whole pixels and the
 * level-of-detail grid falls differently (measured 1.5 %; a blit 5 px off gives 4.1 %). */
const DIFFERING_MAX = 0.025;

/** Captures the diagram canvas's pixels in the page as a compact signature array. */
const SNAPSHOT = `(() => {
  const c = document.getElementById('diagram-canvas');
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  window.__snapshots = window.__snapshots || [];
  window.__snapshots.push(data);
  return window.__snapshots.length - 1;
})()`;

describe.skipIf(!haveChromium && !requireAll)('overview pan cache (headless chromium)', () => {
  let session: ViewerSession;
  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is required (PEERLAB_REQUIRE_ALL=1)`);
    session = await openViewer(syntheticTrace({ events: EVENTS, seed: 5 }).text, { width: 1200, height: 800 });
  }, 60_000);
  afterAll(async () => {
    await session?.close();
  });

  it('a cached pan frame matches a direct draw of the same view', async () => {
    const page = session.page;
    await page.evaluate('window.__peerlab.fit()');
    const fitted = (await page.evaluate('window.__peerlab.drawn()')) as { arrows: number; lod: boolean };
    expect(fitted.lod).toBe(true);
    // two pan steps: the first builds the cache, the second is a pure blit
    await page.evaluate('window.__peerlab.frameTimes(2, 7)');
    const cachedArrows = ((await page.evaluate('window.__peerlab.drawn()')) as { arrows: number }).arrows;
    const cached = (await page.evaluate(SNAPSHOT)) as number;
    // once the pan settles the view is drawn directly again
    await page.waitForTimeout(400);
    const direct = (await page.evaluate(SNAPSHOT)) as number;
    const directArrows = ((await page.evaluate('window.__peerlab.drawn()')) as { arrows: number }).arrows;
    const differing = (await page.evaluate(`(() => {
      const a = window.__snapshots[${cached}], b = window.__snapshots[${direct}];
      let n = 0;
      for (let i = 0; i < a.length; i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
      return n / (a.length / 4);
    })()`)) as number;
    expect(differing).toBeLessThan(DIFFERING_MAX);
    expect(cachedArrows).toBe(directArrows);
    // and the cached frame was not blank
    const inked = (await page.evaluate(`(() => {
      const a = window.__snapshots[${cached}];
      let n = 0;
      for (let i = 0; i < a.length; i += 4) if (a[i] < 200 || a[i + 1] < 200 || a[i + 2] < 200) n++;
      return n;
    })()`)) as number;
    expect(inked).toBeGreaterThan(1000);
  }, 30_000);
});
