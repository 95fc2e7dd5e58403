// The application around a FileTransfer machine in the simulator, as the CLI is around it on
// real sockets: the sender answers `need-data` from an in-memory file, the receiver accepts
// the offer, keeps its own sha256 of the `data` it is handed (an independent check of the
// machine's verdict) and commits once `verified`. Both record how their machine ended.
import type { TransferCommand, TransferEnd, TransferEvent } from '../../protocol/transfer/events.ts';
import type { MachineHandle, Simulator } from '../../runtime-sim/index.ts';
import { Digest } from './payload.ts';

export interface FileAppState {
  /** Virtual time of the sender's first need-data (transfer start). */
  startedAt?: number;
  /** When the receiver's machine verified the file. */
  verifiedAt?: number;
  /** Independent sha256 over what the receiver application was handed. */
  readonly digest: Digest;
  /** Bytes handed to the receiver application out of order (must stay 0). */
  gaps: number;
  senderEnd?: TransferEnd;
  receiverEnd?: TransferEnd;
  senderEndAt?: number;
  receiverEndAt?: number;
  /** command-refused events (a script bug if any). */
  refused: string[];
}

export function newFileAppState(): FileAppState {
  return { digest: new Digest(), gaps: 0, refused: [] };
}

type Handle = MachineHandle<TransferCommand, TransferEvent>;

/** The sender's application: serves `data` as the file. */
export function senderApp(sim: Simulator, handle: Handle, data: Uint8Array, state: FileAppState): void {
  handle.onEvent((event) => {
    if (event.type === 'need-data') {
      state.startedAt ??= sim.now;
      const chunk = data.subarray(event.offset, event.offset + event.max_bytes);
      handle.command(chunk.byteLength > 0 ? { type: 'data', data: chunk } : { type: 'source-failed', message: 'end of file before the offered size' });
    } else if (event.type === 'command-refused') {
      state.refused.push(`sender ${event.command}: ${event.reason}`);
    } else if (event.type === 'transfer-end') {
      state.senderEnd = event;
      state.senderEndAt = sim.now;
    }
  });
}

/** The receiver's application: accepts, hashes what it is handed, commits when verified. */
export function receiverApp(sim: Simulator, handle: Handle, state: FileAppState): void {
  handle.onEvent((event) => {
    switch (event.type) {
      case 'offer':
        handle.command({ type: 'accept' });
        break;
      case 'data':
        if (event.offset !== state.digest.bytes) state.gaps++;
        state.digest.update(event.data);
        break;
      case 'verified':
        state.verifiedAt = sim.now;
        handle.command({ type: 'committed' });
        break;
      case 'command-refused':
        state.refused.push(`receiver ${event.command}: ${event.reason}`);
        break;
      case 'transfer-end':
        state.receiverEnd = event;
        state.receiverEndAt = sim.now;
        break;
    }
  });
}
