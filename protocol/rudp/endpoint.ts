// The secure-transport Machine for one UDP port: routes datagrams to connections by
// connection id (so sessions survive address changes), runs the responder side of the
// handshake with WireGuard-style cookies under load, and exposes the application API.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import type { Crypto } from '../core/crypto.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { BbrController } from './bbr.ts';
import { resolveConfig, type RudpConfig, type StreamMode } from './config.ts';
import type { CongestionController } from './congestion-controller.ts';
import { Connection, toHex, type ConnectOptions, type ConnectionContext } from './connection.ts';
import { CookieChecker, cookieKeys, type CookieKeys } from './cookie.ts';
import { RudpError, type RudpDropReason } from './errors.ts';
import type { RudpCommandFailure, RudpCommandName, RudpEvent, StatsSample } from './events.ts';
import { hashSuite, type HashSuite } from './hash-suite.ts';
import { keyPairFromSecret, type KeyPair } from './handshake-state.ts';
import { NewReno } from './newreno.ts';
import { decodePacket, encodeCookieReply, INITIATION_BYTES, type Initiation } from './packet.ts';

export type RudpCommand =
  | { readonly type: 'connect'; readonly remote: Addr; readonly expectedPeer?: Uint8Array; readonly mode?: StreamMode }
  | { readonly type: 'write'; readonly conn: number; readonly data: Uint8Array }
  | { readonly type: 'message'; readonly conn: number; readonly data: Uint8Array }
  | { readonly type: 'datagram'; readonly conn: number; readonly data: Uint8Array }
  | { readonly type: 'close'; readonly conn: number }
  | { readonly type: 'abort'; readonly conn: number; readonly reason?: string }
  /** Validate `remote` as the connection's new path; traffic moves after the PATH_RESPONSE. */
  | { readonly type: 'probe-path'; readonly conn: number; readonly remote: Addr };

export interface EndpointOptions {
  readonly crypto: Crypto;
  readonly rng: Rng;
  /** 32-byte X25519 secret: the endpoint's identity. */
  readonly staticSecret: Uint8Array;
  readonly config?: Partial<RudpConfig>;
  /** Accept incoming handshakes (a listener). Default true. */
  readonly accept?: boolean;
  /** Identity policy for both roles; return false to refuse a peer. */
  readonly acceptPeer?: (publicKey: Uint8Array) => boolean;
}

/** Event queue bound: events beyond it are dropped and counted (drivers drain every step). */
const EVENTS_MAX = 65_536;

export class RudpEndpoint implements Machine<RudpCommand, RudpEvent> {
  readonly config: RudpConfig;
  readonly identity: KeyPair;
  readonly counters: Record<string, number> = {};
  private readonly crypto: Crypto;
  private readonly rng: Rng;
  private readonly suite: HashSuite;
  private readonly keys: CookieKeys;
  private readonly cookies: CookieChecker;
  private readonly connections = new Map<number, Connection>();
  /** Initiator ephemeral (hex) -> connection id, to refuse replayed initiations. */
  private readonly initiations = new Map<string, number>();
  private readonly events: RudpEvent[] = [];
  private eventsHead = 0;
  private readonly transmits: Transmit[] = [];
  private readonly accepting: boolean;
  private readonly acceptPeer: ((publicKey: Uint8Array) => boolean) | undefined;
  private now: Millis = 0;
  private pollOrder: Connection[] = [];
  private pollIndex = 0;
  private context: ConnectionContext;
  /** Test hook: ephemeral secrets to use for the next connections, in order. */
  readonly ephemeralQueue: Uint8Array[] = [];

