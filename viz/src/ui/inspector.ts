// The details panel: what the user clicked. For a datagram, the decoded summary, sizes,
// ids, every hop with the NAT mapping it used; for a mark, its fields; always the raw
// trace lines with their line numbers.

import { datagramHops, datagramSummary, formatMs } from '../model/describe.ts';
import type { Datagram, Mark, TraceModel } from '../model/model.ts';
import { explainNatDrop } from '../model/nat-explain.ts';
import { protoColor } from '../render/colors.ts';
import { clear, h } from './dom.ts';

const RAW_LINES_MAX = 12;

function rawBlock(records: readonly { line: number; raw: unknown }[]): HTMLElement {
  const shown = records.slice(0, RAW_LINES_MAX);
  return h(
    'details',
    { class: 'raw' },
    h('summary', {}, `trace lines (${records.length})`),
    h('pre', {}, shown.map((r) => `${r.line}: ${JSON.stringify(r.raw)}`).join('\n')),
  );
}

function row(key: string, value: string): HTMLElement {
  return h('tr', {}, h('th', {}, key), h('td', {}, value));
}

export function renderInspector(host: HTMLElement, model: TraceModel, selected: Datagram | Mark | undefined): void {
  clear(host);
  host.append(h('h3', {}, 'Details'));
  if (selected === undefined) {
    host.append(h('p', { class: 'hint' }, 'Click an arrow, a drop ✕ or a mark to inspect it.'));
    return;
  }
  if ('proto' in selected) {
    const d = selected;
    const origin = d.send ?? d.origin;
    const dropped = d.ends.find((e) => e.kind === 'drop');
    host.append(
      h('div', { class: 'summary-line', 'data-testid': 'datagram-summary' }, h('span', { class: 'swatch', style: `background:${protoColor(d.proto)}` }), datagramSummary(d)),
      h(
        'table',
        { class: 'kv', 'data-testid': 'datagram-fields' },
        row('packet id', String(d.id)),
        row('protocol', d.proto),
        row('size', `${d.bytes} bytes`),
        origin ? row('from', `${origin.node} ${origin.src}`) : false,
        origin ? row('to', origin.dst) : false,
        row('sent at', formatMs(origin?.t ?? d.t0)),
        row('outcome', dropped ? `dropped: ${dropped.kind === 'drop' ? dropped.reason : ''}` : d.ends.length > 0 ? 'delivered' : 'unknown'),
        d.send?.dup_of !== undefined ? row('duplicate of', String(d.send.dup_of)) : false,
      ),
      h('h4', {}, 'Path'),
    );
    const list = h('ol', { class: 'hops' });
    for (const hop of datagramHops(model, d)) {
      const li = h('li', {}, h('b', {}, `${formatMs(hop.t)} ${hop.node}`), ' ', hop.text);
      if (hop.mapping !== undefined) {
        const m = hop.mapping;
        li.append(h('div', { class: 'mapping' }, `mapping ${m.internal} ⇒ ${m.external}${m.remote ? ` for ${m.remote}` : ''}, made at ${formatMs(m.t)} (line ${m.line})`));
      }
      list.append(li);
    }
    host.append(list);
    if (dropped?.kind === 'drop') {
      const x = explainNatDrop(model, dropped);
      if (x !== undefined) {
        const box = h('div', { class: 'nat-explain', 'data-testid': 'nat-explain' }, h('h4', {}, `Why ${x.nat} dropped it`), h('div', { class: 'why' }, x.why), h('div', {}, `${x.nat}${x.preset ? ` (${x.preset})` : ''}: ${x.rule}`));
        const maps = h('ul', { class: 'hops' });
        for (const m of x.mappings) maps.append(h('li', {}, `${m.internal} ⇒ ${m.external}${m.remote ? ` for ${m.remote}` : ''}; sent to ${m.sentTo.length === 0 ? 'nobody' : m.sentTo.join(', ')}`));
        box.append(h('div', {}, `mappings live at ${formatMs(dropped.t)}: ${x.mappingsLive}${x.mappingsLive > x.mappings.length ? ` (first ${x.mappings.length})` : ''}`), maps);
        host.append(box);
      }
    }
    const records = [...(d.send ? [d.send] : []), ...d.nats, ...d.ends].sort((a, b) => a.line - b.line);
    host.append(rawBlock(records));
    return;
  }
  const e = selected.event;
  const table = h('table', { class: 'kv', 'data-testid': 'mark-fields' }, row('kind', e.kind), row('node', e.node), row('time', formatMs(e.t)));
  switch (e.kind) {
    case 'event':
      table.append(row('name', e.name), row('data', JSON.stringify(e.data)));
      break;
    case 'nat-map':
      table.append(row('internal', e.internal), row('external', e.external), row('remote', e.remote ?? '(any)'));
      break;
    case 'nat-expire':
      table.append(row('internal', e.internal), row('external', e.external));
      break;
    case 'log':
      table.append(row('level', e.level), row('message', e.message));
      break;
    case 'timer':
      table.append(row('deadline', formatMs(e.at)));
      break;
  }
  host.append(table, rawBlock([e]));
}
