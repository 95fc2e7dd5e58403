// Two traces opened together (file picker or drop) are the two sides of one real `peerlab
// connect`: merged in the page as `peerlab viz a.jsonl b.jsonl` does (model/merge.ts), then
// loaded like any trace. A pair that cannot be merged is reported, nothing else is loaded.
import { MergeError, mergedText, mergeTraces, parseSide } from '../model/merge.ts';
import type { LoadFn } from './open.ts';

export async function openPair(a: File, b: File, load: LoadFn, fail: (message: string) => void): Promise<void> {
  try {
    const merged = mergeTraces(parseSide(await a.text(), a.name), parseSide(await b.text(), b.name));
    const blob = new Blob([mergedText(merged)], { type: 'application/x-ndjson' });
    await load(blob.stream() as ReadableStream<Uint8Array>, `${a.name} + ${b.name} (merged)`);
  } catch (err) {
    fail(err instanceof MergeError ? `cannot merge ${a.name} and ${b.name}: ${err.message}` : `could not read ${a.name} and ${b.name}: ${String(err)}`);
  }
}