  constructor(options: EndpointOptions) {
    this.config = resolveConfig(options.config);
    this.crypto = options.crypto;
    this.rng = options.rng;
    this.identity = keyPairFromSecret(options.crypto, options.staticSecret);
    this.suite = hashSuite(options.crypto, this.config.hash);
    this.keys = cookieKeys(options.crypto, this.config.network_key);
    this.cookies = new CookieChecker(options.crypto, options.rng, this.keys, this.config.cookie_secret_rotate_ms);
    this.accepting = options.accept ?? true;
    this.acceptPeer = options.acceptPeer;
    const config = this.config;
    this.context = {
      crypto: this.crypto,
      rng: this.rng,
      config,
      suite: this.suite,
      staticKey: this.identity,
      cookieKeys: this.keys,
      emit: (event) => this.emit(event),
      drop: (reason) => this.drop(reason),
      makeController: (): CongestionController =>
        config.congestion === 'bbr' ? new BbrController({ datagram_bytes: config.datagram_bytes }) : new NewReno({ datagram_bytes: config.datagram_bytes }),
      acceptPeer: options.acceptPeer,
    };
  }

  get publicKeyHex(): string {
    return toHex(this.identity.publicKey);
  }

  private emit(event: RudpEvent): void {
    if (this.events.length - this.eventsHead >= EVENTS_MAX) return this.drop('events-full');
    this.events.push(event);
  }

  private drop(reason: RudpDropReason): void {
    this.counters[reason] = (this.counters[reason] ?? 0) + 1;
  }

  private newId(): number {
    for (;;) {
      const id = this.rng.nextUint32() >>> 0;
      if (id !== 0 && !this.connections.has(id)) return id;
    }
  }

  private add(connection: Connection): void {
    this.connections.set(connection.id, connection);
    this.pollOrder = [...this.connections.values()];
  }

