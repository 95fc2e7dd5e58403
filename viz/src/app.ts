// One loaded trace in the viewer: the model, the diagram, the panels and the replay state
// (cursor, play/pause, speed, selection, filters), wired to the toolbar. A new trace
// replaces the App; its listeners go with an AbortController.

import { TimeScale } from './layout/timescale.ts';
import { idleScale } from './layout/idle.ts';
import { RunningCounts } from './model/counts.ts';
import { formatMs } from './model/describe.ts';
import { applyFilter, defaultFilter, eventShown, FILTER_KINDS, isErrorMark, type FilterKind, type FilterState } from './model/filter.ts';
import type { Datagram, Mark, TraceModel } from './model/model.ts';
import { PathCache } from './model/path.ts';
import { ChartsPanel } from './ui/charts-panel.ts';
import { DiagramView, type DiagramState } from './ui/diagram-view.ts';
import { byId, clear } from './ui/dom.ts';
import { buildFilterControls } from './ui/filter-controls.ts';
import { renderInspector } from './ui/inspector.ts';
import { renderOutcomeHeader, type JumpTarget } from './ui/outcome-header.ts';
import { readViewState, ViewStateWriter } from './ui/url-state.ts';
import { renderSummary } from './ui/summary-panel.ts';
import { TopologyPanel } from './ui/topology-panel.ts';
import { RingPanel } from './ui/ring-panel.ts';
import { hasChord } from './model/chord-ring.ts';
import { hasMesh } from './model/mesh-tree.ts';
import { nodesOf } from './model/lane-subset.ts';
import type { ParsedTrace } from './trace/types.ts';
import { MeshPanel } from './ui/mesh-panel.ts';
import { buildPeerPicker } from './ui/peer-picker.ts';
import './ui/overlay.css';

/** Overlay traces of many peers: the whole trace (the model may hold a peer pick of it) and
 * how to reopen it through another pick (ui/peer-picker.ts). */
export interface PeerPick {
  readonly source: ParsedTrace;
  readonly picked: ReadonlySet<string> | undefined;
  readonly repick: (picked: ReadonlySet<string> | undefined) => void;
}

const SCRUB_STEPS = 10_000;
/** A trace with more datagrams than this opens zoomed to its first ones. */
const OPEN_DATAGRAMS_MAX = 2000;
const SPEEDS = [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10_000];
/** A replay should take about this long at the default speed. */
const REPLAY_TARGET_MS = 30_000;
/** While playing, panels are rebuilt at most this often (4 per second): a panel frame can
 * outlast the 16.7 ms budget on a slow machine, so it must be rare enough for the p95. */
const PLAYING_PANELS_MS = 250;

/** The protocol and kind filters for the URL, only where they differ from the defaults. */
function filterLists(f: FilterState, d: FilterState): { protos?: string[]; kinds?: string[] } {
  const same = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
  return { ...(same(f.protos, d.protos) ? {} : { protos: [...f.protos] }), ...(same(f.kinds, d.kinds) ? {} : { kinds: [...f.kinds] }) };
}

export class App {
  readonly state: DiagramState;
  readonly view: DiagramView;
  private readonly abort = new AbortController();
  private readonly linearScale: TimeScale;
  /** built when first wanted ("compress idle" is off by default) */
  private compressedScaleBuilt: TimeScale | undefined;
  /** Built on the first panel frame, after the diagram's first frame (they take ~0.2 s on a big trace). */
  private topology: TopologyPanel | undefined;
  /** The Chord ring view, only for traces with Chord events (ui/ring-panel.ts). */
  private ring: RingPanel | null | undefined;
  /** The mesh dissemination tree, only for traces with mesh broadcasts (ui/mesh-panel.ts). */
  mesh: MeshPanel | null | undefined;
  private charts: ChartsPanel | undefined;
  /** running counts for the panels, rebuilt when the filters change */
  private counts: RunningCounts | undefined;
  private readonly nodes: string[];
  private playing = false;
  private speed = 1;
  private panelsQueued = false;
  /** A first frame drawn from a big trace's first events (main.ts) builds no panels: the
   * whole trace replaces it a moment later. */
  panelsHeld = false;
  private lastTick_ms = 0;
  private panelsAt_ms = -Infinity;

  /** the view state lives in the URL (a `?trace=` load): read at start, written on change */
  private readonly urlWriter: ViewStateWriter | undefined;
  private filter: FilterState;

