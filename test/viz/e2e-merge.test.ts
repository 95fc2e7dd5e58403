// `peerlab viz a.jsonl b.jsonl` on the two traces of a real loopback `peerlab connect`
// (rendezvous + two connect processes on 127.0.0.1, --trace --trace-datagrams, a 300 kB file):
// the CLI merges them (--out), the clock offset it finds agrees with the two processes' wall
// clocks within its stated error bound (+3 ms for the ms-resolution `started` stamps), the
// datagrams seen on both sides become single arrows (send on one lane, delivery on the
// other), and the merged trace opens in headless Chromium where clicking such an arrow shows
// both hops; opening both files together in the page merges them the same way. Saves
// test-artifacts/viz-merged-connect.png. Skips loudly without chromium.
// Reproduce: npx vitest run test/viz/e2e-merge.test.ts
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLoopbackRendezvous } from '../runtime-node/loopback-rendezvous.ts';
import { CHROMIUM, haveChromium, openViewer, type ViewerSession } from './browser.ts';

const requireAll = process.env.PEERLAB_REQUIRE_ALL === '1';
if (!haveChromium) console.warn(`SKIPPING merge e2e test: ${CHROMIUM} not installed (apt-get install chromium)`);

const loopback = useLoopbackRendezvous();
const { procs, connectArgs } = loopback;

interface Rec {
  t: number;
  kind: string;
  node: string;
  id?: string;
  message?: string;
  merge?: { offset_ms: number; error_ms: number; wall_offset_ms: number; method: string; matched: number };
}

describe.skipIf(!haveChromium && !requireAll)('peerlab viz merges the two sides of a real connect', () => {
  let session: ViewerSession;
  let merged: Rec[];
  let cliErr = '';
  let sides: [string, string] = ['', ''];

  beforeAll(async () => {
    expect(haveChromium, `${CHROMIUM} is required (PEERLAB_REQUIRE_ALL=1)`).toBe(true);
    const dir = loopback.dir();
    const file = join(dir, 'send.bin');
    writeFileSync(file, randomBytes(300_000));
    const a = join(dir, 's1.jsonl');
    const b = join(dir, 'r1.jsonl');
    sides = [a, b];
    const recv = procs.start(connectArgs('r1', 's1', ['--recv', join(dir, 'recv.bin'), '--timeout-ms', '20000', '--trace', b, '--trace-datagrams']));
    const send = procs.start(connectArgs('s1', 'r1', ['--send', file, '--timeout-ms', '20000', '--trace', a, '--trace-datagrams']));
    const [sendCode, recvCode] = await Promise.all([send.exit, recv.exit]);
    expect(sendCode, send.stderr).toBe(0);
    expect(recvCode, recv.stderr).toBe(0);
    const out = join(dir, 'merged.jsonl');
    const viz = procs.start(['viz', a, b, '--out', out]);
    expect(await viz.exit, viz.stderr).toBe(0);
    cliErr = viz.stderr;
    const text = readFileSync(out, 'utf8');
    merged = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Rec);
    session = await openViewer(text, { rebuild: true, name: 'merged.jsonl' });
  }, 180_000);
  afterAll(async () => {
    await session?.close();
  });

  it('estimates the clock offset from the handshake within its error bound', () => {
    const m = merged[0]!.merge!;
    expect(m.method).toBe('handshake');
    expect(cliErr).toMatch(/r1's clock moved by -?\d+\.\d+ ms ± \d+\.\d+ ms, from the handshake/);
    // two processes on one host: their wall clocks are the truth, to the ms of `started`
    expect(Math.abs(m.offset_ms - m.wall_offset_ms), `offset ${m.offset_ms} ± ${m.error_ms}, wall clocks ${m.wall_offset_ms}`).toBeLessThanOrEqual(m.error_ms + 3);
    expect(m.error_ms).toBeLessThan(50);
    expect(m.matched).toBeGreaterThan(100);
    const ts = merged.slice(1).map((r) => r.t);
    expect(ts).toEqual([...ts].sort((x, y) => x - y));
  });

  it('draws a datagram seen by both sides as one arrow from one lane to the other', async () => {
    const page = session.page;
    const byId = new Map<string, Rec[]>();
    for (const r of merged) if (r.id !== undefined) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    const both = [...byId.entries()].filter(([, v]) => v.some((r) => r.kind === 'send' && r.node === 's1') && v.some((r) => r.kind === 'deliver' && r.node === 'r1'));
    expect(both.length).toBeGreaterThan(50);
    for (const [, v] of both) expect(v.find((r) => r.kind === 'deliver')!.t).toBeGreaterThanOrEqual(v.find((r) => r.kind === 'send')!.t);
    type Hook = { laneIndex(n: string): number | undefined; datagramPoint(id: string): { x: number; y: number } | undefined };
    expect(await page.evaluate(() => ['s1', 'r1'].map((n) => (window as unknown as { __peerlab: Hook }).__peerlab.laneIndex(n)))).not.toContain(undefined);
    const id = both[Math.floor(both.length / 2)]![0];
    const point = await page.evaluate((x) => (window as unknown as { __peerlab: Hook }).__peerlab.datagramPoint(x), id);
    expect(point).toBeDefined();
    await page.mouse.click(point!.x, point!.y);
    const hops = await page.locator('#inspector ol.hops').innerText();
    expect(hops).toContain('s1');
    expect(hops).toContain('r1');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/viz-merged-connect.png' });
  }, 60_000);

  it('merges the two files in the page too, when both are opened together', async () => {
    const page = session.page;
    type Hook = { counts(): { arrows: number; lanes: number } };
    const before = await page.evaluate(() => (window as unknown as { __peerlab: Hook }).__peerlab.counts());
    await page.locator('#file-input').setInputFiles(sides);
    await page.waitForFunction(() => document.getElementById('trace-info')!.textContent!.startsWith('s1.jsonl + r1.jsonl (merged)') && (window as unknown as { __peerlab: { ready: boolean } }).__peerlab.ready);
    expect(await page.evaluate(() => (window as unknown as { __peerlab: Hook }).__peerlab.counts())).toEqual(before);
    // one side twice cannot be merged: said so, in the banner
    await page.locator('#file-input').setInputFiles([sides[0], sides[0]]);
    await expect.poll(() => page.locator('#problems').innerText()).toContain('both traces are of node "s1"');
  }, 60_000);
});
