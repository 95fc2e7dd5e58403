// The replicated dict machine (py2p's SyncSocket, made convergent): a MeshNode underneath
// carries every write as a broadcast whose id is a hash of the write (so re-broadcasts of one
// write are one message), and neighbours run anti-entropy (digest on every new link and every
// ae_interval_ms to one random neighbour; on a mismatch both sides push all they hold).
// Writes learnt by anti-entropy are re-broadcast, so a healed partition converges in about
// one broadcast time after the first link across the cut forms.
import type { Addr } from '../core/addr.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Millis } from '../core/time.ts';
import type { MeshEvent } from '../mesh/events.ts';
import type { MeshMessage } from '../mesh/message.ts';
import { MeshNode, type MeshCommand } from '../mesh/mesh-node.ts';
import type { MeshConfig } from '../mesh/config.ts';
import { bytesEqual } from '../mesh/wire.ts';
import { decodeDigest, decodeWrite, encodeDigest, encodeWrite, lease_ms_max, SYNC_DIGEST, SYNC_PUSH, SYNC_WRITE } from './codec.ts';
import { DEFAULT_SYNC_LIMITS, SyncReplica, type SyncLimits } from './replica.ts';
import { expiresAt, type SyncWrite } from './write.ts';
import { DecodeError } from '../core/decode-error.ts';
import { fromUtf8, utf8 } from '../core/bytes.ts';

export interface SyncConfig {
  readonly mesh: MeshConfig;
  /** py2p: one hour. */
  readonly lease_ms?: number;
  readonly ae_interval_ms?: number;
  readonly limits?: Partial<SyncLimits>;
}

export type SyncErrorCode = 'lease-held' | 'key-too-large' | 'value-too-large' | 'dict-full';

export type SyncEvent =
  | MeshEvent
  | { readonly type: 'sync-change'; readonly key: string; readonly owner: string; readonly deleted: boolean; readonly local: boolean }
  | { readonly type: 'sync-error'; readonly code: SyncErrorCode; readonly key: string; readonly owner?: string; readonly expires_ms?: number }
  | { readonly type: 'sync-drop'; readonly reason: 'malformed' | 'refused-full' | 'refused-size' | 'stale' };

export type SyncCommand =
  | MeshCommand
  | { readonly type: 'sync-set'; readonly key: Uint8Array | string; readonly value: Uint8Array | string }
  | { readonly type: 'sync-delete'; readonly key: Uint8Array | string }
  | { readonly type: 'sync-update'; readonly entries: ReadonlyArray<readonly [Uint8Array | string, Uint8Array | string]> };

export type SyncResult = { readonly ok: true } | { readonly ok: false; readonly code: SyncErrorCode; readonly owner?: string; readonly expires_ms?: number };

const bytes = (x: Uint8Array | string): Uint8Array => (typeof x === 'string' ? utf8(x) : x);
const keyText = (k: Uint8Array): string => fromUtf8(k);
/** Packet bytes per SYNC_PUSH whisper (the mesh envelope takes the rest of message_bytes_max). */
const push_bytes_max = 1_000;
const events_max = 65_536;

export class SyncNode implements Machine<SyncCommand, SyncEvent> {
  readonly mesh: MeshNode;
  readonly replica: SyncReplica;
  readonly lease_ms: number;
  readonly counters = { malformed: 0, refused: 0, stale: 0, pushes_sent: 0, digests_sent: 0, rebroadcasts: 0 };
  private readonly ae_interval_ms: number;
  private readonly events: SyncEvent[] = [];
  eventsDropped = 0;
  private aeAt: Millis;
  private seq = 0;

  constructor(readonly config: SyncConfig) {
    this.mesh = new MeshNode(config.mesh);
    this.replica = new SyncReplica({ ...DEFAULT_SYNC_LIMITS, ...config.limits });
    this.lease_ms = Math.min(lease_ms_max, config.lease_ms ?? 3_600_000);
    this.ae_interval_ms = config.ae_interval_ms ?? 10_000;
    this.aeAt = this.ae_interval_ms * (0.5 + config.mesh.rng.nextFloat());
    this.mesh.registerDefaultHandler((m, _node) => this.onMessage(m));
  }

