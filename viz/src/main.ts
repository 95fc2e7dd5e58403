// Entry point of the trace viewer: wires the openers, parses and models a trace when one
// arrives, reports malformed lines, and starts the App.

import './style.css';
import { App } from './app.ts';
import { installHook } from './hook.ts';
import { buildModel } from './model/model.ts';
import { busiestNodes, LANES_AUTO_MAX, nodesOf, subsetTrace } from './model/lane-subset.ts';
import type { ParsedTrace } from './trace/types.ts';
import { readViewState } from './ui/url-state.ts';
import { PROTO_COLORS } from './render/colors.ts';
import { parseTraceStream } from './trace/parse.ts';
import { byId, clear, h } from './ui/dom.ts';
import { bindOpeners, fetchTiming, loadFromQuery } from './ui/open.ts';

const PROBLEMS_SHOWN_MAX = 20;
let app: App | undefined;
let linkNextLoadToUrl = new URLSearchParams(window.location.search).has('trace');
/** whether the trace on screen keeps its view state in the URL (a repick keeps it so) */
let urlLinked = false;
const hook = installHook(() => app);

function fail(message: string): void {
  hook.error = message;
  byId('loading').hidden = true;
  showProblems([message]);
}

function showProblems(lines: string[]): void {
  const box = byId('problems');
  clear(box);
  box.hidden = lines.length === 0;
  if (lines.length === 0) return;
  const close = h('button', { type: 'button' }, 'dismiss');
  close.addEventListener('click', () => (box.hidden = true));
  box.append(h('strong', {}, lines[0]!), ' ', close, h('pre', {}, lines.slice(1).join('\n')));
}

/** Parses a trace stream as it arrives, then models it and starts the App. */
async function load(stream: ReadableStream<Uint8Array>, name: string): Promise<void> {
  byId('loading').hidden = false;
  hook.ready = false;
  hook.error = undefined;
  const started = performance.now();
  // a big trace: a first frame from its first events while the rest streams in, on the
  // window a linked URL asks for when it lies within them (not with a node, protocol, kind or
  // peer filter in the URL: the whole trace is needed for those)
  const urlView = linkNextLoadToUrl ? readViewState() : {};
  const viewInUrl = urlView.node !== undefined || urlView.protos !== undefined || urlView.kinds !== undefined || urlView.peers !== undefined;
  let early: App | undefined;
  let earlyWindow: { from: number; to: number } | undefined;
  hook.firstFrameAt_ms = undefined;
  hook.firstFrameEvents = undefined;
  const trace = await parseTraceStream(stream, {
    onPrefix: viewInUrl
      ? undefined
      : (prefix) => {
          if (nodesOf(prefix).length > LANES_AUTO_MAX) return;
          const prefixEnd_ms = prefix.events[prefix.events.length - 1]?.t ?? 0;
          if (urlView.to_ms !== undefined && urlView.to_ms > prefixEnd_ms) return;
          app?.dispose();
          app = early = new App(buildModel(prefix), false);
          app.panelsHeld = true;
          byId('trace-info').textContent = `${name} · loading… ${prefix.events.length.toLocaleString()} events so far`;
          byId('loading').hidden = true;
          if (urlView.from_ms !== undefined && urlView.to_ms !== undefined) app.view.showRange(urlView.from_ms, urlView.to_ms);
          app.view.draw();
          earlyWindow = app.view.viewport.visibleTimes();
          hook.firstFrameEvents = prefix.events.length;
          // on screen with the next paint (after the panels this frame builds)
          requestAnimationFrame(() => (hook.firstFrameAt_ms ??= performance.now()));
        },
  });
  const parsed = performance.now();
  // the whole trace opens on its own first view, or where the user moved the first frame to
  const moved = early !== undefined && app === early ? early.view.viewport.visibleTimes() : undefined;
  const keep = moved !== undefined && (moved.from !== earlyWindow?.from || moved.to !== earlyWindow.to) ? moved : undefined;
  // hundreds of peers: lanes for the busiest few, the rest collapsed (the peer picker changes it)
  const all = nodesOf(trace);
  const fromUrl = linkNextLoadToUrl ? readViewState().peers?.filter((n) => all.includes(n)) : undefined;
  const picked = fromUrl !== undefined && fromUrl.length > 0 ? new Set(fromUrl) : all.length > LANES_AUTO_MAX ? new Set(busiestNodes(trace)) : undefined;
  const model = buildModel(picked === undefined ? trace : subsetTrace(trace, picked));
  const modelled = performance.now();
  app?.dispose();
  // the first load of a `?trace=` page takes (and keeps) its view state in the URL
  const linked = linkNextLoadToUrl;
  linkNextLoadToUrl = false;
  urlLinked = linked;
  app = new App(model, linked, { source: trace, picked, repick: (p) => repick(trace, p) });
  const built = performance.now();
  const hdr = trace.header;
  byId('trace-info').textContent = [
    name,
    hdr ? `${hdr.world} run${hdr.scenario ? ` "${hdr.scenario}"` : ''}${hdr.seed !== undefined ? ` seed ${hdr.seed}` : ''}` : 'no header',
    `${trace.events.length.toLocaleString()} events`,
    `${model.datagrams.length.toLocaleString()} datagrams`,
    `${model.drops.length.toLocaleString()} drops`,
  ].join(' · ');
  const bad = trace.problems.length + trace.problemsDropped;
  showProblems(
    bad === 0
      ? []
      : [
          `${bad} malformed line${bad === 1 ? '' : 's'} skipped; the rest loaded.`,
          ...trace.problems.slice(0, PROBLEMS_SHOWN_MAX).map((p) => `line ${p.line}: ${p.message}`),
          ...(bad > PROBLEMS_SHOWN_MAX ? [`… and ${bad - PROBLEMS_SHOWN_MAX} more`] : []),
        ],
  );
  if (keep !== undefined) app.view.showRange(keep.from, keep.to);
  app.view.draw();
  const drawn = performance.now();
  hook.firstFrameAt_ms ??= drawn;
  hook.firstFrameEvents ??= trace.events.length;
  hook.loadTime_ms = drawn - started;
  hook.loadBreakdown_ms = {
    'page to fetch': fetchTiming.started_ms,
    'download + parse (streamed)': parsed - started,
    model: modelled - parsed,
    panels: built - modelled,
    'first frame': drawn - built,
  };
  byId('loading').hidden = true;
  hook.ready = true;
}

/** Reopens the loaded trace with other peers on lanes (no re-parse). */
function repick(trace: ParsedTrace, picked: ReadonlySet<string> | undefined): void {
  const model = buildModel(picked === undefined ? trace : subsetTrace(trace, picked));
  // The new view reads its filters from the URL: the old one's last changes must be in it.
  app?.flushView();
  app?.dispose();
  app = new App(model, urlLinked, { source: trace, picked, repick: (p) => repick(trace, p) });
  app.view.draw();
}

function legend(): void {
  const host = byId('legend');
  host.append(h('h3', {}, 'Legend'));
  for (const [proto, color] of Object.entries(PROTO_COLORS)) host.append(h('span', { class: 'legend-item' }, h('span', { class: 'swatch', style: `background:${color}` }), proto));
  host.append(
    h('p', { class: 'hint' }, '✕ drop (with reason) · ◆ NAT translation · ■ NAT mapping · ● app event · ▲ log · shaded: fault period / idle gap. Wheel to zoom, drag to pan; keys: space play, d next drop, e next error, f fit.'),
  );
}

legend();
bindOpeners(load, fail);
void loadFromQuery(load, fail);