  // ================= Machine =================

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, _local?: Addr): void {
    this.now = now;
    let packet;
    try {
      packet = decodePacket(data);
    } catch (error) {
      if (error instanceof DecodeError) return this.drop(error.field === 'rudp.type' && error.reason === 'invalid' ? 'not-rudp' : 'malformed');
      throw error;
    }
    if (packet.kind === 'initiation') return this.onInitiation(now, remote, packet);
    const connection = this.connections.get(packet.receiver);
    if (!connection) return this.drop('unknown-connection');
    switch (packet.kind) {
      case 'response':
        return connection.onResponse(now, remote, packet);
      case 'final':
        return connection.onFinal(now, remote, packet);
      case 'cookie':
        return connection.onCookie(now, packet);
      case 'data':
        return connection.onData(now, remote, packet);
    }
  }

  private pendingHandshakes(): number {
    let count = 0;
    for (const c of this.connections.values()) if (c.state === 'handshake' && c.role === 'responder') count++;
    return count;
  }

  private onInitiation(now: Millis, remote: Addr, initiation: Initiation): void {
    if (!this.accepting) return this.drop('handshake-unexpected');
    if (!this.cookies.checkMac1(initiation)) return this.drop('bad-mac1');
    const ephemeral = toHex(initiation.noise);
    const known = this.initiations.get(ephemeral);
    if (known !== undefined) {
      const connection = this.connections.get(known);
      // A retransmitted initiation while we wait for msg3: answer again. Otherwise a replay.
      // Only from the address it first came from: a copy from elsewhere earns no answer there.
      if (connection && connection.state === 'handshake' && connection.peerId === initiation.sender && addrEquals(remote, connection.remote)) {
        return connection.resendResponse(INITIATION_BYTES);
      }
      return this.drop('replayed-initiation');
    }
    const pending = this.pendingHandshakes();
    if (pending >= this.config.cookie_threshold_pending && !this.cookies.checkMac2(now, remote, initiation)) {
      const [nonce, sealed] = this.cookies.reply(now, remote, initiation);
      this.transmits.push({ remote, data: encodeCookieReply(initiation.sender, nonce, sealed) });
      return this.drop('cookie-required');
    }
    if (pending >= this.config.handshakes_pending_max || this.connections.size >= this.config.connections_max) {
      return this.drop('too-many-handshakes');
    }
    const connection = new Connection(this.context, this.newId(), 'responder', remote, now);
    // A stranger's msg1 that cannot be answered (a low-order ephemeral) leaves no state.
    const refused = connection.acceptInitiation(now, initiation.sender, initiation.noise, this.ephemeralQueue.shift());
    if (refused) return this.drop(refused);
    this.add(connection);
    this.initiations.set(ephemeral, connection.id);
    if (this.initiations.size > this.config.initiations_seen_max) {
      this.initiations.delete(this.initiations.keys().next().value!);
    }
  }

  handleTimeout(now: Millis): void {
    this.now = now;
    for (const connection of this.connections.values()) {
      const at = connection.nextTimeout();
      if (at !== undefined && now >= at) connection.handleTimeout(now);
    }
    this.sweep();
  }

  /** Forgets connections past their drain deadline with nothing left to send. */
  private sweep(): void {
    let removed = false;
    for (const connection of this.connections.values()) {
      if (!connection.finished) continue;
      this.connections.delete(connection.id);
      removed = true;
    }
    if (removed) this.pollOrder = [...this.connections.values()];
  }

  /** Never throws and never drops a result: what each command did comes back as an event. */
  handleCommand(now: Millis, command: RudpCommand): void {
    this.now = now;
    if (command.type === 'connect') {
      const id = this.tryConnect(now, command.remote, { expectedPeer: command.expectedPeer, mode: command.mode });
      if (typeof id === 'number') this.emit({ type: 'connecting', conn: id, remote: formatAddr(command.remote) });
      return;
    }
    const connection = this.connections.get(command.conn);
    if (!connection) return this.commandFailed(command.type, command.conn, 'unknown-connection', `no connection ${command.conn}`);
    switch (command.type) {
      case 'write': {
        if (!connection.writable) return this.commandFailed('write', command.conn, 'not-writable', `connection is ${connection.state}`);
        const accepted_bytes = connection.write(command.data);
        this.emit({ type: 'accepted', conn: command.conn, command: 'write', accepted_bytes, requested_bytes: command.data.byteLength });
        return;
      }
      case 'message': {
        if (!connection.writable) return this.commandFailed('message', command.conn, 'not-writable', `connection is ${connection.state}`);
        if (command.data.byteLength > this.config.message_bytes_max) {
          return this.commandFailed('message', command.conn, 'too-large', `${command.data.byteLength} > message_bytes_max ${this.config.message_bytes_max}`);
        }
        const ok = connection.sendMessage(command.data);
        this.emit({ type: 'accepted', conn: command.conn, command: 'message', accepted_bytes: ok ? command.data.byteLength : 0, requested_bytes: command.data.byteLength });
        return;
      }
      case 'datagram': {
        if (connection.state !== 'established') return this.commandFailed('datagram', command.conn, 'not-established', `connection is ${connection.state}`);
        if (command.data.byteLength > connection.datagramPayloadMax) {
          return this.commandFailed('datagram', command.conn, 'too-large', `${command.data.byteLength} > ${connection.datagramPayloadMax}`);
        }
        connection.sendDatagram(command.data);
        this.emit({ type: 'accepted', conn: command.conn, command: 'datagram', accepted_bytes: command.data.byteLength, requested_bytes: command.data.byteLength });
        return;
      }
      case 'close':
        return connection.close(now);
      case 'abort':
        return connection.abort(now, 'aborted', command.reason);
      case 'probe-path':
        if (!connection.probePath(now, command.remote)) this.commandFailed('probe-path', command.conn, 'not-established', `connection is ${connection.state}`);
        return;
    }
  }

  private commandFailed(command: RudpCommandName, conn: number, error: RudpCommandFailure, message: string): void {
    this.emit({ type: 'command-failed', command, conn, error, message });
  }

  pollTransmit(): Transmit | undefined {
    const queued = this.transmits.shift();
    if (queued) return queued;
    const order = this.pollOrder;
    // Round-robin so one busy connection cannot starve the others.
    for (let tried = 0; tried < order.length; tried++) {
      const connection = order[this.pollIndex % order.length]!;
      const out = connection.poll(this.now);
      if (out) return out;
      this.pollIndex++;
    }
    this.sweep();
    return undefined;
  }

  pollEvent(): RudpEvent | undefined {
    if (this.eventsHead >= this.events.length) return undefined;
    const event = this.events[this.eventsHead++];
    if (this.eventsHead === this.events.length) {
      this.events.length = 0;
      this.eventsHead = 0;
    }
    return event;
  }

  pollTimeout(): Millis | undefined {
    let best: Millis | undefined;
    for (const connection of this.connections.values()) {
      if (connection.finished) continue;
      const at = connection.nextTimeout();
      if (at !== undefined && (best === undefined || at < best)) best = at;
    }
    return best;
  }

  // ================= application API =================

  connection(id: number): Connection | undefined {
    return this.connections.get(id);
  }

  /**
   * Opens a connection; throws RudpError('endpoint-full') at connections_max. The method API
   * is for applications that call it directly; the `connect` command never throws (it reports).
   */
  connect(now: Millis, remote: Addr, options: ConnectOptions = {}): number {
    const id = this.tryConnect(now, remote, options);
    if (typeof id !== 'number') throw new RudpError('endpoint-full', id.message);
    return id;
  }

  private tryConnect(now: Millis, remote: Addr, options: ConnectOptions): number | { readonly message: string } {
    this.now = now;
    this.sweep();
    if (this.connections.size >= this.config.connections_max) {
      const message = `${this.connections.size} connections (connections_max)`;
      this.commandFailed('connect', 0, 'endpoint-full', message);
      return { message };
    }
    const ephemeralSecret = options.ephemeralSecret ?? this.ephemeralQueue.shift();
    const connection = new Connection(this.context, this.newId(), 'initiator', remote, now, { ...options, ephemeralSecret });
    this.add(connection);
    return connection.id;
  }

  /** Re-send `conn`'s initiation at the next timeout (its path moved during the handshake); see Connection.retryHandshake. */
  retryHandshake(now: Millis, conn: number): boolean {
    return this.connections.get(conn)?.retryHandshake(now) ?? false;
  }

  /** Validate `remote` as the new path of `conn` (see the `probe-path` command). */
  probePath(now: Millis, conn: number, remote: Addr): boolean {
    return this.connections.get(conn)?.probePath(now, remote) ?? false;
  }

  write(now: Millis, conn: number, data: Uint8Array): number {
    this.now = now;
    return this.connections.get(conn)?.write(data) ?? 0;
  }

  writableBytes(conn: number): number {
    return this.connections.get(conn)?.writableBytes() ?? 0;
  }

  sendMessage(now: Millis, conn: number, data: Uint8Array): boolean {
    this.now = now;
    return this.connections.get(conn)?.sendMessage(data) ?? false;
  }

  read(conn: number, max_bytes?: number): Uint8Array | undefined {
    return this.connections.get(conn)?.read(max_bytes);
  }

  readMessage(conn: number): Uint8Array | undefined {
    return this.connections.get(conn)?.readMessage();
  }

  sendDatagram(now: Millis, conn: number, data: Uint8Array): boolean {
    this.now = now;
    return this.connections.get(conn)?.sendDatagram(data) ?? false;
  }

  readDatagram(conn: number): Uint8Array | undefined {
    return this.connections.get(conn)?.readDatagram();
  }

  close(now: Millis, conn: number): void {
    this.connections.get(conn)?.close(now);
  }

  abort(now: Millis, conn: number, reason?: string): void {
    this.connections.get(conn)?.abort(now, 'aborted', reason);
  }

  stats(conn: number): StatsSample | undefined {
    return this.connections.get(conn)?.stats();
  }

  remoteOf(conn: number): string | undefined {
    const c = this.connections.get(conn);
    return c ? formatAddr(c.remote) : undefined;
  }

  get connectionCount(): number {
    return this.connections.size;
  }
}
