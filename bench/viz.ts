// `peerlab bench viz`: the trace viewer at scale, in headless Chromium (Debian chromium via
// playwright-core). A 200,000-event synthetic NAT-traversal trace is served by `peerlab
// viz`'s server; figures:
//   1. load time: navigation to the first frame (drawn from the first events while the rest
//      streams in), and page reload until the whole trace is loaded (fetch + parse + model +
//      draw), each target < 2 s; baseline: JSON.parse of the same lines in the same page (the floor),
//      and the ratio to that floor (target <= 8), which travels between machines;
//   2. frame interval while panning (one pan step per animation frame), zoomed to ~2 s of
//      trace (p95), target < 16.7 ms (60 fps; vsync caps it there);
//   3. the same over the whole-trace overview (level-of-detail drawing), target <= 17 ms
//      (issue 14);
//   4. frame interval while playing (the cursor moves every frame), target <= 17 ms;
//   5. with `--trace FILE` (else traces/transfer-16mib.loss-10-1.jsonl, else that trace
//      written now by `peerlab run transfer-16mib/loss-10`): a real transfer trace, navigation to
//      its first frame (drawn from the first events while the rest streams in), target
//      <= 2 s (issue 14), and reload to fully loaded; the same for that trace twice over
//      (a second copy after the first, ids renamed), to show how both grow with size.
// Notes also give the draw time alone, rasterising forced by a one-pixel read-back.
// Run: `npm run bench -- viz` or `npx tsx bench/viz.ts`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { haveChromium, CHROMIUM, openViewer } from '../test/viz/browser.ts';
import { syntheticTrace } from '../test/viz/synthetic-trace.ts';
import type { BenchFigure, BenchOptions, BenchResult } from './bench.ts';

const EVENTS = 200_000;
const LOAD_TARGET_MS = 2000;
const LOAD_FLOOR_RATIO_MAX = 8;
const FRAME_TARGET_MS = 1000 / 60;
/** rAF intervals jitter around 16.7 ms at 60 Hz; allow a little. */
const FRAME_SLACK_MS = 17.5;
const FRAMES = 60;
const LOAD_RUNS = 3;
const ZOOM_SPAN_MS = 2000;
const PLAY_WARMUP = 10;
const REAL_SCENARIO = 'transfer-16mib/loss-10';
const REAL_TRACE_DEFAULT = 'traces/transfer-16mib.loss-10-1.jsonl';

/** Intervals between animation frames while the replay plays (ms), after a warm-up. */
const PLAY_INTERVALS = `new Promise((resolve) => {
  const PLAY_WARMUP = ${PLAY_WARMUP};
  const play = document.getElementById('play');
  window.__peerlab.setCursor(window.__peerlab.timeRange().t_min);
  play.click();
  const out = [];
  let last;
  const step = (now) => {
    if (last !== undefined) out.push(now - last);
    last = now;
    // the first frames jump the view to the start and build the pan cache: a warm-up
    if (out.length >= ${FRAMES} + PLAY_WARMUP) { play.click(); resolve(out.slice(PLAY_WARMUP)); return; }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})`;

