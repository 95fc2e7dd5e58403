// The real-run trace writer: header first, one JSON object per line, JSON-safe event data.
import { fc, test } from '@fast-check/vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { addr } from '../../protocol/core/addr.ts';
import { TraceFile, jsonSafe, realHeaderRecord } from '../../runtime-node/trace-file.ts';

test('writes a world:"real" header and parseable lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-trace-'));
  try {
    const path = join(dir, 't.jsonl');
    const file = new TraceFile(path, realHeaderRecord({ scenario: 'x', started: new Date(0), nodes: [{ name: 'a', type: 'host' }] }));
    for (let i = 0; i < 5000; i++) file.write({ t: i, kind: 'log', node: 'a', level: 'info', message: `line ${i}` });
    file.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5001);
    const header = JSON.parse(lines[0]!);
    expect(header).toMatchObject({ v: 1, kind: 'run', world: 'real', started: '1970-01-01T00:00:00.000Z' });
    expect(JSON.parse(lines[5000]!)).toMatchObject({ t: 4999, kind: 'log' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('jsonSafe turns addresses, bytes and bigints into text', () => {
  expect(jsonSafe({ a: addr('::1', 5), b: new Uint8Array([1, 255]), c: 5n })).toEqual({ a: '[::1]:5', b: '01ff', c: '5' });
});

test.prop([fc.anything({ withTypedArray: true, withBigInt: true, withMap: true, withSet: true })])(
  'jsonSafe output always stringifies',
  (value) => {
    expect(() => JSON.stringify(jsonSafe(value))).not.toThrow();
  },
);