  constructor(
    readonly model: TraceModel,
    linkedToUrl = false,
    private readonly pick?: PeerPick,
  ) {
    this.linearScale = TimeScale.linear(model.t_min, model.t_max);
    const fromUrl = linkedToUrl ? readViewState() : {};
    const filter: FilterState = {
      ...defaultFilter(model),
      ...(fromUrl.node !== undefined && model.laneOf.has(fromUrl.node) ? { node: fromUrl.node } : {}),
      ...(fromUrl.query !== undefined ? { text: fromUrl.query } : {}),
      ...(fromUrl.protos !== undefined ? { protos: new Set(fromUrl.protos) } : {}),
      ...(fromUrl.kinds !== undefined ? { kinds: new Set(fromUrl.kinds.filter((k): k is FilterKind => (FILTER_KINDS as readonly string[]).includes(k))) } : {}),
    };
    this.filter = filter;
    this.urlWriter = linkedToUrl ? new ViewStateWriter() : undefined;
    this.state = { model, paths: new PathCache(model), masks: applyFilter(model, filter), cursor_ms: model.t_max, selected: undefined };
    for (const id of ['topology', 'summary', 'charts', 'inspector', 'filters', 'peer-picker', 'mesh-tree', 'chord-ring']) clear(byId(id));
    const host = byId('diagram');
    host.querySelector('canvas')?.remove();
    byId('empty').hidden = true;
    // the header first: it takes height from the diagram, which sizes itself once built
    renderOutcomeHeader(byId('outcome'), model, (to) => this.jumpTo(to), this.abort.signal);
    const compress = byId<HTMLInputElement>('compress');
    this.view = new DiagramView(host, this.state, compress.checked ? this.compressedScale : this.linearScale);
    // the charts shade the diagram's visible window as it zooms and pans
    this.view.onZoom = () => {
      // while playing, the view follows the cursor: the charts catch up with the panels
      if (this.playing) return;
      const visible = this.view.viewport.visibleTimes();
      this.charts?.update(this.state.cursor_ms, visible.from, visible.to);
      this.saveView();
    };
    this.view.onPick = (hit) => this.select(hit === undefined ? undefined : hit.kind === 'datagram' ? hit.datagram : hit.mark);
    this.nodes = model.lanes.map((l) => l.name);
    renderInspector(byId('inspector'), model, undefined);
    buildFilterControls(byId('filters'), model, filter, (f) => this.setFilter(f), this.abort.signal);
    if (pick !== undefined) buildPeerPicker(byId('peer-picker'), nodesOf(pick.source), pick.picked, pick.repick, this.abort.signal);
    this.bindToolbar();
    this.setCursor(model.t_max);
    // A big trace opens at its beginning, as Wireshark and qvis do; "fit" shows it all.
    const first = model.datagrams[Math.min(model.datagrams.length, OPEN_DATAGRAMS_MAX) - 1];
    if (model.datagrams.length > OPEN_DATAGRAMS_MAX && first !== undefined) this.view.showRange(model.t_min, first.t1);
    // a link's view: its window, cursor and selection
    if (fromUrl.from_ms !== undefined && fromUrl.to_ms !== undefined) this.view.showRange(fromUrl.from_ms, fromUrl.to_ms);
    if (fromUrl.cursor_ms !== undefined) this.setCursor(fromUrl.cursor_ms);
    if (fromUrl.selected !== undefined) {
      const asNumber = Number(fromUrl.selected);
      const d = model.datagramById.get(fromUrl.selected) ?? (Number.isFinite(asNumber) ? model.datagramById.get(asNumber) : undefined);
      if (d !== undefined) this.select(d);
    }
    this.onMatches();
  }

  /** Writes a pending view state to the URL now (before this view is replaced by another). */
  flushView(): void {
    this.urlWriter?.flush();
  }

  dispose(): void {
    this.urlWriter?.cancel();
    this.playing = false;
    this.abort.abort();
    this.view.dispose();
    this.charts?.dispose();
  }

  private bindToolbar(): void {
    const signal = this.abort.signal;
    const scrubber = byId<HTMLInputElement>('scrubber');
    scrubber.addEventListener('input', () => this.setCursor(this.scale.toT((Number(scrubber.value) / SCRUB_STEPS) * this.scale.u_max)), { signal });
    const speed = byId<HTMLSelectElement>('speed');
    clear(speed);
    const wanted = Math.max(1e-9, this.scale.u_max / REPLAY_TARGET_MS);
    this.speed = SPEEDS.reduce((best, s) => (Math.abs(Math.log(s / wanted)) < Math.abs(Math.log(best / wanted)) ? s : best), 1);
    for (const s of SPEEDS) {
      const option = document.createElement('option');
      option.value = String(s);
      option.textContent = `${s}×`;
      option.selected = s === this.speed;
      speed.append(option);
    }
    speed.addEventListener('change', () => (this.speed = Number(speed.value)), { signal });
    byId('play').addEventListener('click', () => this.togglePlay(), { signal });
    byId('next-drop').addEventListener('click', () => this.nextDrop(), { signal });
    byId('next-error').addEventListener('click', () => this.nextError(), { signal });
    byId('fit').addEventListener('click', () => this.view.fit(), { signal });
    byId('match-next').addEventListener('click', () => this.stepMatch(1), { signal });
    byId('match-prev').addEventListener('click', () => this.stepMatch(-1), { signal });
    const compress = byId<HTMLInputElement>('compress');
    compress.addEventListener(
      'change',
      () => {
        this.view.setScale(compress.checked ? this.compressedScale : this.linearScale);
        this.setCursor(this.state.cursor_ms);
      },
      { signal },
    );
    window.addEventListener(
      'keydown',
      (ev) => {
        if (ev.target instanceof HTMLInputElement && ev.target.type !== 'range' && ev.target.type !== 'checkbox') return;
        if (ev.key === ' ') {
          ev.preventDefault();
          this.togglePlay();
        } else if (ev.key === 'd') this.nextDrop();
        else if (ev.key === 'e') this.nextError();
        else if (ev.key === 'f') this.view.fit();
      },
      { signal },
    );
  }

