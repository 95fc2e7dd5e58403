// End-to-end test of the viewer in headless Chromium (Debian's chromium via playwright-core):
// build the viewer, load a real scenario trace, check that lanes, arrows, drops and NAT hops
// equal the trace's counts, click a datagram and read its details, scrub and check the
// cursor, filter, jump to the next drop, report a malformed line, and save a screenshot
// to test-artifacts/viz.png. Skips loudly without chromium; fails when PEERLAB_REQUIRE_ALL=1.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, openViewer, type ViewerSession } from './browser.ts';
import { syntheticTrace } from './synthetic-trace.ts';
import type { PeerlabHook } from '../../viz/src/hook.ts';

const requireAll = process.env.PEERLAB_REQUIRE_ALL === '1';
const SCENARIO = 'nat/port-restricted-cone';
const SEED = 1;
if (!haveChromium) console.warn(`SKIPPING viewer e2e test: ${CHROMIUM} not installed (apt-get install chromium)`);

/** Runs a real scenario through the CLI and returns its trace text. */
function scenarioTrace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-e2e-trace-'));
  execFileSync(process.execPath, ['bin/peerlab.js', 'run', SCENARIO, '--seed', String(SEED), '--trace', dir], { stdio: 'pipe' });
  const file = readdirSync(dir).find((f) => f.endsWith('.jsonl'));
  if (file === undefined) throw new Error(`peerlab run ${SCENARIO} wrote no trace`);
  return readFileSync(join(dir, file), 'utf8');
}

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
    text = scenarioTrace();
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

    const delivered = (await h.call((p) => p.datagramIds('deliver', 1)))[0]!;
    const p2 = (await session.page.evaluate(`window.__peerlab.datagramPoint(${JSON.stringify(delivered)})`)) as { x: number; y: number };
    await session.page.mouse.click(p2.x, p2.y);
    expect(await h.call((p) => p.selectedId())).toBe(delivered);
    const inspector = await session.page.locator('#inspector').innerText();
    expect(inspector).toMatch(/NAT out: src 10\.0\.1\.2:5000 ⇒ 203\.0\.113\.10:\d+/);
    expect(inspector).toMatch(/mapping 10\.0\.1\.2:5000 ⇒ 203\.0\.113\.10:\d+, made at/);
    // the artifact: the whole run with this datagram selected and its details open
    await h.call((p) => p.fit());
    mkdirSync('test-artifacts', { recursive: true });
    await session.page.screenshot({ path: 'test-artifacts/viz.png' });
  });

  it('scrubbing moves the cursor; next drop jumps to the next drop; filters hide arrows', async () => {
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
    const next = drops.find((d) => d.t > cursor)!;
    await session.page.locator('#next-drop').click();
    expect(await h.call((p) => p.cursor())).toBe(next.t);
    expect(await h.call((p) => p.selectedId())).toBe(next.id);
    await session.page.locator('#filter-protos input[data-proto=echo]').uncheck();
    expect(await h.call((p) => (p.fit(), p.drawn().arrows))).toBe(0);
    await session.page.locator('#filter-protos input[data-proto=echo]').check();
    await session.page.locator('#compress').check();
  });

  it('reports a malformed line by number and loads the rest', async () => {
    const s = syntheticTrace({ events: 300 });
    const lines = s.text.split('\n');
    lines.splice(5, 0, '{"t": broken');
    const bad = await openViewer(lines.join('\n'));
    try {
      expect(await bad.page.locator('#problems').innerText()).toContain('line 6: not JSON');
      const counts = (await bad.page.evaluate('window.__peerlab.counts()')) as { events: number; problems: number };
      expect(counts).toMatchObject({ events: s.counts.events, problems: 1 });
    } finally {
      await bad.close();
    }
  });
});
