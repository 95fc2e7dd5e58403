// Tests for the trace parser: the documented format reads back, malformed lines are
// reported with their line number and skipped, unknown kinds are ignored, and (fuzzed)
// no input ever makes it throw.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { parseTrace, parseTraceStream, PROBLEMS_MAX, TraceParser } from '../../../../viz/src/trace/parse.ts';
import { syntheticTrace } from '../../synthetic-trace.ts';

const header = '{"v":1,"kind":"run","world":"sim","scenario":"x","seed":3,"topology":{"nodes":[{"name":"a","type":"host","ips":["10.0.0.1"],"realm":"internet"}],"realms":[{"name":"internet"}]}}';

describe('parseTrace', () => {
  it('reads the header and typed events', () => {
    const text = [
      header,
      '{"t":1,"kind":"send","node":"a","id":1,"src":"10.0.0.1:1","dst":"10.0.0.2:2","bytes":10,"proto":"echo"}',
      '{"t":2.5,"kind":"drop","node":"a","id":1,"src":"10.0.0.1:1","dst":"10.0.0.2:2","bytes":10,"reason":"loss","where":"up:a"}',
      '{"t":3,"kind":"event","node":"a","name":"done","data":{"ok":true}}',
    ].join('\n');
    const p = parseTrace(text);
    expect(p.problems).toEqual([]);
    expect(p.header?.scenario).toBe('x');
    expect(p.header?.topology.nodes[0]?.ips).toEqual(['10.0.0.1']);
    expect(p.events.map((e) => e.kind)).toEqual(['send', 'drop', 'event']);
    const drop = p.events[1]!;
    expect(drop.kind === 'drop' && drop.reason === 'loss' && drop.where === 'up:a' && drop.line === 3).toBe(true);
  });

  it('reports a malformed line with its number and loads the rest', () => {
    const text = [header, '{"t":1,"kind":"log","node":"a","level":"info","message":"x"}', '{oops', '{"t":2,"kind":"send","node":"a"}', '[1]', '{"t":3,"kind":"log","node":"a","level":"info","message":"y"}'].join('\r\n');
    const p = parseTrace(text);
    expect(p.events).toHaveLength(2);
    expect(p.problems.map((x) => x.line)).toEqual([3, 4, 5]);
    expect(p.problems[1]!.message).toMatch(/id/);
  });

  it('ignores unknown kinds and fields, and sorts out-of-order real traces stably', () => {
    const text = [
      '{"v":1,"kind":"run","world":"real","started":"2026-01-01T00:00:00Z"}',
      '{"t":5,"kind":"log","node":"b","level":"info","message":"late","extra":1}',
      '{"t":1,"kind":"quantum","node":"a"}',
      '{"t":2,"kind":"log","node":"a","level":"warn","message":"early"}',
      '{"t":5,"kind":"log","node":"a","level":"info","message":"tie"}',
    ].join('\n');
    const p = parseTrace(text);
    expect(p.unknownKinds).toBe(1);
    expect(p.header?.world).toBe('real');
    expect(p.events.map((e) => e.line)).toEqual([4, 2, 5]);
  });

  it('reads a whole synthetic trace with the documented counts', () => {
    const s = syntheticTrace({ events: 3000 });
    const p = parseTrace(s.text);
    expect(p.problems).toEqual([]);
    expect(p.events).toHaveLength(s.counts.events);
    expect(p.events.filter((e) => e.kind === 'send')).toHaveLength(s.counts.sends);
  });

  it('bounds the problem list', () => {
    const p = parseTrace('x\n'.repeat(PROBLEMS_MAX + 5));
    expect(p.problems).toHaveLength(PROBLEMS_MAX);
    expect(p.problemsDropped).toBe(5);
  });
});

