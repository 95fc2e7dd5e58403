// SecureSocket: the secure reliable transport as a Node Duplex stream over real UDP, so
// `pipeline(createReadStream(f), socket)` and `for await (const chunk of socket)` just work.
// One SecureEndpoint (a RudpEndpoint on the runtime-node Driver) may carry many sockets;
// SecureSocket.connect() makes a private one, SecureSocket.listen() a shared listener.
// Whatever one peer sends cannot take the others down: the Driver catches, counts and traces
// any exception from the endpoint (`machine-error`, driver.counters.machine_errors) and keeps
// serving every other connection; an application call that throws is reported the same way.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { addr, formatAddr, parseAddr, type Addr } from '../protocol/core/addr.ts';
import type { Crypto } from '../protocol/core/crypto.ts';
import type { RudpConfig } from '../protocol/rudp/config.ts';
import { RudpEndpoint, type RudpCommand } from '../protocol/rudp/endpoint.ts';
import { RudpError } from '../protocol/rudp/errors.ts';
import type { RudpEvent, StatsSample } from '../protocol/rudp/events.ts';
import { Driver } from './driver.ts';
import { nodeCrypto } from './node-crypto.ts';
import { NodeRng } from './node-rng.ts';

export interface SecureSocketOptions {
  /** 32-byte X25519 secret: this side's identity. */
  readonly identity: Uint8Array;
  readonly crypto?: Crypto;
  readonly config?: Partial<RudpConfig>;
  /** Local address to bind (default 0.0.0.0:0). */
  readonly bind?: Addr;
  readonly socket_buffer_bytes?: number;
  readonly acceptPeer?: (publicKey: Uint8Array) => boolean;
}

export interface ConnectOptions extends SecureSocketOptions {
  /** Pin the peer's identity (its static public key). */
  readonly expectedPeer?: Uint8Array;
  readonly connect_timeout_ms?: number;
}

/** Bulk transfers need large kernel buffers or the receive queue silently drops. */
const SOCKET_BUFFER_BYTES_DEFAULT = 8 * 1024 * 1024;
/** Sockets a listener keeps waiting for accept() via async iteration. */
const ACCEPT_BACKLOG_MAX = 128;
/** Chunks moved into the readable buffer per turn before yielding to the event loop. */
const PULL_CHUNKS_MAX = 256;
/** Bytes joined into one pushed Buffer at most. */
const PULL_BYTES_MAX = 256 * 1024;
/** Chunks at least this large are pushed as they are. */
const PULL_JOIN_BELOW_BYTES = 8 * 1024;

/** A RudpEndpoint on one bound UDP socket, with its connections as Duplex streams. */
export class SecureEndpoint extends EventEmitter {
  readonly sockets = new Map<number, SecureSocket>();

  private constructor(readonly endpoint: RudpEndpoint, readonly driver: Driver<RudpCommand, RudpEvent>) {
    super();
    driver.onEvent((event) => this.dispatch(event));
  }

  static async open(options: SecureSocketOptions, accept: boolean): Promise<SecureEndpoint> {
    const endpoint = new RudpEndpoint({
      crypto: options.crypto ?? nodeCrypto,
      rng: new NodeRng(),
      staticSecret: options.identity,
      config: options.config,
      accept,
      acceptPeer: options.acceptPeer,
    });
    const driver = await Driver.start(endpoint, {
      bind: [options.bind ?? addr('0.0.0.0', 0)],
      socket_buffer_bytes: options.socket_buffer_bytes ?? SOCKET_BUFFER_BYTES_DEFAULT,
      node: 'rudp',
    });
    return new SecureEndpoint(endpoint, driver);
  }

  get local(): Addr {
    return this.driver.localAddresses[0]!;
  }

  private dispatch(event: RudpEvent): void {
    if (event.conn === undefined) return; // a failed command tied to no connection
    if (event.type === 'connected' && !this.sockets.has(event.conn)) {
      const socket = new SecureSocket(this, event.conn);
      this.sockets.set(event.conn, socket);
      socket.onEvent(event);
      this.emit('connection', socket);
      return;
    }
    this.sockets.get(event.conn)?.onEvent(event);
    if (event.type === 'closed' && !this.sockets.has(event.conn)) this.emit('failed', event);
  }

