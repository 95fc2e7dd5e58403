// The mesh over secure sessions: one RudpEndpoint (Noise, reliable ordered messages) on the
// port, one session per link, opened on demand when the mesh first sends to an address and
// pinned to the key the mesh expects there. Every mesh message is then authenticated: the
// mesh is told the key the session proved, so a node id can no longer be claimed falsely.
// Reliable sessions also make Plumtree's lazy repair rare (a loss is retransmitted below).
import { formatAddr, parseAddr, type Addr } from '../core/addr.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import type { RudpConfig } from '../rudp/config.ts';
import { RudpEndpoint } from '../rudp/endpoint.ts';
import { FIRST_BYTE } from '../core/demux.ts';
import type { MeshConfig } from './config.ts';
import type { MeshEvent } from './events.ts';
import { MeshNode, type MeshCommand } from './mesh-node.ts';

export interface SecureMeshConfig extends Omit<MeshConfig, 'publicKey'> {
  /** 32-byte X25519 secret: the session identity, from which the node id derives. */
  readonly staticSecret: Uint8Array;
  readonly rudp?: Partial<RudpConfig>;
  /** Mesh messages queued per session while its handshake runs. */
  readonly queue_max?: number;
}

interface Session {
  readonly conn: number;
  readonly addr: Addr;
  open: boolean;
  key: Uint8Array | undefined;
  readonly queue: Uint8Array[];
}

const settle_rounds_max = 64;

export class SecureMesh implements Machine<MeshCommand, MeshEvent> {
  readonly rudp: RudpEndpoint;
  readonly mesh: MeshNode;
  readonly counters = { foreign: 0, queue_full: 0, send_refused: 0, endpoint_full: 0, sessions_opened: 0 };
  private readonly byAddr = new Map<string, Session>();
  private readonly byConn = new Map<number, Session>();
  private readonly events: MeshEvent[] = [];
  private readonly queue_max: number;

  constructor(config: SecureMeshConfig) {
    this.rudp = new RudpEndpoint({ crypto: config.crypto, rng: config.rng, staticSecret: config.staticSecret, config: { ...config.rudp, mode: 'message' }, accept: true });
    // Sessions retransmit: no hop-by-hop ACKs on top.
    this.mesh = new MeshNode({ ...config, limits: { eager_acks: false, ...config.limits }, publicKey: this.rudp.identity.publicKey });
    this.queue_max = config.queue_max ?? 64;
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    const first = data[0];
    if (first !== undefined && first >= FIRST_BYTE.rudpMin && first <= FIRST_BYTE.rudpMax) this.rudp.handleDatagram(now, remote, data);
    else this.counters.foreign++;
    this.settle(now);
  }

  handleTimeout(now: Millis): void {
    const r = this.rudp.pollTimeout();
    if (r !== undefined && now >= r) this.rudp.handleTimeout(now);
    const m = this.mesh.pollTimeout();
    if (m !== undefined && now >= m) this.mesh.handleTimeout(now);
    this.settle(now);
    // Messages the mesh sent during this call flag their sessions "send now" (a wake at now):
    // let the endpoint take them in this call, so no deadline is left due behind us.
    for (let i = 0; i < settle_rounds_max; i++) {
      const again = this.rudp.pollTimeout();
      if (again === undefined || again > now) break;
      this.rudp.handleTimeout(now);
      this.settle(now);
    }
  }

  handleCommand(now: Millis, command: MeshCommand): void {
    this.mesh.handleCommand(now, command);
    this.settle(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.rudp.pollTransmit();
  }

  pollEvent(): MeshEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    const a = this.rudp.pollTimeout();
    const b = this.mesh.pollTimeout();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  get sessionCount(): number {
    return this.byConn.size;
  }

  private settle(now: Millis): void {
    for (let round = 0; round < settle_rounds_max; round++) {
      let moved = false;
      for (let t = this.mesh.pollTransmit(); t; t = this.mesh.pollTransmit()) {
        moved = true;
        this.toSession(now, t.remote, t.data);
      }
      for (let e = this.rudp.pollEvent(); e; e = this.rudp.pollEvent()) {
        moved = true;
        if (e.type === 'connected') this.onConnected(now, e.conn, e.peer, e.remote);
        else if (e.type === 'readable') this.onReadable(now, e.conn);
        else if (e.type === 'closed') this.onClosed(e.conn);
      }
      for (let e = this.mesh.pollEvent(); e; e = this.mesh.pollEvent()) {
        moved = true;
        this.events.push(e);
      }
      if (!moved) return;
    }
  }

  private toSession(now: Millis, remote: Addr, data: Uint8Array): void {
    const key = formatAddr(remote);
    let session = this.byAddr.get(key);
    if (session === undefined) {
      let conn: number;
      try {
        conn = this.rudp.connect(now, remote, { expectedPeer: this.mesh.expectedKey(key) });
      } catch {
        this.counters.endpoint_full++;
        return;
      }
      this.counters.sessions_opened++;
      session = { conn, addr: remote, open: false, key: undefined, queue: [] };
      this.byAddr.set(key, session);
      this.byConn.set(conn, session);
    }
    if (!session.open) {
      if (session.queue.length >= this.queue_max) this.counters.queue_full++;
      else session.queue.push(data);
      return;
    }
    if (!this.rudp.sendMessage(now, session.conn, data)) this.counters.send_refused++;
  }

  private onConnected(now: Millis, conn: number, peerHex: string, remoteText: string): void {
    let session = this.byConn.get(conn);
    if (session === undefined) {
      // Accepted: the peer dialled us. Its session becomes the link to its address.
      const addr = parseAddr(this.rudp.remoteOf(conn) ?? remoteText);
      session = { conn, addr, open: false, key: undefined, queue: [] };
      this.byConn.set(conn, session);
      const existing = this.byAddr.get(formatAddr(addr));
      if (existing === undefined || !existing.open) {
        if (existing) for (const q of existing.queue) session.queue.push(q);
        this.byAddr.set(formatAddr(addr), session);
      }
    }
    session.open = true;
    session.key = Uint8Array.from(peerHex.match(/../g)!.map((b) => parseInt(b, 16)));
    for (const data of session.queue.splice(0)) {
      if (!this.rudp.sendMessage(now, conn, data)) this.counters.send_refused++;
    }
  }

  private onReadable(now: Millis, conn: number): void {
    const session = this.byConn.get(conn);
    if (session === undefined || !session.open) return;
    for (let m = this.rudp.readMessage(conn); m; m = this.rudp.readMessage(conn)) this.mesh.handleMessage(now, session.addr, m, session.key);
  }

  private onClosed(conn: number): void {
    const session = this.byConn.get(conn);
    if (session === undefined) return;
    this.byConn.delete(conn);
    const key = formatAddr(session.addr);
    if (this.byAddr.get(key) === session) this.byAddr.delete(key);
  }
}