const eventLine = fc.oneof(
  fc.string(),
  fc.json(),
  fc.record({
    t: fc.oneof(fc.double(), fc.integer(), fc.string()),
    kind: fc.constantFrom('send', 'nat', 'deliver', 'drop', 'nat-map', 'nat-expire', 'timer', 'event', 'stats', 'fault', 'log', 'run', 'zzz'),
    node: fc.oneof(fc.string(), fc.integer()),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
    src: fc.string(),
    dst: fc.string(),
    bytes: fc.oneof(fc.integer(), fc.string()),
    reason: fc.string(),
    topology: fc.anything(),
  }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
);

describe('parseTrace fuzz', () => {
  test.prop([fc.array(eventLine, { maxLength: 40 })])('never throws; every non-empty line is an event, a header, unknown or a reported problem', (lines) => {
    const p = parseTrace(lines.join('\n'));
    const nonEmpty = lines.flatMap((l) => l.split('\n')).filter((l) => l.replace(/\r$/, '').trim() !== '').length;
    let headers = 0;
    for (const l of lines.flatMap((x) => x.split('\n'))) {
      try {
        const v: unknown = JSON.parse(l);
        if (typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { kind?: unknown }).kind === 'run') headers++;
      } catch {
        // not JSON: counted as a problem by the parser
      }
    }
    const firstHeader = headers > 0 ? 1 : 0;
    expect(p.lines).toBe(nonEmpty);
    expect(p.events.length + p.unknownKinds + p.problems.length + p.problemsDropped + firstHeader).toBe(nonEmpty);
    for (const problem of p.problems) expect(problem.line).toBeGreaterThan(0);
    for (let i = 1; i < p.events.length; i++) expect(p.events[i]!.t).toBeGreaterThanOrEqual(p.events[i - 1]!.t);
  });
});

describe('TraceParser (streamed)', () => {
  test.prop([fc.array(fc.string({ maxLength: 30 }), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 8 })])('any chunking gives the same result as parsing the whole text', (lines, cuts) => {
    const s = syntheticTrace({ events: 40, seed: 2 });
    const text = s.text + lines.join('\n');
    const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
    const parser = new TraceParser();
    let at = 0;
    for (const p of [...points, text.length]) {
      parser.push(text.slice(at, p));
      at = p;
    }
    const streamed = parser.finish();
    const whole = parseTrace(text);
    expect(streamed.events.map((e) => e.line)).toEqual(whole.events.map((e) => e.line));
    expect(streamed.problems).toEqual(whole.problems);
    expect(streamed.lines).toBe(whole.lines);
  });

  it('parses a byte stream split inside a multi-byte character', async () => {
    const text = syntheticTrace({ events: 30 }).text + '{"t":9999,"kind":"log","node":"a","level":"info","message":"héllo ⇒ wörld"}\n';
    const bytes = new TextEncoder().encode(text);
    const cut = bytes.indexOf(0xc3) + 1; // in the middle of "é"
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const parsed = await parseTraceStream(stream);
    const last = parsed.events[parsed.events.length - 1]!;
    expect(last.kind === 'log' && last.message).toBe('héllo ⇒ wörld');
  });

  it('hands a big trace\'s first events over once, sorted, while the rest still streams in (issue 14 defect 7)', async () => {
    const text = syntheticTrace({ events: 3000, seed: 3 }).text;
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 4096) controller.enqueue(bytes.slice(i, i + 4096));
        controller.close();
      },
    });
    // no browser here: a frame is a macrotask
    const raf = (globalThis as { requestAnimationFrame?: (f: () => void) => void }).requestAnimationFrame;
    (globalThis as { requestAnimationFrame?: (f: () => void) => void }).requestAnimationFrame = (f) => void setTimeout(f, 0);
    try {
      const prefixes: number[] = [];
      let sortedPrefix = true;
      const whole = await parseTraceStream(stream, {
        prefixEvents: 500,
        onPrefix: (p) => {
          prefixes.push(p.events.length);
          for (let i = 1; i < p.events.length; i++) if (p.events[i]!.t < p.events[i - 1]!.t) sortedPrefix = false;
        },
      });
      expect(prefixes).toHaveLength(1);
      expect(prefixes[0]).toBeGreaterThanOrEqual(500);
      expect(prefixes[0]).toBeLessThan(whole.events.length);
      expect(sortedPrefix).toBe(true);
      expect(whole).toEqual(parseTrace(text));
    } finally {
      (globalThis as { requestAnimationFrame?: (f: () => void) => void }).requestAnimationFrame = raf;
    }
  });

  it('snapshot is the trace so far, sorted on a copy, and parsing carries on', () => {
    const parser = new TraceParser();
    parser.push('{"t":5,"kind":"log","node":"a","message":"x"}\n{"t":2,"kind":"log","node":"a","message":"y"}\n');
    const snap = parser.snapshot();
    expect(snap.events.map((e) => e.t)).toEqual([2, 5]);
    parser.push('{"t":9,"kind":"log","node":"a","message":"z"}\n');
    expect(parser.finish().events.map((e) => e.t)).toEqual([2, 5, 9]);
    expect(snap.events).toHaveLength(2);
  });
});
