// The summary table: per node, datagrams sent, delivered to it, translated by it, and
// dropped at it by reason, counted up to the replay cursor.

import type { CountsAt, NodeCounts } from '../model/counts.ts';
import { clear, h } from './dom.ts';

/** Rows shown before the quietest nodes are left out. */
const SUMMARY_ROWS_MAX = 40;

/** The table last built in a host: its shape and its number cells, to update in place. */
interface Built {
  readonly shape: string;
  readonly cells: { readonly td: HTMLElement; readonly value: (counts: CountsAt) => string }[];
}
const built = new WeakMap<HTMLElement, Built>();

export function renderSummary(host: HTMLElement, counts: CountsAt, nodes: readonly string[]): void {
  const reasons = counts.reasons;
  const head = h('tr', {}, h('th', {}, 'node'), h('th', {}, 'sent'), h('th', {}, 'deliv.'), h('th', {}, 'NAT'), ...reasons.map((r) => h('th', { class: 'drop' }, r)));
  const rowOf = (name: string, c: NodeCounts, cls = ''): HTMLElement =>
    h('tr', { class: cls }, h('td', {}, name), h('td', {}, c.sent), h('td', {}, c.delivered), h('td', {}, c.natted), ...reasons.map((r) => h('td', { class: 'drop' }, c.dropsByReason.get(r) ?? '')));
  const body = h('tbody', {});
  // with many nodes, the busiest ones (the table is rebuilt every frame while playing)
  const busy = (c: NodeCounts): number => c.sent + c.delivered + c.natted + c.dropped;
  let shown = nodes.filter((n) => counts.byNode.has(n));
  if (shown.length > SUMMARY_ROWS_MAX) {
    const top = new Set([...shown].sort((a, b) => busy(counts.byNode.get(b)!) - busy(counts.byNode.get(a)!)).slice(0, SUMMARY_ROWS_MAX));
    shown = shown.filter((n) => top.has(n));
  }
  // playback updates the table 4 times a second: same rows and columns, only new numbers
  const shape = `${reasons.join('\u0000')}\u0001${shown.join('\u0000')}\u0001${nodes.length}`;
  const last = built.get(host);
  if (last !== undefined && last.shape === shape && host.firstChild !== null) {
    for (const cell of last.cells) {
      const text = cell.value(counts);
      if (cell.td.textContent !== text) cell.td.textContent = text;
    }
    return;
  }
  clear(host);
  for (const n of shown) body.append(rowOf(n, counts.byNode.get(n)!));
  const hidden = nodes.length - shown.length;
  if (hidden > 0) body.append(h('tr', {}, h('td', { colspan: 4 + reasons.length, class: 'hint' }, `… ${hidden} quieter nodes not shown`)));
  body.append(rowOf('total', counts.totals, 'total'));
  host.append(h('table', { class: 'summary', 'data-testid': 'summary' }, h('thead', {}, head), body));
  // remember each number cell and how to read its value from later counts
  const cells: Built['cells'][number][] = [];
  const rows = [...body.querySelectorAll('tr')];
  const keys: (string | undefined)[] = [...shown, ...(hidden > 0 ? [undefined] : []), 'total'];
  rows.forEach((tr, i) => {
    const key = keys[i];
    if (key === undefined) return;
    const of = (c: CountsAt): NodeCounts | undefined => (key === 'total' && i === rows.length - 1 ? c.totals : c.byNode.get(key));
    const tds = [...tr.querySelectorAll('td')].slice(1);
    const fields: ((n: NodeCounts) => string)[] = [(n) => String(n.sent), (n) => String(n.delivered), (n) => String(n.natted), ...reasons.map((r) => (n: NodeCounts) => String(n.dropsByReason.get(r) ?? ''))];
    tds.forEach((td, j) => {
      const field = fields[j];
      if (field !== undefined) cells.push({ td, value: (c) => { const n = of(c); return n === undefined ? '' : field(n); } });
    });
  });
  built.set(host, { shape, cells });
}
