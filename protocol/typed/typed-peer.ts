// A peerpy-style Peer over our secure transport: typed connections (json, bytes, or safe plain
// values) opened with HELLO -> ACCEPT | DENY inside an authenticated session, with `strict`
// (another data type closes the connection on both sides, typed), `stream` with a fixed
// `dataSize` (a frame of another size is refused, typed), `maxConnections` (a HELLO beyond it is
// denied with that reason), `broadcast` to every open connection, and a typed `timeout` for a
// dial that gets no answer. The transport runs in message mode, so a payload is delivered whole
// or not at all: a peer that vanishes mid-message yields `close {error: 'transport'}`, never a
// torn message.
import { BoundedQueue } from '../core/bounded-queue.ts';
import { fromUtf8Strict, utf8 } from '../core/bytes.ts';
import type { Crypto } from '../core/crypto.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Machine, Transmit, Addr } from '../core/index.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import type { RudpConfig } from '../rudp/config.ts';
import { RudpEndpoint } from '../rudp/endpoint.ts';
import type { RudpEvent } from '../rudp/events.ts';
import type { Payload, SendError, TypedCloseError, TypedCommand, TypedEvent } from './typed-events.ts';
import { decodeFrame, encodeFrame, type CloseCode, type ConnectionOptions, type DataType, type DenyReason, type TypedFrame } from './typed-wire.ts';
import { decodeValue, encodeValue, type Value } from './value-codec.ts';

export interface TypedPeerConfig {
  readonly crypto: Crypto;
  readonly rng: Rng;
  readonly staticSecret: Uint8Array;
  /** Our name in HELLO (peerpy's peer_name), <= 64 bytes. */
  readonly name: string;
  /** Open typed connections (dialed or accepted, pending included); 0 = no limit (peerpy). */
  readonly max_connections: number;
  /** A dial with no ACCEPT/DENY, or a session with no HELLO, is closed with `timeout` after this. */
  readonly hello_timeout_ms: number;
  /** Largest payload we send or accept in one message. */
  readonly payload_bytes_max: number;
  /** Decides offers at once (peerpy's offer handler); absent = wait for the `answer` command. */
  readonly decide?: (offer: Extract<TypedEvent, { type: 'offer' }>) => boolean;
  readonly rudp?: Partial<RudpConfig>;
  /** Events waiting for pollEvent before new ones are refused (counted in events_dropped); at least 1. */
  readonly events_max: number;
}

export const TYPED_DEFAULTS = { name: 'peerlab', max_connections: 0, hello_timeout_ms: 5_000, payload_bytes_max: 512 * 1024, events_max: 65_536 } as const;

export const DEFAULT_OPTIONS: ConnectionOptions = { dataType: 'json', strict: true, stream: false, dataSize: 'auto' };

type State = 'dialing' | 'hello-sent' | 'awaiting-hello' | 'offered' | 'open' | 'closed';

interface TypedConnection {
  readonly conn: number;
  readonly role: 'dialer' | 'listener';
  state: State;
  options: ConnectionOptions;
  deadline: Millis | undefined;
  peerKey: string;
  /** The fixed frame size once known (`auto` fixes it on the first frame). */
  frameSize: number | undefined;
}


export class TypedPeer implements Machine<TypedCommand, TypedEvent> {
  readonly config: TypedPeerConfig;
  readonly rudp: RudpEndpoint;
  private readonly conns = new Map<number, TypedConnection>();
  private readonly events: BoundedQueue<TypedEvent, 'drop-newest'>;
  readonly counters = { bad_frames: 0, events_dropped: 0, denied_max: 0 };

  constructor(config: Partial<TypedPeerConfig> & Pick<TypedPeerConfig, 'crypto' | 'rng' | 'staticSecret'>) {
    this.config = { ...TYPED_DEFAULTS, ...config };
    this.events = BoundedQueue.dropNewest(this.config.events_max);
    this.rudp = new RudpEndpoint({
      crypto: config.crypto,
      rng: config.rng,
      staticSecret: config.staticSecret,
      config: { ...config.rudp, message_bytes_max: Math.max(this.config.payload_bytes_max + 64, config.rudp?.message_bytes_max ?? 0) },
      accept: true,
    });
  }

  get publicKeyHex(): string {
    return this.rudp.publicKeyHex;
  }

