// The mesh panel: pick a broadcast, see its dissemination tree (model/mesh-tree.ts) laid out
// left to right by tree depth: the root, each peer under the peer its first copy came from,
// pushed links solid green, GRAFT fetches dashed orange, duplicates as a red count beside the
// peer that got them. Peers not yet reached at the cursor are hollow, so playback shows the
// spread. Clicking a peer moves the cursor to its delivery; "lanes" picks the tree's top;
// "find" searches the diagram for the broadcast's events (highlighted, counted, ▲ ▼).
import { broadcastsOf, childrenOf, disseminationTree, type Broadcast, type DisseminationTree, type TreeNode } from '../model/mesh-tree.ts';
import { formatMs } from '../model/describe.ts';
import type { ParsedTrace } from '../trace/types.ts';
import { h } from './dom.ts';

const SVG = 'http://www.w3.org/2000/svg';
const W = 350;
const ROW_PX = 13;
const M = { left: 8, right: 44, top: 10, bottom: 10 };
/** Peers given lanes by the "lanes" button: the root and the tree's first levels, at most this many. */
const LANES_FROM_TREE_MAX = 16;
export const PUSH_COLOR = '#2f855a';
export const GRAFT_COLOR = '#dd6b20';
const DUP_COLOR = '#d62728';

