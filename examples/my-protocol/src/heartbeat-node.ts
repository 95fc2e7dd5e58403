// A toy leader election over heartbeats, written as a Sans-IO machine against peerlab/core's
// contract: it is handed time, datagrams and commands and hands back datagrams, events and its
// next deadline; it never reads a clock, sets a timer or opens a socket, so the same class runs
// in peerlab's simulator and on real sockets. Every node sends a heartbeat to each configured
// peer every `interval_ms`; a peer is alive until `timeout_ms` after its last heartbeat; the
// leader is the lowest id among this node and its live peers ("bully" without the messages).
// Deadlines, not differences: each timer is stored as the instant it fires and compared with
// `now >= deadline`, and pollTimeout() returns that very number.
import { addrKey, DecodeError, type Addr, type Machine, type Millis, type Transmit } from 'peerlab/core';
import { decodeHeartbeat, encodeHeartbeat } from './wire.ts';

export interface HeartbeatPeer {
  readonly id: number;
  readonly addr: Addr;
}

export interface HeartbeatConfig {
  /** This node's id (u32); lower ids win elections. */
  readonly id: number;
  /** The other members: only datagrams from these addresses, with their ids, count. */
  readonly peers: readonly HeartbeatPeer[];
  readonly interval_ms?: number;
  /** A peer silent this long is taken as down (default 3 intervals). */
  readonly timeout_ms?: number;
}

/** Members at most (a named limit on the one table a peer's datagrams touch). */
export const peers_max = 64;
/** Events queued for the application at most; older ones are dropped first. */
export const events_queued_max = 1_024;

export type HeartbeatCommand = { readonly type: 'stop' } | { readonly type: 'start' };

export type HeartbeatEvent =
  | { readonly type: 'leader'; readonly leader: number }
  | { readonly type: 'peer-up'; readonly id: number }
  | { readonly type: 'peer-down'; readonly id: number };

export type DropReason = 'decode' | 'stranger' | 'id-mismatch' | 'stopped';

export class HeartbeatConfigError extends Error {
  override readonly name = 'HeartbeatConfigError';
}

export class HeartbeatNode implements Machine<HeartbeatCommand, HeartbeatEvent> {
  readonly id: number;
  readonly interval_ms: number;
  readonly timeout_ms: number;
  /** Datagrams dropped, by reason (bad input is counted, never thrown). */
  readonly drops: Record<DropReason, number> = { decode: 0, stranger: 0, 'id-mismatch': 0, stopped: 0 };
  heartbeats_sent = 0;
  private readonly byAddr = new Map<string, HeartbeatPeer>();
  /** Peer id -> the instant it counts as down unless another heartbeat arrives. */
  private readonly aliveUntil = new Map<number, Millis>();
  private nextBeat: Millis | undefined = 0;
  private running = true;
  private currentLeader: number;
  private readonly transmits: Transmit[] = [];
  private readonly events: HeartbeatEvent[] = [];

  constructor(config: HeartbeatConfig) {
    if (!Number.isInteger(config.id) || config.id < 0 || config.id > 0xffff_ffff) throw new HeartbeatConfigError(`id ${config.id} is not a u32`);
    if (config.peers.length > peers_max) throw new HeartbeatConfigError(`${config.peers.length} peers; at most ${peers_max}`);
    this.id = config.id;
    this.interval_ms = config.interval_ms ?? 100;
    this.timeout_ms = config.timeout_ms ?? 3 * this.interval_ms;
    if (!(this.interval_ms > 0 && this.timeout_ms > this.interval_ms)) throw new HeartbeatConfigError('want 0 < interval_ms < timeout_ms');
    for (const peer of config.peers) {
      if (peer.id === this.id) throw new HeartbeatConfigError(`peer id ${peer.id} is this node's own`);
      this.byAddr.set(addrKey(peer.addr), peer);
    }
    this.currentLeader = this.id;
  }

  /** The leader this node follows now. */
  get leader(): number {
    return this.currentLeader;
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array): void {
    const peer = this.byAddr.get(addrKey(remote));
    if (peer === undefined) return void this.drops.stranger++;
    if (!this.running) return void this.drops.stopped++;
    let beat;
    try {
      beat = decodeHeartbeat(data);
    } catch (error) {
      if (error instanceof DecodeError) return void this.drops.decode++;
      throw error;
    }
    // The address says who sent it; a heartbeat claiming another id is not believed.
    if (beat.from !== peer.id) return void this.drops['id-mismatch']++;
    if (!this.aliveUntil.has(peer.id)) this.emit({ type: 'peer-up', id: peer.id });
    this.aliveUntil.set(peer.id, now + this.timeout_ms);
    this.elect();
  }

  handleTimeout(now: Millis): void {
    for (const [id, until] of this.aliveUntil) {
      if (now >= until) {
        this.aliveUntil.delete(id);
        this.emit({ type: 'peer-down', id });
      }
    }
    if (this.running && this.nextBeat !== undefined && now >= this.nextBeat) {
      for (const peer of this.byAddr.values()) this.transmits.push({ remote: peer.addr, data: encodeHeartbeat({ from: this.id, leader: this.currentLeader }) });
      this.heartbeats_sent += this.byAddr.size;
      this.nextBeat = now + this.interval_ms;
    }
    this.elect();
  }

  handleCommand(now: Millis, command: HeartbeatCommand): void {
    if (command.type === 'stop') {
      this.running = false;
      this.nextBeat = undefined;
    } else if (command.type === 'start' && !this.running) {
      this.running = true;
      this.nextBeat = now;
    }
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): HeartbeatEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    let earliest = this.nextBeat;
    for (const until of this.aliveUntil.values()) if (earliest === undefined || until < earliest) earliest = until;
    return earliest;
  }

  private elect(): void {
    let leader = this.id;
    for (const id of this.aliveUntil.keys()) if (id < leader) leader = id;
    if (leader !== this.currentLeader) {
      this.currentLeader = leader;
      this.emit({ type: 'leader', leader });
    }
  }

  private emit(event: HeartbeatEvent): void {
    if (this.events.length >= events_queued_max) this.events.shift();
    this.events.push(event);
  }
}
