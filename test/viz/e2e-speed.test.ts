// End-to-end tests of issue 14's defect 7 in headless Chromium, by what the viewer does, not
// how fast (speed is `npm run bench -- viz`): a big trace shows its first frame from its
// first events while the rest still streams in, then the whole trace on the same window;
// playback's panel counts add only the events since the last update (never a recount from
// the start); a playback that runs ahead of a zoomed view draws each frame directly instead
// of building a three-view-tall pan-cache bitmap per frame. Each fails on the viewer before
// this change (PEERLAB_VIZ_DIST=<its build> runs them against it). Skips loudly without
// chromium; fails when PEERLAB_REQUIRE_ALL=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerlabHook } from '../../viz/src/hook.ts';
import { CHROMIUM, haveChromium, openViewer, type ViewerSession } from './browser.ts';
import { syntheticTrace } from './synthetic-trace.ts';

const requireAll = process.env.PEERLAB_REQUIRE_ALL === '1';
if (!haveChromium) console.warn(`SKIPPING viewer speed e2e test: ${CHROMIUM} not installed (apt-get install chromium)`);
/** Three times the events a first frame is drawn from (viz/src/trace/parse.ts PREFIX_EVENTS). */
const trace = syntheticTrace({ events: 60_000, seed: 5 });
const times = trace.text
  .split('\n')
  .slice(1)
  .filter((l) => l !== '')
  .map((l) => (JSON.parse(l) as { t: number }).t)
  .sort((a, b) => a - b);

describe.skipIf(!haveChromium && !requireAll)('viewer speed by design (issue 14 defect 7)', () => {
  let session: ViewerSession;
  const call = <T>(fn: (h: PeerlabHook) => T): Promise<T> => session.page.evaluate(`(${fn.toString()})(window.__peerlab)`) as Promise<T>;

  beforeAll(async () => {
    expect(haveChromium, `${CHROMIUM} is required (PEERLAB_REQUIRE_ALL=1)`).toBe(true);
    session = await openViewer(trace.text, { rebuild: process.env.PEERLAB_VIZ_DIST === undefined, name: 'big.jsonl' });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('a big trace draws its first frame from its first events, then the whole trace on the same window', async () => {
    const first = await call((p) => ({ events: p.firstFrameEvents, total: p.counts().events }));
    expect(first.total).toBe(trace.counts.events);
    expect(first.events, 'the first frame waited for the whole trace').toBeGreaterThan(0);
    expect(first.events!).toBeLessThan(first.total / 2);
    // the whole trace opens on the window the first frame showed: the trace's beginning
    const r = await call((p) => p.timeRange());
    const top = await session.page.evaluate(`(() => { const p = window.__peerlab; const c = document.getElementById('diagram-canvas').getBoundingClientRect(); return { y0: p.timeY(${r.t_min}), top: c.top, bottom: c.bottom, yEnd: p.timeY(${r.t_max}) }; })()`) as { y0: number; top: number; bottom: number; yEnd: number };
    expect(top.y0).toBeGreaterThan(top.top);
    expect(top.y0).toBeLessThan(top.bottom);
    expect(top.yEnd).toBeGreaterThan(top.bottom);
  });

  it('playback adds the events since the last panel update, never recounting from the start', async () => {
    const before = await call((p) => p.countsVisited());
    await session.page.locator('#play').click();
    await session.page.waitForTimeout(1500);
    await session.page.locator('#play').click();
    await session.page.waitForTimeout(300);
    const after = await call((p) => ({ visited: p.countsVisited(), cursor: p.cursor() }));
    let upTo = 0;
    while (upTo < times.length && times[upTo]! <= after.cursor) upTo++;
    expect(upTo).toBeGreaterThan(100);
    // one pass from the start to the cursor (play restarts at the beginning), nothing more
    expect(after.visited - before).toBeLessThanOrEqual(upTo);
  });

  it('a playback running ahead of a zoomed view draws directly, building no pan-cache bitmap per frame', async () => {
    const r = await call((p) => p.timeRange());
    // a 1 ms window at a speed that crosses it many times per frame
    await session.page.evaluate(`window.__peerlab.zoomTo(${r.t_min + 1}, 1)`);
    await session.page.locator('#speed').selectOption('10');
    const before = await call((p) => p.frameCounts());
    await session.page.locator('#play').click();
    await session.page.waitForTimeout(1000);
    await session.page.locator('#play').click();
    const after = await call((p) => p.frameCounts());
    expect(after.frames - before.frames).toBeGreaterThan(5);
    expect(after.cacheBuilds - before.cacheBuilds).toBeLessThanOrEqual(1);
  });
});
