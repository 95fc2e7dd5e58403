// End-to-end test of the viewer in headless Chromium (Debian's chromium via playwright-core):
// build the viewer, load a real scenario trace, check that lanes, arrows, drops and NAT hops
// equal the trace's counts, click a datagram and read its details, scrub and check the
// cursor, filter, jump to the next drop, open files by picker and drag-and-drop (with a
// malformed line reported by number), and save a screenshot to test-artifacts/viz.png. Skips loudly without chromium; fails when PEERLAB_REQUIRE_ALL=1.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, openViewer, type ViewerSession } from './browser.ts';
import { NAT_TRAVERSAL_SCENARIO, scenarioTrace } from './scenario-trace.ts';
import { syntheticTrace } from './synthetic-trace.ts';
import type { PeerlabHook } from '../../viz/src/hook.ts';

const requireAll = process.env.PEERLAB_REQUIRE_ALL === '1';
const SCENARIO = NAT_TRAVERSAL_SCENARIO;
const SEED = 1;
if (!haveChromium) console.warn(`SKIPPING viewer e2e test: ${CHROMIUM} not installed (apt-get install chromium)`);

/** The counts the viewer must show, straight from the trace lines. */
function traceCounts(text: string): { lanes: number; arrows: number; drops: number; natHops: number } {
  const records = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  const header = records[0] as { topology: { nodes: { name: string }[] } };
  const nodes = new Set(header.topology.nodes.map((n) => n.name));
  const ids = new Set<unknown>();
  let drops = 0;
  let natHops = 0;
  for (const r of records.slice(1)) {
    if (r.kind !== 'fault') nodes.add(r.node as string);
    if (r.kind === 'send' || r.kind === 'nat' || r.kind === 'deliver' || r.kind === 'drop') ids.add(r.id);
    if (r.kind === 'drop') drops++;
    if (r.kind === 'nat') natHops++;
  }
  return { lanes: nodes.size, arrows: ids.size, drops, natHops };
}

const hook = (s: ViewerSession) => ({
  call: <T>(fn: (h: PeerlabHook) => T): Promise<T> =>
    s.page.evaluate(`(${fn.toString()})(window.__peerlab)`) as Promise<T>,
});