  // ================= Machine =================

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.mesh.handleDatagram(now, remote, data);
    this.settle(now);
    void local;
  }

  handleTimeout(now: Millis): void {
    const meshAt = this.mesh.pollTimeout();
    if (meshAt !== undefined && now >= meshAt) this.mesh.handleTimeout(now);
    if (now >= this.aeAt) {
      this.aeAt = now + this.ae_interval_ms;
      const peers = [...this.mesh.routingTable.keys()];
      if (peers.length > 0) this.sendDigest(now, peers[this.config.mesh.rng.nextInt(0, peers.length - 1)]!);
    }
    this.settle(now);
  }

  handleCommand(now: Millis, command: SyncCommand): void {
    let result: SyncResult | undefined;
    let key = '';
    switch (command.type) {
      case 'sync-set':
        key = keyText(bytes(command.key));
        result = this.set(now, command.key, command.value);
        break;
      case 'sync-delete':
        key = keyText(bytes(command.key));
        result = this.delete(now, command.key);
        break;
      case 'sync-update':
        for (const [k, v] of command.entries) {
          const r = this.set(now, k, v);
          if (!r.ok) this.emit({ type: 'sync-error', code: r.code, key: keyText(bytes(k)), owner: r.owner, expires_ms: r.expires_ms });
        }
        break;
      default:
        this.mesh.handleCommand(now, command);
    }
    if (result && !result.ok) this.emit({ type: 'sync-error', code: result.code, key, owner: result.owner, expires_ms: result.expires_ms });
    this.settle(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.mesh.pollTransmit();
  }

  pollEvent(): SyncEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    const m = this.mesh.pollTimeout();
    return m === undefined || this.aeAt < m ? this.aeAt : m;
  }

  // ================= dict API =================

  get(key: Uint8Array | string): Uint8Array | undefined {
    return this.replica.head(bytes(key))?.value;
  }

  getText(key: Uint8Array | string): string | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : fromUtf8(v);
  }

  has(key: Uint8Array | string): boolean {
    return this.get(key) !== undefined;
  }

  keys(): Uint8Array[] {
    return this.replica.entries().map(([k]) => k);
  }

  entries(): Array<[Uint8Array, Uint8Array]> {
    return this.replica.entries();
  }

  /** The lease holder and its expiry, when the key has one. */
  lease(key: Uint8Array | string): { owner: string; expires_ms: number } | undefined {
    const head = this.replica.head(bytes(key));
    return head === undefined ? undefined : { owner: head.owner, expires_ms: expiresAt(head) };
  }

  set(now: Millis, key: Uint8Array | string, value: Uint8Array | string): SyncResult {
    return this.write(now, bytes(key), bytes(value));
  }

  delete(now: Millis, key: Uint8Array | string): SyncResult {
    return this.write(now, bytes(key), undefined);
  }

  private write(now: Millis, key: Uint8Array, value: Uint8Array | undefined): SyncResult {
    const limits = this.replica.limits;
    if (key.byteLength > limits.key_bytes_max) return { ok: false, code: 'key-too-large' };
    if ((value?.byteLength ?? 0) > limits.value_bytes_max) return { ok: false, code: 'value-too-large' };
    const start_ms = Math.floor(now);
    const head = this.replica.head(key);
    if (head && head.owner !== this.mesh.id && start_ms < expiresAt(head)) {
      return { ok: false, code: 'lease-held', owner: head.owner, expires_ms: expiresAt(head) };
    }
    const w: SyncWrite = { key, value, owner: this.mesh.id, start_ms, lease_ms: value === undefined ? 0 : this.lease_ms, seq: this.seq++ };
    const applied = this.replica.apply(w);
    if (applied === 'refused-full') return { ok: false, code: 'dict-full' };
    this.emit({ type: 'sync-change', key: keyText(key), owner: w.owner, deleted: value === undefined, local: true });
    this.broadcast(now, w);
    this.settle(now);
    return { ok: true };
  }

  // ================= mesh plumbing =================

  private broadcast(now: Millis, w: SyncWrite): void {
    const encoded = encodeWrite(w);
    const id = this.config.mesh.crypto.sha256(encoded).subarray(0, 16);
    this.mesh.send(now, [encoded], { type: SYNC_WRITE, id });
  }

  private sendDigest(now: Millis, peer: string): void {
    this.counters.digests_sent++;
    this.mesh.whisperTo(now, peer, [encodeDigest(this.replica.keyCount, this.replica.digest(this.config.mesh.crypto))], SYNC_DIGEST);
  }

  private push(now: Millis, peer: string): void {
    // Greedy packing: as many writes per whisper as fit the mesh message budget.
    let batch: Uint8Array[] = [];
    let size = 0;
    const flush = (): void => {
      if (batch.length === 0) return;
      this.counters.pushes_sent++;
      this.mesh.whisperTo(now, peer, batch, SYNC_PUSH);
      batch = [];
      size = 0;
    };
    for (const w of this.replica.writes()) {
      const encoded = encodeWrite(w);
      if (size + encoded.byteLength + 2 > push_bytes_max || batch.length >= this.mesh.limits.packets_max) flush();
      batch.push(encoded);
      size += encoded.byteLength + 2;
    }
    flush();
  }

  /** Default handler: consumes sync traffic so the application's recv() never sees it. */
  private onMessage(m: MeshMessage): boolean {
    const now = this.mesh.now;
    if (m.type === SYNC_WRITE || m.type === SYNC_PUSH) {
      for (const packet of m.packets) {
        let w: SyncWrite;
        try {
          w = decodeWrite(packet, this.replica.limits);
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
          this.counters.malformed++;
          this.emit({ type: 'sync-drop', reason: 'malformed' });
          continue;
        }
        const result = this.replica.apply(w);
        if (result === 'changed') {
          const head = this.replica.head(w.key);
          this.emit({ type: 'sync-change', key: keyText(w.key), owner: head?.owner ?? w.owner, deleted: head?.value === undefined, local: false });
          // Learnt over a link rather than by broadcast: spread it (same id everywhere, so once).
          if (m.type === SYNC_PUSH) {
            this.counters.rebroadcasts++;
            this.broadcast(now, w);
          }
        } else if (result !== 'unchanged') {
          this.emit({ type: 'sync-drop', reason: result });
        }
      }
      return true;
    }
    if (m.type === SYNC_DIGEST && m.flag === 'whisper') {
      let theirs;
      try {
        theirs = decodeDigest(m.packets[0] ?? new Uint8Array(0));
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        this.counters.malformed++;
        return true;
      }
      const mine = this.replica.digest(this.config.mesh.crypto);
      if (!bytesEqual(mine, theirs.digest)) {
        // Push ours; if theirs was from a digest round (not an answer), ask for theirs too.
        this.push(now, m.sender);
        if (m.packets.length === 1) this.mesh.whisperTo(now, m.sender, [encodeDigest(this.replica.keyCount, mine), new Uint8Array(0)], SYNC_DIGEST);
      }
      return true;
    }
    return false;
  }

  private emit(event: SyncEvent): void {
    if (this.events.length >= events_max) this.eventsDropped++;
    else this.events.push(event);
  }

  /** Moves mesh events up, reacting to new links with a digest. */
  private settle(now: Millis): void {
    for (let e = this.mesh.pollEvent(); e; e = this.mesh.pollEvent()) {
      this.emit(e);
      if (e.type === 'neighbor-up') this.sendDigest(now, e.peer);
    }
  }
}