  /** The time-local idle-compressed scale (layout/idle.ts), built on first use. */
  private get compressedScale(): TimeScale {
    this.compressedScaleBuilt ??= this.model.times.length > 1 ? idleScale(this.model) : this.linearScale;
    return this.compressedScaleBuilt;
  }

  /** The whole trace (the model may be a peer pick of it). */
  get source(): ParsedTrace {
    return this.pick?.source ?? this.model.trace;
  }

  get scale(): TimeScale {
    return this.view.viewport.scale;
  }

  setCursor(t: number, follow = false): void {
    const clamped = Math.min(this.model.t_max, Math.max(this.model.t_min, t));
    this.state.cursor_ms = clamped;
    const scrubber = byId<HTMLInputElement>('scrubber');
    const u = this.scale.toU(clamped);
    scrubber.value = String(Math.round((u / Math.max(1e-9, this.scale.u_max)) * SCRUB_STEPS));
    byId('cursor-time').textContent = formatMs(clamped);
    if (follow) this.view.follow(clamped);
    this.view.requestDraw();
    this.queuePanels();
    if (!this.playing) this.saveView();
  }

  /** Panels recount up to the cursor at most once per frame. */
  private queuePanels(): void {
    if (this.panelsQueued || this.panelsHeld) return;
    this.panelsQueued = true;
    requestAnimationFrame((now) => {
      this.panelsQueued = false;
      if (this.abort.signal.aborted || this.panelsHeld) return;
      // while playing, the tables and charts follow at most PLAYING_PANELS_MS apart: the
      // diagram gets the frame budget (the next cursor move queues them again)
      if (this.playing && now - this.panelsAt_ms < PLAYING_PANELS_MS) return;
      this.panelsAt_ms = now;
      this.topology ??= new TopologyPanel(byId('topology'), this.model);
      this.charts ??= new ChartsPanel(byId('charts'), this.model, (from, to) => this.view.showRange(from, to));
      this.counts ??= new RunningCounts(this.model.trace.events, this.nodes, (e) => eventShown(this.model, this.state.masks, e));
      const counts = this.counts.at(this.state.cursor_ms);
      this.topology.update(counts);
      if (this.ring === undefined) {
        const chord = hasChord(this.model.trace.events);
        byId('chord-ring-section').hidden = !chord;
        this.ring = chord ? new RingPanel(byId('chord-ring'), this.source.events, (t) => this.setCursor(t, true)) : null;
      }
      this.ring?.update(this.state.cursor_ms);
      if (this.mesh === undefined) {
        const mesh = hasMesh(this.source.events);
        byId('mesh-section').hidden = !mesh;
        const repick = this.pick?.repick;
        this.mesh = mesh ? new MeshPanel(byId('mesh-tree'), this.source, (t) => this.setCursor(t, true), repick && ((names) => repick(new Set(names))), (q) => this.search(q)) : null;
      }
      this.mesh?.update(this.state.cursor_ms);
      renderSummary(byId('summary'), counts, this.nodes);
      const visible = this.view.viewport.visibleTimes();
      this.charts.update(this.state.cursor_ms, visible.from, visible.to);
    });
  }

  select(item: Datagram | Mark | undefined): void {
    this.state.selected = item;
    renderInspector(byId('inspector'), this.model, item);
    this.view.requestDraw();
    this.onMatches();
    this.saveView();
  }

  /** Writes the view state to the URL when this trace came from one. */
  private saveView(): void {
    if (this.urlWriter === undefined) return;
    const visible = this.view.viewport.visibleTimes();
    const sel = this.state.selected;
    this.urlWriter.write({
      from_ms: visible.from,
      to_ms: visible.to,
      cursor_ms: this.state.cursor_ms,
      node: this.filter.node,
      query: this.filter.text.trim(),
      ...(sel !== undefined && 'proto' in sel ? { selected: String(sel.id) } : {}),
      ...filterLists(this.filter, defaultFilter(this.model)),
      ...(this.pick?.picked !== undefined ? { peers: [...this.pick.picked] } : {}),
    });
  }

