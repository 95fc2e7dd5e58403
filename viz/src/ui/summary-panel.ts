// The summary table: per node, datagrams sent, delivered to it, translated by it, and
// dropped at it by reason, counted up to the replay cursor.

import type { CountsAt, NodeCounts } from '../model/counts.ts';
import { clear, h } from './dom.ts';

export function renderSummary(host: HTMLElement, counts: CountsAt, nodes: readonly string[]): void {
  clear(host);
  const reasons = counts.reasons;
  const head = h('tr', {}, h('th', {}, 'node'), h('th', {}, 'sent'), h('th', {}, 'deliv.'), h('th', {}, 'NAT'), ...reasons.map((r) => h('th', { class: 'drop' }, r)));
  const rowOf = (name: string, c: NodeCounts, cls = ''): HTMLElement =>
    h('tr', { class: cls }, h('td', {}, name), h('td', {}, c.sent), h('td', {}, c.delivered), h('td', {}, c.natted), ...reasons.map((r) => h('td', { class: 'drop' }, c.dropsByReason.get(r) ?? '')));
  const body = h('tbody', {});
  for (const n of nodes) {
    const c = counts.byNode.get(n);
    if (c !== undefined) body.append(rowOf(n, c));
  }
  body.append(rowOf('total', counts.totals, 'total'));
  host.append(h('table', { class: 'summary', 'data-testid': 'summary' }, h('thead', {}, head), body));
}
