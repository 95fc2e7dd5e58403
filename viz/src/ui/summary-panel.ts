// The summary table: per node, datagrams sent, delivered to it, translated by it, and
// dropped at it by reason, counted up to the replay cursor.

import type { CountsAt, NodeCounts } from '../model/counts.ts';
import { clear, h } from './dom.ts';

/** Rows shown before the quietest nodes are left out. */
const SUMMARY_ROWS_MAX = 40;

export function renderSummary(host: HTMLElement, counts: CountsAt, nodes: readonly string[]): void {
  clear(host);
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
  for (const n of shown) body.append(rowOf(n, counts.byNode.get(n)!));
  const hidden = nodes.length - shown.length;
  if (hidden > 0) body.append(h('tr', {}, h('td', { colspan: 4 + reasons.length, class: 'hint' }, `… ${hidden} quieter nodes not shown`)));
  body.append(rowOf('total', counts.totals, 'total'));
  host.append(h('table', { class: 'summary', 'data-testid': 'summary' }, h('thead', {}, head), body));
}
