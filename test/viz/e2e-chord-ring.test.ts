// The Chord ring panel in headless Chromium: load the trace of chord/dict (8 nodes), and the
// panel shows, at the end of the trace, one dot per joined node and one successor edge per
// node; clicking a node draws its fingers. Skips loudly without chromium; fails when
// PEERLAB_REQUIRE_ALL=1.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, openViewer, type ViewerSession } from './browser.ts';
import { scenarioTrace } from './scenario-trace.ts';

const requireAll = process.env.PEERLAB_REQUIRE_ALL === '1';
if (!haveChromium) console.warn(`SKIPPING chord ring e2e test: ${CHROMIUM} not installed (apt-get install chromium)`);

describe.skipIf(!haveChromium && !requireAll)('chord ring panel in headless Chromium', () => {
  let session: ViewerSession;

  beforeAll(async () => {
    expect(haveChromium, `${CHROMIUM} is required (PEERLAB_REQUIRE_ALL=1)`).toBe(true);
    session = await openViewer(scenarioTrace('chord/dict', 1), { rebuild: true });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
  });

  it('draws 8 nodes with their successor edges, and a clicked node’s fingers', async () => {
    const page = session.page;
    await page.waitForSelector('#chord-ring svg', { timeout: 30_000 });
    expect(await page.locator('#chord-ring-section').isHidden()).toBe(false);
    expect(await page.locator('#chord-ring svg circle[cx]').count()).toBe(8);
    const grey = await page.locator('#chord-ring svg line[stroke="#999"]').count();
    expect(grey).toBe(8);
    await page.locator('#chord-ring svg circle[cx]').first().click();
    expect(await page.locator('#chord-ring svg line[stroke="#2b6cb0"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('chord-caption').textContent()).toContain('fingers of');
  }, 120_000);
});

interface ChordLine {
  kind: string;
  node: string;
  t: number;
  name?: string;
  data?: { id?: string; path?: string[]; successor?: { id: string }; target?: string };
}

// One lookup's hops on a 64-node ring (chord/path-length-64, seed 1; 64 nodes open with a
// peer pick of lanes, the ring still shows all of them): the cursor picks the time and the
// lookup, ◀ ▶ step through lookups and move the cursor. Saves test-artifacts/viz-chord-ring.png.
describe.skipIf(!haveChromium && !requireAll)('chord lookup hops in headless Chromium', () => {
  let session: ViewerSession;
  let lines: ChordLine[];

  beforeAll(async () => {
    expect(haveChromium, `${CHROMIUM} is required (PEERLAB_REQUIRE_ALL=1)`).toBe(true);
    const text = scenarioTrace('chord/path-length-64', 1);
    lines = text
      .split('\n')
      .slice(1)
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as ChordLine);
    session = await openViewer(text, { rebuild: true, name: 'chord.path-length-64-1.jsonl' });
  }, 180_000);
  afterAll(async () => {
    await session?.close();
  });

  it('highlights the hops of the lookup at the cursor and steps between lookups', async () => {
    const page = session.page;
    type Hook = { setCursor(t: number): void; cursor(): number };
    await page.waitForSelector('#chord-ring svg', { timeout: 30_000 });
    expect(await page.locator('#chord-ring svg circle[cx]').count()).toBe(64);
    const lookups = lines.filter((l) => l.kind === 'event' && l.name === 'lookup-result' && Array.isArray(l.data?.path));
    const idOf = new Map(lines.filter((l) => l.kind === 'event' && l.name === 'joined').map((l) => [l.node, l.data!.id!]));
    // a lookup of 3+ hops alone at its instant
    const k = lookups.findIndex((l, i) => l.data!.path!.length >= 3 && lookups[i + 1]!.t > l.t && lookups[i - 1]!.t < l.t);
    expect(k, 'a 3-hop lookup in chord/path-length-64 seed 1').toBeGreaterThan(0);
    const expectLookup = async (i: number): Promise<void> => {
      const lk = lookups[i]!;
      await page.waitForFunction((text) => document.querySelector('[data-testid=lookup-index]')?.textContent === text, `lookup ${i + 1} / ${lookups.length}`);
      const hops = [idOf.get(lk.node)!, ...lk.data!.path!];
      if (hops[hops.length - 1] !== lk.data!.successor!.id) hops.push(lk.data!.successor!.id);
      expect(await page.locator('#chord-ring svg line.hop').count()).toBe(hops.length - 1);
      expect(await page.locator('#chord-ring svg text.hop-number').count()).toBe(hops.length - 1);
      expect(await page.locator('#chord-ring svg circle[fill="#c53030"]').getAttribute('data-node')).toBe(lines.find((l) => l.kind === 'event' && l.name === 'joined' && l.data!.id === lk.data!.successor!.id)!.node);
      expect(await page.locator('[data-testid=chord-hops] li').count()).toBe(lk.data!.path!.length + 2);
      expect(await page.evaluate(() => (window as unknown as { __peerlab: Hook }).__peerlab.cursor())).toBeCloseTo(lk.t, 6);
    };
    await page.evaluate((t) => (window as unknown as { __peerlab: Hook }).__peerlab.setCursor(t), lookups[k]!.t);
    await expectLookup(k);
    await page.getByTestId('lookup-next').click();
    await expectLookup(k + 1);
    await page.getByTestId('lookup-prev').click();
    await expectLookup(k);
    await page.locator('#chord-ring circle[cx]').first().click();
    expect(await page.locator('#chord-ring svg line[stroke="#2b6cb0"]').count()).toBeGreaterThan(0);
    mkdirSync('test-artifacts', { recursive: true });
    await page.locator('#chord-ring-section').screenshot({ path: 'test-artifacts/viz-chord-ring.png' });
    // before anyone joined, the ring is empty
    await page.evaluate(() => (window as unknown as { __peerlab: Hook }).__peerlab.setCursor(-1));
    await page.waitForFunction(() => document.querySelectorAll('#chord-ring svg circle[cx]').length < 64);
  }, 120_000);
});
