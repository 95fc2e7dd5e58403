// The three ways in: the file picker, drag-and-drop onto the page, and `?trace=URL`
// (which `peerlab viz` uses). Each hands a byte stream and a display name to `load`, which
// parses while the bytes arrive. Two files picked or dropped together are merged first.

import { byId } from './dom.ts';
import { openPair } from './open-pair.ts';

export type LoadFn = (stream: ReadableStream<Uint8Array>, name: string) => Promise<void>;

/** When the `?trace=` fetch started (ms since navigation start), for the bench. */
export const fetchTiming = { started_ms: 0 };

function openFile(file: File, load: LoadFn, fail: (message: string) => void): void {
  load(file.stream() as ReadableStream<Uint8Array>, file.name).catch((err: unknown) => fail(`could not read ${file.name}: ${String(err)}`));
}

/** One file opens as it is; two are the two sides of one real connect, merged (open-pair.ts). */
function openFiles(files: FileList | undefined | null, load: LoadFn, fail: (message: string) => void): void {
  const [a, b] = [files?.[0], files?.[1]];
  if (a !== undefined && b !== undefined) void openPair(a, b, load, fail);
  else if (a !== undefined) openFile(a, load, fail);
}

export function bindOpeners(load: LoadFn, fail: (message: string) => void): void {
  const input = byId<HTMLInputElement>('file-input');
  input.addEventListener('change', () => {
    openFiles(input.files, load, fail);
    input.value = '';
  });
  const target = byId('diagram');
  document.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    target.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => target.classList.remove('dragging'));
  document.addEventListener('drop', (ev) => {
    ev.preventDefault();
    target.classList.remove('dragging');
    openFiles(ev.dataTransfer?.files, load, fail);
  });
}

/** The fetch index.html's inline script started before this module loaded, if any. */
interface EarlyFetch {
  url: string;
  started_ms: number;
  response: Promise<Response>;
}

function takeEarlyFetch(url: string): EarlyFetch | undefined {
  const holder = window as unknown as { __peerlabEarlyFetch?: EarlyFetch };
  const early = holder.__peerlabEarlyFetch;
  holder.__peerlabEarlyFetch = undefined;
  return early !== undefined && early.url === url ? early : undefined;
}

/** Loads the trace named by `?trace=URL`, if any. */
export async function loadFromQuery(load: LoadFn, fail: (message: string) => void): Promise<void> {
  const url = new URLSearchParams(window.location.search).get('trace');
  if (url === null || url === '') return;
  try {
    const early = takeEarlyFetch(url);
    fetchTiming.started_ms = early?.started_ms ?? performance.now();
    const response = await (early?.response ?? fetch(url));
    if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status} for ${url}`);
    // `peerlab viz` serves any file at /trace.jsonl and passes its real name as `name`
    const name = new URLSearchParams(window.location.search).get('name');
    await load(response.body, name !== null && name !== '' ? name : decodeURIComponent(url.split('/').pop() ?? url));
  } catch (err) {
    fail(`could not load ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
