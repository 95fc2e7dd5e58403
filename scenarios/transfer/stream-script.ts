// The sender and receiver scripts of a transfer scenario, written against a tiny stream
// interface so they drive either a bare RudpEndpoint connection or a composed Peer.
// Writes and reads happen in event callbacks; an io goes through the driver's `act`, which
// drains the machine after the call, so what it queued is sent at once.
import type { Simulator } from '../../runtime-sim/index.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import { Digest } from './payload.ts';

export interface StreamIo {
  write(now: number, data: Uint8Array): number;
  read(): Uint8Array | undefined;
  end(): void;
}

/** Bytes handed to write() per call. */
const WRITE_CHUNK_BYTES = 256 * 1024;

export interface TransferProgress {
  startedAt?: number;
  deliveredAt?: number;
  /** When half the bytes had arrived (steady-state goodput is measured over the second half). */
  halfAt?: number;
  senderClosedAt?: number;
  receiverClosedAt?: number;
  errors: string[];
  readonly digest: Digest;
  written: number;
}

export function newProgress(): TransferProgress {
  return { errors: [], digest: new Digest(), written: 0 };
}

/** Call on the sender's `connected`/`writable` events: writes as much as fits, then FIN. */
export function pumpSender(sim: Simulator, io: StreamIo, data: Uint8Array, progress: TransferProgress): void {
  progress.startedAt ??= sim.now;
  while (progress.written < data.byteLength) {
    const taken = io.write(sim.now, data.subarray(progress.written, Math.min(data.byteLength, progress.written + WRITE_CHUNK_BYTES)));
    if (taken === 0) break;
    progress.written += taken;
  }
  if (progress.written === data.byteLength) io.end();
}

/** Call on the receiver's `readable`/`end` events. */
export function drainReceiver(sim: Simulator, io: StreamIo, total_bytes: number, progress: TransferProgress): void {
  for (let chunk = io.read(); chunk; chunk = io.read()) progress.digest.update(chunk);
  if (progress.digest.bytes >= total_bytes / 2 && progress.halfAt === undefined) progress.halfAt = sim.now;
  if (progress.digest.bytes === total_bytes && progress.deliveredAt === undefined) progress.deliveredAt = sim.now;
}

/** Routes the transport events of one side into the scripts. */
export function onTransportEvent(
  sim: Simulator,
  side: 'sender' | 'receiver',
  event: RudpEvent,
  io: StreamIo,
  data: Uint8Array,
  progress: TransferProgress,
): void {
  if (event.type === 'closed') {
    if (event.error) progress.errors.push(`${side}: ${event.error} ${event.message ?? ''}`.trim());
    if (side === 'sender') progress.senderClosedAt ??= sim.now;
    else progress.receiverClosedAt ??= sim.now;
    return;
  }
  if (side === 'sender') {
    if (event.type === 'connected' || event.type === 'writable') pumpSender(sim, io, data, progress);
  } else if (event.type === 'readable' || event.type === 'end') {
    drainReceiver(sim, io, data.byteLength, progress);
    if (event.type === 'end') {
      io.end();
        }
  }
}
