// The three ways in: the file picker, drag-and-drop onto the page, and `?trace=URL`
// (which `peerlab viz` uses). Each hands the text and a display name to `load`.

import { byId } from './dom.ts';

export type LoadFn = (text: string, name: string) => void;

export function bindOpeners(load: LoadFn, fail: (message: string) => void): void {
  const input = byId<HTMLInputElement>('file-input');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file !== undefined) void file.text().then((text) => load(text, file.name), (err: unknown) => fail(String(err)));
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
    const file = ev.dataTransfer?.files[0];
    if (file !== undefined) void file.text().then((text) => load(text, file.name), (err: unknown) => fail(String(err)));
  });
}

/** Loads the trace named by `?trace=URL`, if any. */
export async function loadFromQuery(load: LoadFn, fail: (message: string) => void): Promise<void> {
  const url = new URLSearchParams(window.location.search).get('trace');
  if (url === null || url === '') return;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
    load(await response.text(), decodeURIComponent(url.split('/').pop() ?? url));
  } catch (err) {
    fail(`could not load ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