describe.skipIf(!haveChromium && !requireAll)('viewer in headless Chromium', () => {
  let session: ViewerSession;
  let text: string;

  beforeAll(async () => {
    expect(haveChromium, `${CHROMIUM} is required (PEERLAB_REQUIRE_ALL=1)`).toBe(true);
    text = scenarioTrace(SCENARIO, SEED);
    session = await openViewer(text, { rebuild: true });
  });
  afterAll(async () => {
    await session?.close();
  });

  it(`shows every lane, arrow, drop and NAT hop of ${SCENARIO}`, async () => {
    const expected = traceCounts(text);
    const h = hook(session);
    const counts = await h.call((p) => p.counts());
    expect(counts.problems).toBe(0);
    expect({ lanes: counts.lanes, arrows: counts.arrows, drops: counts.drops, natHops: counts.natHops }).toEqual(expected);
    expect(expected.drops).toBeGreaterThan(0);
    expect(expected.natHops).toBeGreaterThan(0);
    const drawn = await h.call((p) => (p.fit(), p.drawn()));
    expect({ arrows: drawn.arrows, drops: drawn.drops, natHops: drawn.natHops }).toEqual({ arrows: expected.arrows, drops: expected.drops, natHops: expected.natHops });
  });

  it('clicking a dropped datagram shows its details; a delivered one its NAT mapping', async () => {
    const h = hook(session);
    const dropped = (await h.call((p) => p.datagramIds('drop', 1)))[0]!;
    const point = (await session.page.evaluate(`window.__peerlab.datagramPoint(${JSON.stringify(dropped)})`)) as { x: number; y: number };
    await session.page.mouse.click(point.x, point.y);
    expect(await h.call((p) => p.selectedId())).toBe(dropped);
    const fields = await session.page.locator('[data-testid=datagram-fields]').innerText();
    const line = text.split('\n').find((l) => l.includes('"kind":"drop"') && l.includes(`"id":${JSON.stringify(dropped)},`))!;
    const drop = JSON.parse(line) as { reason: string; bytes: number };
    expect(fields).toContain(`packet id\t${dropped}`);
    expect(fields).toContain(`${drop.bytes} bytes`);
    expect(fields).toContain(`dropped: ${drop.reason}`);
    expect(await session.page.locator('[data-testid=datagram-summary]').innerText()).toContain(`(${drop.reason})`);

    const delivered = (await h.call((p) => p.datagramIds('deliver', 1, true)))[0]!;
    const p2 = (await session.page.evaluate(`window.__peerlab.datagramPoint(${JSON.stringify(delivered)})`)) as { x: number; y: number };
    await session.page.mouse.click(p2.x, p2.y);
    expect(await h.call((p) => p.selectedId())).toBe(delivered);
    const inspector = await session.page.locator('#inspector').innerText();
    const nat = JSON.parse(text.split('\n').find((l) => l.includes('"kind":"nat"') && l.includes(`"id":${JSON.stringify(delivered)},`))!) as { src: string; to_src: string; dst: string; to_dst: string; dir: string };
    const rewrite = nat.dir === 'out' ? `src ${nat.src} ⇒ ${nat.to_src}` : `dst ${nat.dst} ⇒ ${nat.to_dst}`;
    expect(inspector).toContain(`NAT ${nat.dir}: ${rewrite}`);
    const [internal, external] = nat.dir === 'out' ? [nat.src, nat.to_src] : [nat.to_dst, nat.dst];
    expect(inspector).toContain(`mapping ${internal} ⇒ ${external}`);
    // the artifact: the whole run with this datagram selected and its details open
    await h.call((p) => p.fit());
    mkdirSync('test-artifacts', { recursive: true });
    await session.page.screenshot({ path: 'test-artifacts/viz.png' });
  });

  it('scrubbing moves the cursor and the panels; play/pause; next drop; filters hide arrows', async () => {
    const h = hook(session);
    const range = await h.call((p) => p.timeRange());
    const drops = text.split('\n').filter((l) => l.includes('"kind":"drop"')).map((l) => (JSON.parse(l) as { t: number; id: number }));
    // scrub (linear time) to half way to the first drop
    const steps = Math.floor(((drops[0]!.t - range.t_min) / (range.t_max - range.t_min)) * 5_000);
    await session.page.locator('#compress').uncheck();
    await session.page.locator('#scrubber').fill(String(steps));
    const cursor = await h.call((p) => p.cursor());
    const expected = range.t_min + (steps / 10_000) * (range.t_max - range.t_min);
    expect(Math.abs(cursor - expected)).toBeLessThanOrEqual(1e-6);
    expect(await session.page.locator('#cursor-time').innerText()).toMatch(/^[\d.]+ m?s$/);
    // the summary panel follows the cursor: datagrams sent up to it
    const sentByCursor = text.split('\n').filter((l) => l.includes('"kind":"send"') && (JSON.parse(l) as { t: number }).t <= cursor).length;
    await expect.poll(() => session.page.locator('[data-testid=summary] tr.total td:nth-child(2)').innerText()).toBe(String(sentByCursor));
    // play advances the cursor, pause stops it
    await session.page.locator('#play').click();
    await expect.poll(() => h.call((p) => p.cursor()), { timeout: 5000 }).toBeGreaterThan(cursor);
    await session.page.locator('#play').click();
    const paused = await h.call((p) => p.cursor());
    await session.page.waitForTimeout(200);
    expect(await h.call((p) => p.cursor())).toBe(paused);
    await session.page.locator('#scrubber').fill(String(steps));
    const next = drops.find((d) => d.t > cursor)!;
    await session.page.locator('#next-drop').click();
    expect(await h.call((p) => p.cursor())).toBe(next.t);
    expect(await h.call((p) => p.selectedId())).toBe(next.id);
    // hide one protocol: exactly its datagrams disappear
    const sends = text.split('\n').filter((l) => l.includes('"kind":"send"')).map((l) => JSON.parse(l) as { proto: string });
    const proto = [...new Set(sends.map((x) => x.proto))].sort()[0]!;
    const box = session.page.locator(`#filter-protos input[data-proto=${proto}]`);
    await box.uncheck();
    expect(await h.call((p) => (p.fit(), p.drawn().arrows))).toBe(sends.length - sends.filter((x) => x.proto === proto).length);
    await box.check();
    expect(await h.call((p) => (p.fit(), p.drawn().arrows))).toBe(sends.length);
    await session.page.locator('#compress').check();
  });

  it('opens a file from the picker (malformed line reported by number) and by drag-and-drop', async () => {
    const s = syntheticTrace({ events: 300 });
    const lines = s.text.split('\n');
    lines.splice(5, 0, '{"t": broken');
    await session.page.locator('#file-input').setInputFiles({ name: 'broken.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(lines.join('\n')) });
    await session.page.waitForFunction('window.__peerlab.ready === true && window.__peerlab.counts().problems === 1');
    expect(await session.page.locator('#problems').innerText()).toContain('line 6: not JSON');
    expect(await session.page.locator('#trace-info').innerText()).toContain('broken.jsonl');
    expect(((await session.page.evaluate('window.__peerlab.counts()')) as { events: number }).events).toBe(s.counts.events);
    // drag-and-drop: a drop event carrying a file, as the browser sends when a user drops one
    const dropped = syntheticTrace({ events: 120, seed: 4 });
    await session.page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([${JSON.stringify(dropped.text)}], 'dropped.jsonl'));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    await session.page.waitForFunction(`window.__peerlab.ready === true && window.__peerlab.counts().events === ${dropped.counts.events}`);
    expect(await session.page.locator('#problems').isHidden()).toBe(true);
    expect(await session.page.locator('#trace-info').innerText()).toContain('dropped.jsonl');
  });
});
