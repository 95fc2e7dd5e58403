// The Chord ring view: nodes on a circle by id at the cursor (the replay cursor is the chosen
// time: drag the scrubber and the ring follows), successor edges (grey), the selected node's
// fingers (blue, click a node to pick it) and one lookup with its hops numbered (orange path
// from the asking node through each queried node to the key's successor, red; the key itself
// a red tick on the ring). By default the last lookup before the cursor; ◀ ▶ step through
// every lookup of the trace, moving the cursor to it. Built from chord-ring.ts.
import { angleOf, chordRingAt, lookupsOf, type RingLookup, type RingState } from '../model/chord-ring.ts';
import { formatMs } from '../model/describe.ts';
import type { TraceEvent } from '../trace/types.ts';
import { h } from './dom.ts';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 300;
const R = 118;
/** Rings up to this many nodes get name labels. */
const LABELS_MAX = 24;
const LOOKUP_COLOR = '#dd6b20';

function el(name: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export class RingPanel {
  private selected: string | undefined;
  private last: RingState | undefined;
  private readonly lookups: RingLookup[];
  /** the lookup stepped to with ◀ ▶; undefined: the last one before the cursor */
  private chosen: RingLookup | undefined;
  private cursor_ms = 0;

  constructor(
    private readonly host: HTMLElement,
    private readonly events: readonly TraceEvent[],
    private readonly onJump: (t: number) => void = () => undefined,
  ) {
    this.lookups = lookupsOf(events);
  }

  update(cursor_ms: number): void {
    this.cursor_ms = cursor_ms;
    // a chosen lookup holds while the cursor stays at or after it
    if (this.chosen !== undefined && cursor_ms < this.chosen.t) this.chosen = undefined;
    this.last = chordRingAt(this.events, cursor_ms, this.chosen);
    this.draw();
  }

  /** Shows lookup `index` (0-based) and moves the cursor to it. */
  showLookup(index: number): void {
    const lk = this.lookups[Math.max(0, Math.min(this.lookups.length - 1, index))];
    if (lk === undefined) return;
    this.chosen = lk;
    this.onJump(lk.t);
    this.update(lk.t);
  }

  private draw(): void {
    const state = this.last;
    if (state === undefined) return;
    const svg = el('svg', { width: '100%', viewBox: `${-SIZE / 2} ${-SIZE / 2} ${SIZE} ${SIZE}`, 'data-testid': 'chord-ring' }) as SVGSVGElement;
    svg.append(el('circle', { r: R, fill: 'none', stroke: '#ccc' }));
    const nameOf = new Map<string, string>();
    for (const n of state.nodes.values()) nameOf.set(n.id, n.name);
    const pos = (id: string, r = R): [number, number] => {
      const a = angleOf(id, state.digits);
      return [r * Math.sin(a), -r * Math.cos(a)];
    };
    const line = (a: string, b: string, stroke: string, width: number, cls = ''): void => {
      const [x1, y1] = pos(a);
      const [x2, y2] = pos(b);
      svg.append(el('line', { x1, y1, x2, y2, stroke, 'stroke-width': width, class: cls }));
    };
    for (const n of state.nodes.values()) if (n.successor && n.successor !== n.id) line(n.id, n.successor, '#999', 1);
    const sel = this.selected === undefined ? undefined : state.nodes.get(this.selected);
    if (sel) for (const f of sel.fingers) line(sel.id, f, '#2b6cb0', 1.5);
    const lk = state.lookup;
    const hops: string[] = [];
    if (lk) {
      const origin = state.nodes.get(lk.node)?.id;
      hops.push(...(origin ? [origin] : []), ...lk.path);
      if (hops[hops.length - 1] !== lk.successor) hops.push(lk.successor);
      for (let i = 0; i + 1 < hops.length; i++) line(hops[i]!, hops[i + 1]!, LOOKUP_COLOR, 2.5, 'hop');
      // the key: a red tick across the ring at its id
      if (/^[0-9a-f]+$/i.test(lk.target) && state.digits > 0) {
        const [x1, y1] = pos(lk.target, R - 9);
        const [x2, y2] = pos(lk.target, R + 9);
        svg.append(el('line', { x1, y1, x2, y2, stroke: '#c53030', 'stroke-width': 2.5, class: 'target' }));
      }
      // hop numbers beside the nodes asked (the origin is 0)
      hops.forEach((id, i) => {
        const start = i === 0 && origin !== undefined;
        const [x, y] = pos(id, R + 14);
        const t = el('text', { x, y: y + 3, 'font-size': 10, 'font-weight': 'bold', 'text-anchor': 'middle', fill: LOOKUP_COLOR, class: start ? 'hop-origin' : 'hop-number' });
        t.textContent = start ? `${lk.node} ▶` : String(i);
        svg.append(t);
      });
    }
    const labels = state.nodes.size <= LABELS_MAX;
    for (const n of state.nodes.values()) {
      const [cx, cy] = pos(n.id);
      const dot = el('circle', { cx, cy, r: n.name === this.selected ? 5 : 3.5, fill: lk?.successor === n.id ? '#c53030' : n.name === this.selected ? '#2b6cb0' : '#333', 'data-node': n.name });
      const title = el('title', {});
      title.textContent = `${n.name} ${n.id}${n.successor ? ` → ${n.successor} (${nameOf.get(n.successor) ?? '?'})` : ''}`;
      dot.append(title);
      dot.addEventListener('click', () => {
        this.selected = n.name;
        this.draw();
      });
      svg.append(dot);
      if (labels) {
        const [lx, ly] = pos(n.id, R - 14);
        const t = el('text', { x: lx, y: ly + 3, 'font-size': 8, 'text-anchor': 'middle', fill: '#5b6570' });
        t.textContent = n.name;
        svg.append(t);
      }
    }
    const caption = h('div', { 'data-testid': 'chord-caption' }, `${state.nodes.size} nodes at ${formatMs(this.cursor_ms)}${sel ? ` · fingers of ${sel.name}` : ' · click a node for its fingers'}`);
    const controls = h('div', { class: 'lookup-controls' });
    const hopList = h('ol', { class: 'lookup-hops', start: 0, 'data-testid': 'chord-hops' });
    if (this.lookups.length > 0) {
      const prev = h('button', { type: 'button', title: 'previous lookup', 'data-testid': 'lookup-prev' }, '◀');
      const next = h('button', { type: 'button', title: 'next lookup', 'data-testid': 'lookup-next' }, '▶');
      const at = lk === undefined ? -1 : lk.index;
      prev.addEventListener('click', () => this.showLookup(at < 0 ? 0 : at - 1));
      next.addEventListener('click', () => this.showLookup(at + 1));
      controls.append(prev, h('span', { 'data-testid': 'lookup-index' }, lk === undefined ? `no lookup yet (${this.lookups.length})` : `lookup ${lk.index + 1} / ${this.lookups.length}`), next);
    }
    if (lk) {
      const named = (id: string): string => `${nameOf.get(id) ?? '?'} (${id})`;
      controls.append(h('span', { class: 'hint' }, ` ${lk.path.length} hop${lk.path.length === 1 ? '' : 's'}, at ${formatMs(lk.t)}`));
      hopList.append(h('li', {}, `${lk.node} asks for key ${lk.target}`));
      lk.path.forEach((id) => hopList.append(h('li', {}, `asks ${named(id)}`)));
      hopList.append(h('li', { style: 'color:#c53030' }, `successor: ${named(lk.successor)}`));
    }
    this.host.replaceChildren(controls, svg, caption, hopList);
  }
}
