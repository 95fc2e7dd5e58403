// The filter bar: node, protocol and kind toggles and a text box. Calls back with a new
// FilterState on every change (text debounced, since it scans every event).

import { FILTER_KINDS, protocolsOf, type FilterKind, type FilterState } from '../model/filter.ts';
import type { TraceModel } from '../model/model.ts';
import { protoColor } from '../render/colors.ts';
import { clear, h } from './dom.ts';

const TEXT_DEBOUNCE_MS = 200;

export function buildFilterControls(host: HTMLElement, model: TraceModel, initial: FilterState, onChange: (f: FilterState) => void, signal: AbortSignal): void {
  clear(host);
  let state = initial;
  const emit = (next: Partial<FilterState>): void => {
    state = { ...state, ...next };
    onChange(state);
  };
  const node = h('select', { id: 'filter-node', title: 'only traffic touching this node' }, h('option', { value: '' }, 'all nodes'), ...model.lanes.map((l) => h('option', { value: l.name }, l.name)));
  node.value = state.node;
  node.addEventListener('change', () => emit({ node: node.value }), { signal });
  const protos = h('fieldset', { id: 'filter-protos', title: 'protocols' });
  for (const p of protocolsOf(model)) {
    const box = h('input', { type: 'checkbox', checked: state.protos.has(p), 'data-proto': p });
    box.addEventListener(
      'change',
      () => {
        const next = new Set(state.protos);
        if (box.checked) next.add(p);
        else next.delete(p);
        emit({ protos: next });
      },
      { signal },
    );
    protos.append(h('label', {}, box, h('span', { class: 'swatch', style: `background:${protoColor(p)}` }), p));
  }
  const popup = h('div', { class: 'popup' });
  const kindBoxes = h('details', { class: 'kinds', id: 'filter-kinds' }, h('summary', {}, 'kinds'), popup);
  for (const k of FILTER_KINDS) {
    const box = h('input', { type: 'checkbox', checked: state.kinds.has(k), 'data-kind': k });
    box.addEventListener(
      'change',
      () => {
        const next = new Set<FilterKind>(state.kinds);
        if (box.checked) next.add(k);
        else next.delete(k);
        emit({ kinds: next });
      },
      { signal },
    );
    popup.append(h('label', {}, box, ` ${k}`));
  }
  // the kinds popup closes on any click outside it (it would otherwise cover the details)
  document.addEventListener(
    'pointerdown',
    (ev) => {
      if (kindBoxes.open && !(ev.target instanceof Node && kindBoxes.contains(ev.target))) kindBoxes.open = false;
    },
    { signal },
  );
  const text = h('input', { id: 'filter-text', type: 'search', placeholder: 'search: text or reason=… node=…', title: 'highlights matches; words must all match; field=value matches a field exactly; Enter: next match' });
  text.value = state.text;
  const count = h('span', { id: 'match-count', class: 'match-count' });
  const prev = h('button', { id: 'match-prev', type: 'button', title: 'previous match (shift+Enter)' }, '▲');
  const next = h('button', { id: 'match-next', type: 'button', title: 'next match (Enter)' }, '▼');
  let timer: ReturnType<typeof setTimeout> | undefined;
  text.addEventListener(
    'input',
    () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => emit({ text: text.value }), TEXT_DEBOUNCE_MS);
    },
    { signal },
  );
  text.addEventListener(
    'keydown',
    (ev) => {
      if (ev.key !== 'Enter') return;
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
        emit({ text: text.value });
      }
      (ev.shiftKey ? prev : next).click();
    },
    { signal },
  );
  host.append(node, protos, kindBoxes, text, count, prev, next);
}
