// Shared set-up for the viewer's browser tests and bench: Debian's chromium driven by
// playwright-core (never a downloaded browser), a fresh profile per launch, and the built
// viewer served by `peerlab viz`'s server with a given trace.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureViewerBuilt, serveViewer, type ViewerServer } from '../../runtime-node/cli/commands/viz.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export interface ViewerSession {
  readonly browser: BrowserContext;
  readonly page: Page;
  readonly server: ViewerServer;
  close(): Promise<void>;
}

/**
 * Serves `traceText` with the viewer and opens it in headless Chromium. With `rebuild`, a
 * fresh build goes into a private directory (so a parallel test never sees a half-written
 * viz/dist); otherwise viz/dist is used, built first if missing.
 */
export async function openViewer(traceText: string, options: { width?: number; height?: number; rebuild?: boolean; name?: string } = {}): Promise<ViewerSession> {
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-viz-'));
  // PEERLAB_VIZ_DIST serves a ready build instead (e.g. the viewer of an older commit, to
  // check that a test fails on it)
  const prebuilt = process.env.PEERLAB_VIZ_DIST;
  const dist = prebuilt !== undefined && prebuilt !== '' ? prebuilt : options.rebuild === true ? join(dir, 'dist') : undefined;
  if (prebuilt === undefined || prebuilt === '') await ensureViewerBuilt(options.rebuild ?? false, () => undefined, dist);
  const tracePath = join(dir, options.name ?? 'trace.jsonl');
  writeFileSync(tracePath, traceText);
  const server = await serveViewer({ trace: tracePath, port: 0, dist });
  const profile = join(dir, 'profile');
  // a fresh profile directory per launch (launchPersistentContext is how playwright takes one)
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: options.width ?? 1400, height: options.height ?? 860 },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(server.url);
  await page.waitForFunction(() => (window as unknown as { __peerlab?: { ready: boolean; error?: string } }).__peerlab?.ready === true || (window as unknown as { __peerlab?: { error?: string } }).__peerlab?.error !== undefined, undefined, { timeout: 60_000 });
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
  return {
    browser,
    page,
    server,
    close: async () => {
      await browser.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
