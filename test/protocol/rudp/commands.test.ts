// Issue 10: handleCommand never throws and never truncates silently. What a command did comes
// back as an event: `connecting` (the new connection id), `accepted` (bytes queued of bytes
// asked; fewer means the send buffer was full and a `writable` event follows), and
// `command-failed` with a typed reason (endpoint-full, unknown-connection, not-writable,
// too-large, not-established).
import { describe, expect, it } from 'vitest';
import type { RudpEvent } from '../../../protocol/rudp/events.ts';
import { Pipe } from './pipe.ts';

const of = <T extends RudpEvent['type']>(events: readonly RudpEvent[], type: T): Array<Extract<RudpEvent, { type: T }>> =>
  events.filter((e): e is Extract<RudpEvent, { type: T }> => e.type === type);

describe('rudp commands report their results as events (issue 10)', () => {
  it('issue 10: connect beyond connections_max is a command-failed event, never a throw', () => {
    const pipe = new Pipe(1101, { delay_ms: 5 }, { connections_max: 2 });
    const a = pipe.endpoints[0];
    for (let i = 0; i < 3; i++) expect(() => a.handleCommand(pipe.now, { type: 'connect', remote: pipe.addrs[1] })).not.toThrow();
    pipe.drain();
    expect(of(pipe.events[0], 'connecting')).toHaveLength(2);
    expect(of(pipe.events[0], 'command-failed')).toMatchObject([{ command: 'connect', conn: 0, error: 'endpoint-full' }]);
    expect(a.connectionCount).toBe(2);
  });

  it('issue 10: write reports accepted bytes; a full send buffer is reported, and each writable lets the rest continue', () => {
    const pipe = new Pipe(1102, { delay_ms: 5 }, { send_buffer_bytes: 64 * 1024 });
    const endpoint = pipe.endpoints[0];
    endpoint.handleCommand(pipe.now, { type: 'connect', remote: pipe.addrs[1] });
    pipe.drain();
    const conn = of(pipe.events[0], 'connecting')[0]!.conn;
    pipe.run(() => of(pipe.events[0], 'connected').length === 1, 5_000);
    const data = new Uint8Array(100 * 1024).map((_, i) => i & 0xff);
    endpoint.handleCommand(pipe.now, { type: 'write', conn, data });
    pipe.drain();
    const first = of(pipe.events[0], 'accepted')[0]!;
    expect(first).toMatchObject({ conn, command: 'write', requested_bytes: data.byteLength });
    expect(first.accepted_bytes).toBe(64 * 1024);
    // Each `writable` lets the script continue where the last `accepted` left off.
    let written = first.accepted_bytes;
    for (let round = 0; round < 100 && written < data.byteLength; round++) {
      const writables = of(pipe.events[0], 'writable').length;
      expect(pipe.run(() => of(pipe.events[0], 'writable').length > writables, 5_000)).toBe(true);
      endpoint.handleCommand(pipe.now, { type: 'write', conn, data: data.subarray(written) });
      pipe.drain();
      const last = of(pipe.events[0], 'accepted').at(-1)!;
      expect(last.requested_bytes).toBe(data.byteLength - written);
      expect(last.accepted_bytes).toBeGreaterThan(0);
      written += last.accepted_bytes;
    }
    expect(written).toBe(data.byteLength);
  });

  it('issue 10: commands on unknown, finished or unsuitable connections fail with a typed reason', () => {
    const pipe = new Pipe(1103, { delay_ms: 5 }, { mode: 'message', message_bytes_max: 1000 });
    const endpoint = pipe.endpoints[0];
    const conn = pipe.connect();
    endpoint.handleCommand(pipe.now, { type: 'datagram', conn, data: new Uint8Array(10) });
    pipe.run(() => of(pipe.events[0], 'connected').length === 1, 5_000);
    endpoint.handleCommand(pipe.now, { type: 'write', conn: 12345, data: new Uint8Array(1) });
    endpoint.handleCommand(pipe.now, { type: 'message', conn, data: new Uint8Array(1001) });
    endpoint.handleCommand(pipe.now, { type: 'datagram', conn, data: new Uint8Array(5000) });
    endpoint.handleCommand(pipe.now, { type: 'close', conn });
    endpoint.handleCommand(pipe.now, { type: 'message', conn, data: new Uint8Array(10) });
    pipe.drain();
    expect(of(pipe.events[0], 'command-failed').map((e) => `${e.command}:${e.error}`)).toEqual([
      'datagram:not-established',
      'write:unknown-connection',
      'message:too-large',
      'datagram:too-large',
      'message:not-writable',
    ]);
  });
});