  forget(conn: number): void {
    this.sockets.delete(conn);
    if (this.sockets.size === 0 && this.listenerCount('connection') === 0) void this.driver.close();
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}

export class SecureSocket extends Duplex {
  peerIdentity = '';
  remoteAddress = '';
  private pendingWrite: { data: Uint8Array; callback: (error?: Error | null) => void } | undefined;
  private pendingFinal: ((error?: Error | null) => void) | undefined;
  private wantRead = true;
  private closedEvent = false;
  private eofPushed = false;
  private pulling = false;

  constructor(private readonly owner: SecureEndpoint, readonly conn: number) {
    super({ allowHalfOpen: false, writableHighWaterMark: 256 * 1024, readableHighWaterMark: 256 * 1024 });
  }

  /** Connects to `remote` ("ip:port" or Addr) and resolves once the handshake is done. */
  static async connect(remote: Addr | string, options: ConnectOptions): Promise<SecureSocket> {
    const target = typeof remote === 'string' ? parseAddr(remote) : remote;
    const owner = await SecureEndpoint.open(options, false);
    const conn = owner.driver.act((_m, now) => owner.endpoint.connect(now, target, { expectedPeer: options.expectedPeer }));
    if (conn === undefined) {
      // The endpoint refused the call (the driver has reported why as a machine error).
      const last = owner.driver.driverEvents.at(-1);
      await owner.close();
      throw new RudpError('aborted', `could not connect to ${formatAddr(target)}: ${last?.type === 'machine-error' ? last.message : 'driver closed'}`);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new RudpError('handshake-timeout', `no handshake with ${formatAddr(target)}`)), options.connect_timeout_ms ?? 30_000);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        void owner.close();
        reject(error);
      };
      owner.once('connection', (socket: SecureSocket) => {
        clearTimeout(timer);
        resolve(socket);
      });
      owner.driver.onEvent((event) => {
        if (event.type === 'closed' && event.conn === conn && !owner.sockets.has(conn)) {
          fail(new RudpError(event.error ?? 'aborted', event.message ?? 'closed during handshake'));
        }
      });
    });
  }

  /** A listener: 'connection' events, or `for await (const socket of server.accept())`. */
  static async listen(options: SecureSocketOptions): Promise<SecureServer> {
    return new SecureServer(await SecureEndpoint.open(options, true));
  }

  onEvent(event: RudpEvent): void {
    switch (event.type) {
      case 'connected':
        this.peerIdentity = event.peer;
        this.remoteAddress = event.remote;
        break;
      case 'readable':
        this.pull();
        break;
      case 'writable':
        this.flushPending();
        break;
      case 'datagram':
        for (let d = this.owner.endpoint.readDatagram(this.conn); d; d = this.owner.endpoint.readDatagram(this.conn)) {
          this.emit('datagram', Buffer.from(d.buffer, d.byteOffset, d.byteLength));
        }
        break;
      case 'end':
        this.pull();
        break;
      case 'finished':
        this.pendingFinal?.();
        this.pendingFinal = undefined;
        break;
      case 'path-changed':
        this.remoteAddress = event.to;
        this.emit('path-changed', event);
        break;
      case 'closed':
        this.closedEvent = true;
        this.owner.forget(this.conn);
        if (event.error) this.destroy(new RudpError(event.error, event.message ?? event.error));
        else {
          this.pendingFinal?.();
          this.pendingFinal = undefined;
          this.endReadable();
        }
        break;
    }
  }

  private pull(): void {
    // Re-entrancy guard: flushing the driver dispatches events that may call pull() again.
    if (!this.wantRead || this.pulling) return;
    this.pulling = true;
    const endpoint = this.owner.endpoint;
    let count = 0;
    // The transport hands out one view per packet (~1.2 kB); pushing each through the stream
    // machinery costs more than the copy that joins them, so a pull pushes one buffer.
    const gathered: Uint8Array[] = [];
    let gathered_bytes = 0;
    for (let chunk = endpoint.read(this.conn); chunk; chunk = count < PULL_CHUNKS_MAX ? endpoint.read(this.conn) : undefined) {
      count++;
      if (chunk.byteLength >= PULL_JOIN_BELOW_BYTES) {
        // A large packet (path-MTU probing): joining would only copy it again.
        // Both are pushed: the chunk has left the transport, whatever the reader's fill.
        const joined = gathered_bytes === 0 || this.pushGathered(gathered, gathered_bytes);
        const more = this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) && joined;
        gathered_bytes = 0;
        if (!more) {
          this.wantRead = false;
          break;
        }
        continue;
      }
      gathered.push(chunk);
      gathered_bytes += chunk.byteLength;
      if (gathered_bytes < PULL_BYTES_MAX) continue;
      const more = this.pushGathered(gathered, gathered_bytes);
      gathered_bytes = 0;
      if (!more) {
        this.wantRead = false;
        break;
      }
    }
    if (gathered_bytes > 0 && !this.pushGathered(gathered, gathered_bytes)) this.wantRead = false;
    const connection = endpoint.connection(this.conn);
    if (connection && connection.receiveStream.ended) this.endReadable();
    this.pulling = false;
    // Reading may have opened the flow-control window: let the driver send MAX_DATA now.
    this.owner.driver.act(() => undefined);
    if (count >= PULL_CHUNKS_MAX && this.wantRead) setImmediate(() => this.pull());
  }

  /** Pushes the gathered chunks as one Buffer (empties the list); false: the reader is full. */
  private pushGathered(chunks: Uint8Array[], size_bytes: number): boolean {
    let out: Buffer;
    if (chunks.length === 1) {
      const only = chunks[0]!;
      out = Buffer.from(only.buffer, only.byteOffset, only.byteLength);
    } else {
      out = Buffer.allocUnsafe(size_bytes);
      let at = 0;
      for (const chunk of chunks) {
        out.set(chunk, at);
        at += chunk.byteLength;
      }
    }
    chunks.length = 0;
    return this.push(out);
  }

  private endReadable(): void {
    if (this.eofPushed) return;
    this.eofPushed = true;
    this.push(null);
  }

  override _read(): void {
    this.wantRead = true;
    this.pull();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // Like net.Socket, the transport keeps a reference to the chunk (no copy) until the bytes
    // are acknowledged, so callers must not reuse a buffer they have written.
    this.pendingWrite = { data: chunk, callback };
    this.flushPending();
  }

  private flushPending(): void {
    const pending = this.pendingWrite;
    if (!pending) return;
    const taken = this.owner.driver.act((_m, now) => this.owner.endpoint.write(now, this.conn, pending.data)) ?? 0;
    if (this.closedEvent) return pending.callback(new RudpError('aborted', 'connection closed'));
    if (taken === pending.data.byteLength) {
      this.pendingWrite = undefined;
      pending.callback();
    } else {
      pending.data = pending.data.subarray(taken);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.pendingFinal = callback;
    this.owner.driver.act((_m, now) => this.owner.endpoint.close(now, this.conn));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.closedEvent) {
      this.owner.driver.act((_m, now) => this.owner.endpoint.abort(now, this.conn, error?.message ?? 'destroyed'));
      this.owner.forget(this.conn);
    }
    callback(error);
  }

  /** Unreliable datagram beside the stream; false when too large or not connected. */
  sendDatagram(data: Uint8Array): boolean {
    return this.owner.driver.act((_m, now) => this.owner.endpoint.sendDatagram(now, this.conn, data)) ?? false;
  }

  get datagramPayloadMax(): number {
    return this.owner.endpoint.connection(this.conn)?.datagramPayloadMax ?? 0;
  }

  stats(): StatsSample | undefined {
    return this.owner.endpoint.stats(this.conn);
  }

  get localAddress(): Addr {
    return this.owner.local;
  }
}

export class SecureServer extends EventEmitter {
  private readonly backlog: SecureSocket[] = [];
  private waiter: ((socket: SecureSocket) => void) | undefined;

  constructor(readonly owner: SecureEndpoint) {
    super();
    owner.on('connection', (socket: SecureSocket) => {
      this.emit('connection', socket);
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(socket);
      } else if (this.listenerCount('connection') === 0 && this.backlog.length < ACCEPT_BACKLOG_MAX) {
        this.backlog.push(socket);
      }
    });
  }

  get address(): Addr {
    return this.owner.local;
  }

  get publicKey(): Uint8Array {
    return this.owner.endpoint.identity.publicKey;
  }

  async *accept(): AsyncGenerator<SecureSocket> {
    for (;;) {
      const ready = this.backlog.shift();
      if (ready) {
        yield ready;
        continue;
      }
      yield await new Promise<SecureSocket>((resolve) => (this.waiter = resolve));
    }
  }

  close(): Promise<void> {
    return this.owner.close();
  }
}