function el(name: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

interface Placed {
  readonly node: TreeNode;
  readonly depth: number;
  readonly row: number;
}

/** Tidy enough: leaves take rows in depth-first order, a parent sits at its children's middle. */
function place(tree: DisseminationTree): Placed[] {
  const kids = childrenOf(tree);
  const out: Placed[] = [];
  let nextRow = 0;
  const visit = (n: TreeNode, depth: number, guard: Set<string>): number => {
    guard.add(n.name);
    const children = (kids.get(n.name) ?? []).filter((c) => !guard.has(c.name));
    let row: number;
    if (children.length === 0) row = nextRow++;
    else {
      const rows = children.map((c) => visit(c, depth + 1, guard));
      row = (rows[0]! + rows[rows.length - 1]!) / 2;
    }
    out.push({ node: n, depth, row });
    return row;
  };
  const guard = new Set<string>();
  visit(tree.nodes[0]!, 0, guard);
  // a parent cycle (not a tree: a malformed trace) leaves peers unplaced: list them at depth 1
  for (const n of tree.nodes) if (!guard.has(n.name)) out.push({ node: n, depth: 1, row: nextRow++ });
  return out;
}

export class MeshPanel {
  private readonly broadcasts: Broadcast[];
  /** the broadcast the user chose; undefined: the last one sent at or before the cursor */
  private chosen: Broadcast | undefined;
  private tree: DisseminationTree | undefined;
  private placed: Placed[] = [];
  private cursor_ms = 0;
  /** built once, so a playing cursor never closes the list under the user's pointer */
  private readonly controls: HTMLElement;
  private readonly picker: HTMLSelectElement;
  /** what the last draw showed: a cursor move redraws only when a peer changes state */
  private drawn = { broadcast: '', reached: -1 };

  constructor(
    private readonly host: HTMLElement,
    private readonly trace: ParsedTrace,
    private readonly onJump: (t: number) => void,
    onPickPeers: ((names: string[]) => void) | undefined,
    onSearch: ((query: string) => void) | undefined = undefined,
  ) {
    this.broadcasts = broadcastsOf(trace.events);
    this.picker = h('select', { 'data-testid': 'mesh-broadcast', title: 'which broadcast (default: the last one sent before the cursor)' });
    this.broadcasts.forEach((x, i) => {
      this.picker.append(h('option', { value: x.id }, `#${i + 1} ${formatMs(x.t)} from ${x.root}${x.msg_type ? ` (${x.msg_type})` : ''}`));
    });
    this.picker.addEventListener('change', () => this.choose(this.picker.value));
    this.controls = h('div', { class: 'mesh-controls' }, this.picker);
    if (onPickPeers !== undefined) {
      const lanes = h('button', { type: 'button', 'data-testid': 'mesh-lanes', title: 'give lanes to the root and the first levels of this tree (the rest collapse)' }, 'lanes for this tree');
      lanes.addEventListener('click', () => onPickPeers([...this.placed].sort((a, c) => a.depth - c.depth || a.node.t - c.node.t).slice(0, LANES_FROM_TREE_MAX).map((p) => p.node.name)));
      this.controls.append(' ', lanes);
    }
    if (onSearch !== undefined) {
      const find = h('button', { type: 'button', 'data-testid': 'mesh-find', title: 'search the diagram for this broadcast’s events (sent, deliveries, duplicates)' }, 'find in diagram');
      find.addEventListener('click', () => {
        const b = this.current();
        if (b !== undefined) onSearch(`id=${b.id}`);
      });
      this.controls.append(' ', find);
    }
  }

  /** The broadcast shown at the cursor. */
  current(): Broadcast | undefined {
    if (this.chosen !== undefined) return this.chosen;
    let best = this.broadcasts[0];
    for (const b of this.broadcasts) if (b.t <= this.cursor_ms) best = b;
    return best;
  }

  choose(id: string): void {
    this.chosen = this.broadcasts.find((b) => b.id === id);
    this.draw();
  }

  update(cursor_ms: number): void {
    this.cursor_ms = cursor_ms;
    this.draw();
  }

  private draw(): void {
    const b = this.current();
    if (b === undefined) {
      this.host.replaceChildren(h('p', { class: 'hint' }, 'No broadcasts in this trace.'));
      return;
    }
    if (this.tree?.broadcast !== b) this.tree = disseminationTree(this.trace.events, this.trace.header?.topology ?? { nodes: [], realms: [] }, b);
    const tree = this.tree;
    const reached = tree.nodes.filter((n) => n.t <= this.cursor_ms).length;
    if (this.drawn.broadcast === b.id && this.drawn.reached === reached) return;
    this.drawn = { broadcast: b.id, reached };
    this.picker.value = b.id;
    const placed = (this.placed = place(tree));
    const rows = Math.max(1, ...placed.map((p) => p.row + 1));
    const depthMax = Math.max(1, ...placed.map((p) => p.depth));
    const height = M.top + M.bottom + rows * ROW_PX;
    const x = (depth: number): number => M.left + (depth / depthMax) * (W - M.left - M.right);
    const y = (row: number): number => M.top + row * ROW_PX + ROW_PX / 2;
    const svg = el('svg', { width: '100%', viewBox: `0 0 ${W} ${height}`, 'data-testid': 'mesh-tree', 'data-broadcast': b.id }) as SVGSVGElement;
    const at = new Map(placed.map((p) => [p.node.name, p]));
    for (const p of placed) {
      const parentName = p.node.parent !== undefined && at.has(p.node.parent) ? p.node.parent : p.node.via === 'root' ? undefined : b.root;
      const parent = parentName === undefined ? undefined : at.get(parentName);
      if (parent === undefined || parent === p) continue;
      const graft = p.node.via === 'graft';
      // an elbow: out of the parent, down to the child's row, into the child
      const xm = (x(parent.depth) + x(p.depth)) / 2;
      svg.append(
        el('path', {
          d: `M${x(parent.depth)},${y(parent.row)} H${xm} V${y(p.row)} H${x(p.depth)}`,
          fill: 'none',
          stroke: graft ? GRAFT_COLOR : PUSH_COLOR,
          'stroke-width': graft ? 1.6 : 1.1,
          'stroke-dasharray': graft ? '4 2' : 'none',
          class: graft ? 'edge graft' : 'edge push',
        }),
      );
    }
    for (const p of placed) {
      const n = p.node;
      const reached = n.t <= this.cursor_ms;
      const color = n.via === 'root' ? '#1d2329' : n.via === 'graft' ? GRAFT_COLOR : PUSH_COLOR;
      const g = el('g', { class: 'peer', 'data-peer': n.name, 'data-hops': n.hops, 'data-via': n.via, 'data-dups': n.duplicates.length, cursor: 'pointer' });
      g.append(el('circle', { cx: x(p.depth), cy: y(p.row), r: n.via === 'root' ? 5 : 3.6, fill: reached ? color : '#fff', stroke: color, 'stroke-width': 1.2 }));
      const label = el('text', { x: x(p.depth) + 6, y: y(p.row) + 3, 'font-size': 9, fill: '#1d2329' });
      label.textContent = n.name;
      g.append(label);
      if (n.duplicates.length > 0) {
        const dup = el('text', { x: x(p.depth) + 8 + n.name.length * 5.2, y: y(p.row) + 3, 'font-size': 9, fill: DUP_COLOR, class: 'dup' });
        dup.textContent = `+${n.duplicates.length}`;
        g.append(dup);
      }
      const title = el('title', {});
      title.textContent = `${n.name}: ${n.via === 'root' ? 'sent' : `${n.via === 'graft' ? 'fetched by GRAFT' : 'pushed'} from ${n.parent ?? '?'}`} at ${formatMs(n.t)}, ${n.hops} hop${n.hops === 1 ? '' : 's'}${n.duplicates.length > 0 ? `; duplicates from ${n.duplicates.join(', ')}` : ''}`;
      g.append(title);
      g.addEventListener('click', () => this.onJump(n.t));
      svg.append(g);
    }
    const caption = h(
      'div',
      { class: 'mesh-caption', 'data-testid': 'mesh-caption' },
      `${tree.nodes.length - 1} peers reached (${reached - (b.t <= this.cursor_ms ? 1 : 0)} by the cursor) · depth ${tree.depth} hops · last after ${formatMs(tree.span_ms)} · ${tree.grafts} by GRAFT · ${tree.duplicates} duplicate${tree.duplicates === 1 ? '' : 's'}`,
    );
    const legend = h(
      'div',
      { class: 'hint' },
      h('span', { style: `color:${PUSH_COLOR}` }, '── pushed (tree link)'),
      ' ',
      h('span', { style: `color:${GRAFT_COLOR}` }, '- - fetched by GRAFT after IHAVE'),
      ' ',
      h('span', { style: `color:${DUP_COLOR}` }, '+n duplicates'),
      ' · hollow: not reached at the cursor · click a peer to jump to its delivery',
    );
    this.host.replaceChildren(this.controls, caption, svg, legend);
  }
}
