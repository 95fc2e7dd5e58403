// The outcome header: one row per peer pair saying what happened (path and technique, time
// to path, handshake done, goodput, drops by reason), each item a button that moves the
// cursor there and opens its details. Hidden when the trace has no peer-to-peer events.

import { formatMs } from '../model/describe.ts';
import { formatRate, pairOutcomes, pathText, timeToPath_ms, transferResult } from '../model/outcome.ts';
import type { TraceModel } from '../model/model.ts';
import type { AppEvent, DropEvent } from '../trace/types.ts';
import { clear, h } from './dom.ts';

export type JumpTarget = AppEvent | DropEvent;

export function renderOutcomeHeader(host: HTMLElement, model: TraceModel, jump: (to: JumpTarget) => void, signal: AbortSignal): void {
  clear(host);
  const outcomes = pairOutcomes(model);
  host.hidden = outcomes.length === 0;
  const item = (testid: string, label: string, value: string, to: JumpTarget | undefined, cls = ''): HTMLElement => {
    const el = h('button', { type: 'button', class: `outcome-item ${cls}`, 'data-testid': testid, title: to === undefined ? undefined : `jump to ${formatMs(to.t)} (line ${to.line})`, disabled: to === undefined }, h('span', { class: 'k' }, label), ' ', h('span', { class: 'v' }, value));
    if (to !== undefined) el.addEventListener('click', () => jump(to), { signal });
    return el;
  };
  for (const o of outcomes) {
    const row = h('div', { class: 'outcome-row', 'data-testid': 'outcome-row', 'data-pair': o.label }, h('strong', { class: 'pair' }, o.label));
    const path = pathText(o);
    const failed = o.punchFailures > 0 ? ` (punch failed ×${o.punchFailures})` : '';
    row.append(item('outcome-path', 'path', path === undefined ? `none${failed}` : `${path}${failed}`, o.path, path?.startsWith('relay') === true ? 'relay' : path === undefined ? 'bad' : 'good'));
    const ttp = timeToPath_ms(o);
    if (o.path !== undefined) row.append(item('outcome-time-to-path', 'time to path', ttp === undefined ? '?' : formatMs(ttp), o.path));
    row.append(item('outcome-handshake', 'handshake', o.handshake === undefined ? '—' : `done at ${formatMs(o.handshake.t)}`, o.handshake));
    const result = transferResult(o);
    if (result !== undefined) {
      const rate = o.goodput_bytes_per_ms === undefined ? '?' : formatRate(o.goodput_bytes_per_ms);
      row.append(item('outcome-goodput', 'goodput', result.ok ? rate : `${rate}, failed: ${result.error ?? 'error'}`, o.transferEnd, result.ok ? 'good' : 'bad'));
    }
    for (const [reason, { count, first }] of [...o.drops].sort((a, b) => b[1].count - a[1].count)) {
      row.append(item('outcome-drop', `✕ ${reason}`, count.toLocaleString('en-US'), first, 'drop'));
    }
    host.append(row);
  }
}
