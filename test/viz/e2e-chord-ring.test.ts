// The Chord ring panel in headless Chromium: load the trace of chord/dict (8 nodes), and the
// panel shows, at the end of the trace, one dot per joined node and one successor edge per
// node; clicking a node draws its fingers. Skips loudly without chromium; fails when
// PEERLAB_REQUIRE_ALL=1.
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
    expect(await page.locator('#chord-ring div').textContent()).toContain('fingers of');
  }, 120_000);
});
