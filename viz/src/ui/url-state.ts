// The view state in the URL, so a link reproduces a view: the time window in view
// (`from`, `to`), the cursor (`t`), the node filter (`node`), the search (`q`), the
// selected datagram (`sel`, its packet id), the protocol and kind filters when not the
// defaults (`protos`, `kinds`, comma lists) and the peers given lanes (`peers`). Read once when a `?trace=` URL opens; written
// back (replaceState, debounced) as the user moves around. Other parameters (`trace`,
// `name`) are kept as they are.

export interface ViewState {
  readonly from_ms?: number;
  readonly to_ms?: number;
  readonly cursor_ms?: number;
  readonly node?: string;
  readonly query?: string;
  readonly selected?: string;
  readonly protos?: readonly string[];
  readonly kinds?: readonly string[];
  readonly peers?: readonly string[];
}

const WRITE_DEBOUNCE_MS = 250;

function finite(text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export function readViewState(search = window.location.search): ViewState {
  const p = new URLSearchParams(search);
  const text = (k: string): string | undefined => {
    const v = p.get(k);
    return v === null || v === '' ? undefined : v;
  };
  const from_ms = finite(p.get('from'));
  const to_ms = finite(p.get('to'));
  const window = from_ms !== undefined && to_ms !== undefined && to_ms > from_ms ? { from_ms, to_ms } : {};
  const cursor_ms = finite(p.get('t'));
  const node = text('node');
  const query = text('q');
  const selected = text('sel');
  // a list may be present and empty (every protocol unchecked): `protos=`
  const list = (k: string): readonly string[] | undefined => {
    const v = p.get(k);
    return v === null ? undefined : v.split(',').filter((x) => x !== '');
  };
  const protos = list('protos');
  const kinds = list('kinds');
  const peers = list('peers');
  return {
    ...(protos !== undefined ? { protos } : {}),
    ...(kinds !== undefined ? { kinds } : {}),
    ...(peers !== undefined && peers.length > 0 ? { peers } : {}),
    ...window,
    ...(cursor_ms !== undefined ? { cursor_ms } : {}),
    ...(node !== undefined ? { node } : {}),
    ...(query !== undefined ? { query } : {}),
    ...(selected !== undefined ? { selected } : {}),
  };
}

/** Rounds a time for the URL (µs is plenty, and keeps links short). */
function ms(t: number): string {
  return String(Number(t.toFixed(3)));
}

export class ViewStateWriter {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: ViewState | undefined;

  write(state: ViewState): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.pending = state;
    this.timer = setTimeout(() => this.flush(), WRITE_DEBOUNCE_MS);
  }

  /**
   * Writes the pending state now. A view that is replaced (other peers picked) flushes, so
   * the next one, which reads its filters from the URL, starts from the latest state rather
   * than from what the debounce had written so far.
   */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const state = this.pending;
    this.pending = undefined;
    if (state === undefined) return;
    const p = new URLSearchParams(window.location.search);
    const set = (k: string, v: string | undefined): void => (v === undefined || v === '' ? p.delete(k) : p.set(k, v));
    set('from', state.from_ms === undefined ? undefined : ms(state.from_ms));
    set('to', state.to_ms === undefined ? undefined : ms(state.to_ms));
    set('t', state.cursor_ms === undefined ? undefined : ms(state.cursor_ms));
    set('node', state.node);
    set('q', state.query);
    set('sel', state.selected);
    for (const k of ['protos', 'kinds', 'peers'] as const) {
      const v = state[k];
      if (v === undefined) p.delete(k);
      else p.set(k, v.join(','));
    }
    history.replaceState(null, '', `${window.location.pathname}?${p.toString()}`);
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
