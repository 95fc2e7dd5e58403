// Test helper: pushes a byte buffer through a Pipe connection and collects what arrives.
import type { RudpEvent } from '../../../protocol/rudp/events.ts';
import type { Pipe, Side } from './pipe.ts';

export interface TransferResult {
  received: Uint8Array;
  clientClosed?: RudpEvent;
  serverClosed?: RudpEvent;
  done: boolean;
  elapsed_ms: number;
}

/** Sends `data` from side 0 to side 1 (client connects), closes, waits for both closes. */
export function transfer(pipe: Pipe, data: Uint8Array, limit_ms = 120_000, chunk_bytes = 64 * 1024): TransferResult {
  const [client, server] = pipe.endpoints;
  const parts: Uint8Array[] = [];
  let received_bytes = 0;
  let offset = 0;
  let clientConn = -1;
  let serverConn = -1;
  const result: TransferResult = { received: new Uint8Array(0), done: false, elapsed_ms: 0 };
  const pump = (): void => {
    while (offset < data.byteLength) {
      const taken = client.write(pipe.now, clientConn, data.subarray(offset, Math.min(data.byteLength, offset + chunk_bytes)));
      if (taken === 0) break;
      offset += taken;
    }
    if (offset === data.byteLength) client.close(pipe.now, clientConn);
  };
  let start = 0;
  pipe.onEvent = (side: Side, event: RudpEvent) => {
    if (side === 0) {
      if (event.type === 'connected') {
        start = pipe.now;
        pump();
      } else if (event.type === 'writable') pump();
      else if (event.type === 'closed') result.clientClosed = event;
    } else {
      if (event.type === 'connected') serverConn = event.conn;
      else if (event.type === 'readable') {
        for (let chunk = server.read(serverConn); chunk; chunk = server.read(serverConn)) {
          parts.push(chunk);
          received_bytes += chunk.byteLength;
        }
      } else if (event.type === 'end') server.close(pipe.now, serverConn);
      else if (event.type === 'closed') result.serverClosed = event;
    }
  };
  clientConn = pipe.connect();
  result.done = pipe.run(() => result.clientClosed !== undefined && result.serverClosed !== undefined, limit_ms);
  result.elapsed_ms = pipe.now - start;
  const out = new Uint8Array(received_bytes);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  result.received = out;
  return result;
}