  setFilter(f: FilterState): void {
    this.filter = f;
    this.saveView();
    this.state.masks = applyFilter(this.model, f);
    this.counts = undefined;
    this.view.requestDraw();
    this.queuePanels();
    this.onMatches();
  }

  /** Puts `query` in the search box and highlights its matches (the overlay panels' "find"). */
  search(query: string): void {
    byId<HTMLInputElement>('filter-text').value = query;
    this.setFilter({ ...this.filter, text: query });
  }

  /** Moves the cursor to an event of the outcome header, centres it and opens its details. */
  jumpTo(to: JumpTarget): void {
    this.setCursor(to.t);
    if (to.kind === 'drop') {
      const d = this.model.datagramById.get(to.id);
      if (d !== undefined) this.view.reveal(d);
      this.select(d);
      return;
    }
    this.view.centreOn(to.t, Math.max(this.view.viewport.zoom.k, 4));
    this.select(this.model.marks.find((m) => m.event === to));
  }

  /** Shows the search's match count ("3 / 17" once one is selected). */
  private onMatches(): void {
    const matches = this.state.masks.matches;
    const el = byId('match-count');
    const query = byId<HTMLInputElement>('filter-text').value.trim();
    if (query === '') {
      el.textContent = '';
      return;
    }
    const sel = this.state.selected;
    const i = sel === undefined ? -1 : matches.findIndex((m) => ('datagram' in m ? m.datagram : m.mark) === sel);
    el.textContent = matches.length === 0 ? 'no match' : i >= 0 ? `${i + 1} / ${matches.length}` : `${matches.length} match${matches.length === 1 ? '' : 'es'}`;
  }

  /** Moves to the next (or previous) search match after (before) the cursor, wrapping. */
  stepMatch(direction: 1 | -1): void {
    const matches = this.state.masks.matches;
    if (matches.length === 0) return;
    const sel = this.state.selected;
    const current = sel === undefined ? -1 : matches.findIndex((m) => ('datagram' in m ? m.datagram : m.mark) === sel);
    let i: number;
    if (current >= 0) i = (current + direction + matches.length) % matches.length;
    else if (direction === 1) {
      i = matches.findIndex((m) => m.t > this.state.cursor_ms + 1e-9);
      if (i < 0) i = 0;
    } else {
      i = matches.length - 1;
      while (i > 0 && matches[i]!.t >= this.state.cursor_ms - 1e-9) i--;
    }
    const m = matches[i]!;
    this.setCursor(m.t);
    if ('datagram' in m) this.view.reveal(m.datagram);
    else this.view.centreOn(m.t);
    this.select('datagram' in m ? m.datagram : m.mark);
  }

  togglePlay(): void {
    this.playing = !this.playing;
    byId('play').textContent = this.playing ? '❚❚ pause' : '▶ play';
    if (!this.playing) {
      this.queuePanels();
      this.saveView();
      return;
    }
    if (this.state.cursor_ms >= this.model.t_max) this.setCursor(this.model.t_min);
    this.lastTick_ms = performance.now();
    const tick = (now: number): void => {
      if (!this.playing || this.abort.signal.aborted) return;
      const dt = Math.min(100, now - this.lastTick_ms);
      this.lastTick_ms = now;
      // advance in display units, so compressed idle gaps pass quickly
      const u = this.scale.toU(this.state.cursor_ms) + dt * this.speed;
      this.setCursor(this.scale.toT(u), true);
      if (this.state.cursor_ms >= this.model.t_max) {
        this.togglePlay();
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  /** Moves the cursor to the next drop after it (wrapping), centres and selects it. */
  nextDrop(): void {
    const drops = this.model.drops.filter((d) => {
      const dg = this.model.datagramById.get(d.id);
      return dg === undefined || this.state.masks.datagrams[dg.index] === 1;
    });
    const next = drops.find((d) => d.t > this.state.cursor_ms + 1e-9) ?? drops[0];
    if (next === undefined) return;
    this.setCursor(next.t);
    this.view.centreOn(next.t);
    this.select(this.model.datagramById.get(next.id));
  }

  nextError(): void {
    const errors = this.model.marks.filter(isErrorMark);
    const next = errors.find((m) => m.event.t > this.state.cursor_ms + 1e-9) ?? errors[0];
    if (next === undefined) return;
    this.setCursor(next.event.t);
    this.view.centreOn(next.event.t);
    this.select(next);
  }
}