  /** Typed connections counted against max_connections. */
  get openCount(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.state !== 'closed') n++;
    return n;
  }

  // ---------------- Machine ----------------

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    this.rudp.handleDatagram(now, remote, data);
    this.settle(now);
  }

  handleTimeout(now: Millis): void {
    const at = this.rudp.pollTimeout();
    if (at !== undefined && now >= at) this.rudp.handleTimeout(now);
    for (const c of this.conns.values()) {
      if (c.deadline !== undefined && now >= c.deadline) {
        c.deadline = undefined;
        if (c.state === 'offered') this.deny(now, c, 'timeout', 'the application did not answer the offer');
        else this.fail(now, c, 'timeout', undefined, 'local');
      }
    }
    this.settle(now);
  }

  handleCommand(now: Millis, command: TypedCommand): void {
    switch (command.type) {
      case 'connect':
        this.connect(now, command.remote, { ...DEFAULT_OPTIONS, ...command.options }, command.expectedPeer);
        break;
      case 'answer': {
        const c = this.conns.get(command.conn);
        if (c?.state === 'offered') {
          if (command.accept) this.accept(now, c);
          else this.deny(now, c, 'refused', command.reason ?? 'refused');
        }
        break;
      }
      case 'send':
        this.send(now, command.conn, command.data, command.dataType);
        break;
      case 'broadcast':
        for (const c of [...this.conns.values()]) if (c.state === 'open') this.send(now, c.conn, command.data);
        break;
      case 'close': {
        const c = this.conns.get(command.conn);
        if (c && c.state !== 'closed') this.closeWith(now, c, 'normal', 'closed by the application', 'closed', 'local');
        break;
      }
    }
    this.settle(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.rudp.pollTransmit();
  }

  pollEvent(): TypedEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    let best = this.rudp.pollTimeout();
    for (const c of this.conns.values()) if (c.deadline !== undefined && (best === undefined || c.deadline < best)) best = c.deadline;
    return best;
  }

  // ---------------- connections ----------------

  private full(): boolean {
    return this.config.max_connections > 0 && this.openCount >= this.config.max_connections;
  }

  private connect(now: Millis, remote: Addr, options: ConnectionOptions, expectedPeer?: Uint8Array): void {
    if (this.full()) return this.emit({ type: 'connect-failed', error: 'max-connections', message: `${this.openCount} open (max_connections ${this.config.max_connections})` });
    this.rudp.handleCommand(now, { type: 'connect', remote, mode: 'message', ...(expectedPeer ? { expectedPeer } : {}) });
    // The endpoint reports `connecting` (with the id) or `command-failed`; read it at once.
    for (let e = this.rudp.pollEvent(); e; e = this.rudp.pollEvent()) {
      if (e.type === 'connecting') {
        this.conns.set(e.conn, { conn: e.conn, role: 'dialer', state: 'dialing', options, deadline: now + this.config.hello_timeout_ms, peerKey: '', frameSize: undefined });
      } else if (e.type === 'command-failed' && e.command === 'connect') {
        this.emit({ type: 'connect-failed', error: 'endpoint-full', message: e.message });
      } else this.onRudp(now, e);
    }
  }

  private accept(now: Millis, c: TypedConnection): void {
    c.state = 'open';
    c.deadline = undefined;
    this.frame(now, c, { kind: 'accept' });
    this.emit({ type: 'connection', conn: c.conn, role: 'listener', peer_key_hex: c.peerKey, options: c.options });
  }

  private deny(now: Millis, c: TypedConnection, reason: DenyReason, message: string): void {
    this.frame(now, c, { kind: 'deny', reason, message });
    c.state = 'closed';
    c.deadline = undefined;
    this.rudp.close(now, c.conn);
  }

  private send(now: Millis, conn: number, data: Payload, dataType?: DataType): void {
    const c = this.conns.get(conn);
    if (!c || c.state !== 'open') return this.sendFailed(conn, 'not-open', `connection ${conn} is ${c?.state ?? 'unknown'}`);
    const type = dataType ?? c.options.dataType;
    const payload = this.encodePayload(type, data);
    if (typeof payload === 'string') return this.sendFailed(conn, 'wrong-type', payload);
    if (payload.byteLength > this.config.payload_bytes_max) return this.sendFailed(conn, 'too-large', `${payload.byteLength} > payload_bytes_max ${this.config.payload_bytes_max}`);
    if (c.options.stream && type === c.options.dataType) {
      const size = c.frameSize ?? (c.options.dataSize === 'auto' ? payload.byteLength : c.options.dataSize);
      if (payload.byteLength !== size) return this.sendFailed(conn, 'frame-size', `frame of ${payload.byteLength} bytes, dataSize is ${size}`);
      c.frameSize = size;
      if (!this.frame(now, c, { kind: 'stream', payload })) this.sendFailed(conn, 'blocked', 'send buffer full');
      return;
    }
    if (!this.frame(now, c, { kind: 'data', dataType: type, payload })) this.sendFailed(conn, 'blocked', 'send buffer full');
  }

  private encodePayload(type: DataType, data: Payload): Uint8Array | string {
    try {
      if (type === 'bytes') return data instanceof Uint8Array ? data : 'bytes connections carry Uint8Array only';
      if (type === 'json') {
        const text = JSON.stringify(data);
        return text === undefined ? 'not JSON-serialisable' : utf8(text);
      }
      return encodeValue(data, this.config.payload_bytes_max);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  private decodePayload(type: DataType, bytes: Uint8Array): { value: Payload } | undefined {
    try {
      if (type === 'bytes') return { value: bytes.slice() };
      if (type === 'json') {
        const text = fromUtf8Strict(bytes);
        return text === undefined ? undefined : { value: JSON.parse(text) as Value };
      }
      return { value: decodeValue(bytes) };
    } catch {
      return undefined;
    }
  }

  private frame(now: Millis, c: TypedConnection, frame: TypedFrame): boolean {
    return this.rudp.sendMessage(now, c.conn, encodeFrame(frame, this.config.payload_bytes_max + 64));
  }

  private sendFailed(conn: number, error: SendError, message: string): void {
    this.emit({ type: 'send-failed', conn, error, message });
  }

  /** Tells the peer why (CLOSE frame), closes the session, and reports. */
  private closeWith(now: Millis, c: TypedConnection, code: CloseCode, message: string, error: TypedCloseError, by: 'local' | 'peer'): void {
    if (c.state === 'closed') return;
    if (by === 'local') this.frame(now, c, { kind: 'close', code, message });
    c.state = 'closed';
    c.deadline = undefined;
    this.rudp.close(now, c.conn);
    this.emit({ type: 'close', conn: c.conn, error, reason: message, by });
  }

  private fail(now: Millis, c: TypedConnection, error: TypedCloseError, reason: string | undefined, by: 'local' | 'peer'): void {
    if (c.state === 'closed') return;
    c.state = 'closed';
    c.deadline = undefined;
    this.rudp.abort(now, c.conn, error);
    this.emit({ type: 'close', conn: c.conn, error, ...(reason !== undefined ? { reason } : {}), by });
  }

  // ---------------- transport events ----------------

  private settle(now: Millis): void {
    for (let e = this.rudp.pollEvent(); e; e = this.rudp.pollEvent()) this.onRudp(now, e);
  }

  private onRudp(now: Millis, e: RudpEvent): void {
    switch (e.type) {
      case 'connected': {
        const c = this.conns.get(e.conn);
        if (c && e.role === 'initiator') {
          c.peerKey = e.peer;
          c.state = 'hello-sent';
          this.frame(now, c, { kind: 'hello', name: this.config.name, options: c.options });
        } else if (e.role === 'responder') {
          this.conns.set(e.conn, { conn: e.conn, role: 'listener', state: 'awaiting-hello', options: DEFAULT_OPTIONS, deadline: now + this.config.hello_timeout_ms, peerKey: e.peer, frameSize: undefined });
        }
        return;
      }
      case 'readable': {
        const c = this.conns.get(e.conn);
        for (let m = this.rudp.readMessage(e.conn); m; m = this.rudp.readMessage(e.conn)) {
          if (!c || c.state === 'closed') continue;
          this.onFrame(now, c, m);
        }
        return;
      }
      case 'closed': {
        const c = this.conns.get(e.conn);
        if (c && c.state !== 'closed') {
          const error: TypedCloseError = c.state === 'hello-sent' || c.state === 'dialing' ? (e.error === 'handshake-timeout' ? 'timeout' : 'transport') : 'transport';
          c.state = 'closed';
          c.deadline = undefined;
          this.emit({ type: 'close', conn: c.conn, error, reason: e.message ?? e.error ?? 'session closed', by: 'peer' });
        }
        this.conns.delete(e.conn);
        return;
      }
      default:
        return;
    }
  }

  private onFrame(now: Millis, c: TypedConnection, bytes: Uint8Array): void {
    let frame: TypedFrame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.counters.bad_frames++;
      return this.closeWith(now, c, 'protocol', `bad frame: ${error.message}`, 'protocol', 'local');
    }
    if (frame.kind === 'close') {
      const error: TypedCloseError = frame.code === 'normal' ? 'closed' : frame.code;
      return this.closeWith(now, c, frame.code, frame.message, error, 'peer');
    }
    switch (c.state) {
      case 'awaiting-hello': {
        if (frame.kind !== 'hello') return this.closeWith(now, c, 'protocol', `${frame.kind} before HELLO`, 'protocol', 'local');
        c.options = frame.options;
        if (frame.options.stream && frame.options.dataSize !== 'auto' && frame.options.dataSize > this.config.payload_bytes_max) {
          return this.deny(now, c, 'bad-hello', `dataSize ${frame.options.dataSize} > ${this.config.payload_bytes_max}`);
        }
        // The connection being offered is already counted: full means more than the limit.
        if (this.config.max_connections > 0 && this.openCount > this.config.max_connections) {
          this.counters.denied_max++;
          return this.deny(now, c, 'max-connections', `max_connections ${this.config.max_connections} reached`);
        }
        c.state = 'offered';
        const offer = { type: 'offer' as const, conn: c.conn, name: frame.name, peer_key_hex: c.peerKey, options: frame.options };
        this.emit(offer);
        if (this.config.decide) {
          if (this.config.decide(offer)) this.accept(now, c);
          else this.deny(now, c, 'refused', 'refused by the offer handler');
        }
        return;
      }
      case 'hello-sent': {
        if (frame.kind === 'accept') {
          c.state = 'open';
          c.deadline = undefined;
          return this.emit({ type: 'connection', conn: c.conn, role: 'dialer', peer_key_hex: c.peerKey, options: c.options });
        }
        if (frame.kind === 'deny') {
          c.state = 'closed';
          c.deadline = undefined;
          this.rudp.close(now, c.conn);
          return this.emit({ type: 'close', conn: c.conn, error: 'denied', reason: frame.reason, by: 'peer' });
        }
        return this.closeWith(now, c, 'protocol', `${frame.kind} before ACCEPT`, 'protocol', 'local');
      }
      case 'open':
        return this.onData(now, c, frame);
      default:
        return this.closeWith(now, c, 'protocol', `${frame.kind} in state ${c.state}`, 'protocol', 'local');
    }
  }

  private onData(now: Millis, c: TypedConnection, frame: TypedFrame): void {
    if (frame.kind === 'stream') {
      if (!c.options.stream) return this.closeWith(now, c, 'protocol', 'stream frame on a message connection', 'protocol', 'local');
      const size = c.frameSize ?? (c.options.dataSize === 'auto' ? frame.payload.byteLength : c.options.dataSize);
      if (frame.payload.byteLength !== size) return this.closeWith(now, c, 'frame-size', `frame of ${frame.payload.byteLength} bytes, dataSize is ${size}`, 'frame-size', 'local');
      c.frameSize = size;
      return this.deliver(now, c, c.options.dataType, frame.payload);
    }
    if (frame.kind !== 'data') return this.closeWith(now, c, 'protocol', `${frame.kind} on an open connection`, 'protocol', 'local');
    if (frame.dataType !== c.options.dataType && c.options.strict) {
      return this.closeWith(now, c, 'strict-violation', `${frame.dataType} message on a strict ${c.options.dataType} connection`, 'strict-violation', 'local');
    }
    this.deliver(now, c, frame.dataType, frame.payload);
  }

  private deliver(now: Millis, c: TypedConnection, type: DataType, payload: Uint8Array): void {
    const decoded = this.decodePayload(type, payload);
    if (!decoded) return this.closeWith(now, c, 'protocol', `undecodable ${type} payload`, 'protocol', 'local');
    this.emit({ type: 'data', conn: c.conn, dataType: type, data: decoded.value });
  }

  /** Queues `event`; past `events_max` waiting, the newest is refused and counted. */
  private emit(event: TypedEvent): void {
    this.events.push(event);
    this.counters.events_dropped = this.events.dropped;
  }

  /** The transport address of a connection (for logs). */
  remoteOf(conn: number): string | undefined {
    return this.rudp.remoteOf(conn);
  }
}

