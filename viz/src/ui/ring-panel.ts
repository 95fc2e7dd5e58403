// The Chord ring view: nodes on a circle by id at the cursor, successor edges (grey), the
// selected node's fingers (blue, click a node to pick it) and the last lookup before the
// cursor with its hops (orange path, red target successor). Built from chord-ring.ts.
import { angleOf, chordRingAt, type RingState } from '../model/chord-ring.ts';
import type { TraceEvent } from '../trace/types.ts';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 260;
const R = 110;

function el(name: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export class RingPanel {
  private selected: string | undefined;
  private last: RingState | undefined;

  constructor(
    private readonly host: HTMLElement,
    private readonly events: readonly TraceEvent[],
  ) {}

  update(cursor_ms: number): void {
    this.last = chordRingAt(this.events, cursor_ms);
    this.draw();
  }

  private draw(): void {
    const state = this.last;
    if (state === undefined) return;
    const svg = el('svg', { width: SIZE, height: SIZE, viewBox: `${-SIZE / 2} ${-SIZE / 2} ${SIZE} ${SIZE}`, 'data-testid': 'chord-ring' }) as SVGSVGElement;
    svg.append(el('circle', { r: R, fill: 'none', stroke: '#ccc' }));
    const pos = (id: string): [number, number] => {
      const a = angleOf(id, state.digits);
      return [R * Math.sin(a), -R * Math.cos(a)];
    };
    const line = (a: string, b: string, stroke: string, width: number): void => {
      const [x1, y1] = pos(a);
      const [x2, y2] = pos(b);
      svg.append(el('line', { x1, y1, x2, y2, stroke, 'stroke-width': width }));
    };
    for (const n of state.nodes.values()) if (n.successor && n.successor !== n.id) line(n.id, n.successor, '#999', 1);
    const sel = this.selected === undefined ? undefined : state.nodes.get(this.selected);
    if (sel) for (const f of sel.fingers) line(sel.id, f, '#2b6cb0', 1.5);
    const lk = state.lookup;
    if (lk) {
      const origin = state.nodes.get(lk.node)?.id;
      const hops = [...(origin ? [origin] : []), ...lk.path, lk.successor];
      for (let i = 0; i + 1 < hops.length; i++) line(hops[i]!, hops[i + 1]!, '#dd6b20', 2.5);
    }
    for (const n of state.nodes.values()) {
      const [cx, cy] = pos(n.id);
      const dot = el('circle', { cx, cy, r: n.name === this.selected ? 5 : 3.5, fill: lk?.successor === n.id ? '#c53030' : n.name === this.selected ? '#2b6cb0' : '#333' });
      const title = el('title', {});
      title.textContent = `${n.name} ${n.id}${n.successor ? ` → ${n.successor}` : ''}`;
      dot.append(title);
      dot.addEventListener('click', () => {
        this.selected = n.name;
        this.draw();
      });
      svg.append(dot);
    }
    const caption = document.createElement('div');
    caption.textContent = `${state.nodes.size} nodes${lk ? ` · lookup from ${lk.node}: ${lk.path.length} hops` : ''}${sel ? ` · fingers of ${sel.name}` : ' · click a node for its fingers'}`;
    this.host.replaceChildren(svg, caption);
  }
}
