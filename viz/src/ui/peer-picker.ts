// The peer picker: which nodes get a lane of their own (the rest collapse into one "others"
// lane, model/lane-subset.ts). A popup with a filter box and one checkbox per node; "apply"
// reopens the trace through the pick. For traces of hundreds of peers.
import { clear, h } from './dom.ts';

export function buildPeerPicker(host: HTMLElement, all: readonly string[], picked: ReadonlySet<string> | undefined, onApply: (picked: ReadonlySet<string> | undefined) => void, signal: AbortSignal): void {
  clear(host);
  host.hidden = all.length < 2;
  const shown = picked === undefined ? all.length : all.filter((n) => picked.has(n)).length;
  const details = h('details', { class: 'kinds peer-picker', 'data-testid': 'peer-picker' }, h('summary', { 'data-testid': 'peer-picker-summary' }, `lanes: ${shown} / ${all.length} peers`));
  const popup = h('div', { class: 'popup peer-popup' });
  const filter = h('input', { type: 'search', placeholder: 'filter names', 'data-testid': 'peer-filter' });
  const list = h('div', { class: 'peer-list' });
  const boxes = new Map<string, HTMLInputElement>();
  for (const name of all) {
    const box = h('input', { type: 'checkbox', checked: picked === undefined || picked.has(name), 'data-peer': name });
    boxes.set(name, box);
    list.append(h('label', { 'data-peer': name }, box, ` ${name}`));
  }
  filter.addEventListener(
    'input',
    () => {
      const q = filter.value.trim().toLowerCase();
      for (const label of list.children) (label as HTMLElement).hidden = q !== '' && !(label.getAttribute('data-peer') ?? '').toLowerCase().includes(q);
    },
    { signal },
  );
  const setVisible = (on: boolean): void => {
    for (const label of list.children) if (!(label as HTMLElement).hidden) boxes.get(label.getAttribute('data-peer') ?? '')!.checked = on;
  };
  const allBtn = h('button', { type: 'button' }, 'check shown');
  allBtn.addEventListener('click', () => setVisible(true), { signal });
  const noneBtn = h('button', { type: 'button' }, 'uncheck shown');
  noneBtn.addEventListener('click', () => setVisible(false), { signal });
  const apply = h('button', { type: 'button', 'data-testid': 'peer-apply' }, 'apply');
  apply.addEventListener(
    'click',
    () => {
      const next = new Set([...boxes].filter(([, b]) => b.checked).map(([n]) => n));
      details.open = false;
      onApply(next.size === all.length ? undefined : next);
    },
    { signal },
  );
  popup.append(filter, h('div', { class: 'peer-buttons' }, allBtn, noneBtn, apply), list);
  details.append(popup);
  document.addEventListener(
    'pointerdown',
    (ev) => {
      if (details.open && !(ev.target instanceof Node && details.contains(ev.target))) details.open = false;
    },
    { signal },
  );
  host.append(details);
}