/** No trace at hand: runs `peerlab run transfer-16mib/loss-10` into a temporary folder (~5 s). */
function writeRealTrace(log: (line: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-bench-viz-'));
  log(`writing the ${REAL_SCENARIO} trace (peerlab run ${REAL_SCENARIO} --trace ${dir})…`);
  execFileSync(process.execPath, ['bin/peerlab.js', 'run', REAL_SCENARIO, '--trace', dir], { stdio: 'pipe' });
  const file = readdirSync(dir).find((f) => f.endsWith('.jsonl'));
  if (file === undefined) throw new Error(`peerlab run ${REAL_SCENARIO} wrote no trace into ${dir}`);
  return join(dir, file);
}

/** The trace followed by a copy of its events shifted to start after its end, packet ids
 * renamed: a trace twice the size with the same shape. */
function twiceOver(text: string): string {
  const lines = text.split('\n').filter((l) => l !== '');
  const events = lines.slice(1);
  const last = JSON.parse(events[events.length - 1]!) as { t: number };
  const shift = Math.ceil(last.t) + 1000;
  const copy = events.map((l) => {
    const e = JSON.parse(l) as { t: number; id?: unknown; dup_of?: unknown };
    e.t += shift;
    if (e.id !== undefined) e.id = `2-${String(e.id)}`;
    if (e.dup_of !== undefined) e.dup_of = `2-${String(e.dup_of)}`;
    return JSON.stringify(e);
  });
  return [...lines, ...copy].join('\n') + '\n';
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  if (!haveChromium) throw new Error(`${CHROMIUM} is not installed (apt-get install chromium)`);
  options.log(`generating a ${EVENTS.toLocaleString()}-event trace…`);
  const trace = syntheticTrace({ events: EVENTS, seed: 11 });
  options.log(`trace: ${(trace.text.length / 1e6).toFixed(1)} MB, ${trace.counts.sends.toLocaleString()} datagrams; starting chromium…`);
  const session = await openViewer(trace.text, { width: 1600, height: 1000 });
  try {
    const page = session.page;
    const loads: number[] = [];
    const inPage: number[] = [];
    const synthFirst: number[] = [];
    for (let i = 0; i < LOAD_RUNS; i++) {
      const started = performance.now();
      await page.reload();
      await page.waitForFunction('window.__peerlab && window.__peerlab.ready === true', undefined, { timeout: 120_000 });
      loads.push(performance.now() - started);
      inPage.push((await page.evaluate('window.__peerlab.loadTime_ms')) as number);
      synthFirst.push((await page.evaluate('window.__peerlab.firstFrameAt_ms')) as number);
    }
    const events = (await page.evaluate('window.__peerlab.counts().events')) as number;
    if (events !== trace.counts.events) throw new Error(`viewer loaded ${events} events, trace has ${trace.counts.events}`);
    const parseFloor = (await page.evaluate(`(async () => {
      const text = await (await fetch('/trace.jsonl')).text();
      const started = performance.now();
      let n = 0;
      for (const line of text.split('\\n')) if (line !== '') { JSON.parse(line); n++; }
      return performance.now() - started;
    })()`)) as number;
    const breakdown = (await page.evaluate('window.__peerlab.loadBreakdown_ms')) as Record<string, number>;
    // zoom around the middle send of the trace (the middle time may fall in an idle gap)
    const sends = trace.text.split('\n').filter((l) => l.includes('"kind":"send"'));
    const middle = (JSON.parse(sends[Math.floor(sends.length / 2)]!) as { t: number }).t;
    await page.evaluate(`window.__peerlab.zoomTo(${middle}, ${ZOOM_SPAN_MS})`);
    const zoomed = (await page.evaluate(`window.__peerlab.rafFrameTimes(${FRAMES}, 7)`)) as number[];
    const zoomedDraw = (await page.evaluate(`window.__peerlab.frameTimes(${FRAMES}, 7)`)) as number[];
    const zoomedDrawn = (await page.evaluate('window.__peerlab.drawn()')) as { arrows: number };
    await page.evaluate('window.__peerlab.fit()');
    const overview = (await page.evaluate(`window.__peerlab.rafFrameTimes(${FRAMES}, 3)`)) as number[];
    const overviewDraw = (await page.evaluate(`window.__peerlab.frameTimes(${FRAMES}, 3)`)) as number[];
    const overviewDrawn = (await page.evaluate('window.__peerlab.drawn()')) as { arrows: number; lod: boolean };
    // playback, zoomed in as a user watching it would be
    await page.evaluate(`window.__peerlab.zoomTo(${middle}, ${ZOOM_SPAN_MS})`);
    const playing = (await page.evaluate(PLAY_INTERVALS)) as number[];
    const playingP95 = percentile(playing, 0.95);
    const load = percentile(loads, 0.5);
    const zoomedP95 = percentile(zoomed, 0.95);
    const overviewP95 = percentile(overview, 0.95);
    const figures: BenchFigure[] = [
      { name: `${EVENTS / 1000}k events: navigation → first frame (median of ${LOAD_RUNS})`, value: percentile(synthFirst, 0.5), unit: 'ms', target: `<= ${LOAD_TARGET_MS} ms`, met: percentile(synthFirst, 0.5) <= LOAD_TARGET_MS },
      { name: `load ${EVENTS / 1000}k events (reload → whole trace loaded, median of ${LOAD_RUNS})`, value: load, unit: 'ms', baseline: parseFloor, ratio: load / parseFloor, target: `< ${LOAD_TARGET_MS} ms`, met: load < LOAD_TARGET_MS },
      { name: 'in page: streamed download + parse + model + first draw (median)', value: percentile(inPage, 0.5), unit: 'ms' },
      // The machine-independent form of the load target: a quiet 2020s laptop parses these
      // lines in ~190 ms, so 8x that is ~1.5 s, inside the 2 s budget with margin.
      { name: 'load / JSON.parse floor', value: load / parseFloor, unit: 'x', target: `<= ${LOAD_FLOOR_RATIO_MAX}`, met: load / parseFloor <= LOAD_FLOOR_RATIO_MAX },
      { name: `pan frame interval, ~${ZOOM_SPAN_MS / 1000} s in view (p95)`, value: zoomedP95, unit: 'ms', baseline: FRAME_TARGET_MS, ratio: zoomedP95 / FRAME_TARGET_MS, target: '<= 17 ms (60 fps)', met: zoomedP95 <= FRAME_SLACK_MS },
      { name: 'playback frame interval, ~2 s in view (p95)', value: playingP95, unit: 'ms', baseline: FRAME_TARGET_MS, ratio: playingP95 / FRAME_TARGET_MS, target: '<= 17 ms (60 fps)', met: playingP95 <= FRAME_SLACK_MS },
      { name: 'pan frame interval, whole-trace overview (p95)', value: overviewP95, unit: 'ms', baseline: FRAME_TARGET_MS, ratio: overviewP95 / FRAME_TARGET_MS, target: '<= 17 ms (60 fps)', met: overviewP95 <= FRAME_SLACK_MS },
    ];
    const realPath = options.args.find((a, i) => options.args[i - 1] === '--trace') ?? (existsSync(REAL_TRACE_DEFAULT) ? REAL_TRACE_DEFAULT : writeRealTrace(options.log));
    {
      const text = readFileSync(realPath, 'utf8');
      for (const [label, body] of [[basename(realPath), text], [`${basename(realPath)} twice over`, twiceOver(text)]] as const) {
        options.log(`real trace ${label}: ${(body.length / 1e6).toFixed(1)} MB`);
        const real = await openViewer(body, { width: 1600, height: 1000, name: basename(realPath) });
        try {
          const firsts: number[] = [];
          const fulls: number[] = [];
          for (let i = 0; i < LOAD_RUNS; i++) {
            const started = performance.now();
            await real.page.reload();
            await real.page.waitForFunction('window.__peerlab && window.__peerlab.ready === true', undefined, { timeout: 120_000 });
            fulls.push(performance.now() - started);
            firsts.push((await real.page.evaluate('window.__peerlab.firstFrameAt_ms')) as number);
          }
          const firstFrame = percentile(firsts, 0.5);
          const full = percentile(fulls, 0.5);
          const mb = (body.length / 1e6).toFixed(1);
          figures.push({ name: `${label} (${mb} MB): navigation → first frame (median of ${LOAD_RUNS})`, value: firstFrame, unit: 'ms', target: `<= ${LOAD_TARGET_MS} ms`, met: firstFrame <= LOAD_TARGET_MS });
          figures.push({ name: `${label} (${mb} MB): reload → whole trace loaded (median of ${LOAD_RUNS})`, value: full, unit: 'ms' });
        } finally {
          await real.close();
        }
      }
    }
    return {
      name: 'viz',
      figures,
      notes: [
        `load baseline = JSON.parse of the ${events.toLocaleString()} lines alone in the same page; frame baseline = the 60 fps budget`,
        `zoomed view drew ${zoomedDrawn.arrows.toLocaleString()} arrows per frame; overview ${overviewDrawn.arrows.toLocaleString()} (level of detail ${overviewDrawn.lod ? 'on' : 'off'})`,
        `last load in page: ${Object.entries(breakdown).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}`,
        `frame interval median: zoomed ${percentile(zoomed, 0.5).toFixed(1)} ms, overview ${percentile(overview, 0.5).toFixed(1)} ms, playing ${percentile(playing, 0.5).toFixed(1)} ms`,
        `draw + rasterise alone (one-pixel read-back), median: zoomed ${percentile(zoomedDraw, 0.5).toFixed(1)} ms, overview ${percentile(overviewDraw, 0.5).toFixed(1)} ms`,
      ],
    };
  } finally {
    await session.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await run({ json: false, args: process.argv.slice(2), log: (line) => void process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
