// The application around `peerlab connect`'s FileTransfer machine on a real disk, as
// scenarios/transfer/file-app.ts is in the simulator: answers `need-data` from the FileSource,
// accepts the offer and writes each `data` event into the FileSink, renames the verified file
// into place before the verdict goes out (`verified` → commit → `committed`), and reports
// progress in percent. A failed transfer discards the temporary file.
import type { TransferCommand, TransferEvent } from '../protocol/transfer/events.ts';
import type { FileSink, FileSource } from './transfer.ts';

export class ConnectFiles {
  private lastPercent = -1;
  private offered_bytes = 0;

  constructor(
    readonly source: FileSource | undefined,
    readonly sink: FileSink | undefined,
    private readonly onProgress: ((percent: number, bytes: number) => void) | undefined,
  ) {}

  /** Handles one machine event; `command` feeds the machine. */
  onEvent(event: TransferEvent, command: (c: TransferCommand) => void): void {
    switch (event.type) {
      case 'need-data': {
        const source = this.source;
        if (!source) return command({ type: 'source-failed', message: 'no file to send' });
        let data: Uint8Array;
        try {
          data = source.read(event.offset, event.max_bytes);
        } catch (error) {
          return command({ type: 'source-failed', message: String((error as Error).message ?? error) });
        }
        if (data.byteLength === 0) return command({ type: 'source-failed', message: 'the file shrank while it was sent' });
        this.progress(event.offset, source.offer.size_bytes);
        return command({ type: 'data', data });
      }
      case 'offer':
        this.offered_bytes = event.size_bytes;
        return command(this.sink ? { type: 'accept' } : { type: 'refuse', reason: 'this side is not receiving a file' });
      case 'data':
        try {
          this.sink!.write(event.offset, event.data);
        } catch (error) {
          this.sink!.discard();
          return command({ type: 'abort', reason: `the receiver cannot write: ${(error as Error).message}` });
        }
        return this.progress(event.offset + event.data.byteLength, this.offered_bytes);
      case 'verified':
        try {
          this.sink!.commit();
        } catch (error) {
          this.sink!.discard();
          return command({ type: 'commit-failed', message: (error as Error).message });
        }
        this.progress(event.size_bytes, event.size_bytes);
        return command({ type: 'committed' });
      case 'transfer-end':
        if (event.ok && event.role === 'sender') this.progress(event.size_bytes, event.size_bytes);
        if (!event.ok) this.sink?.discard();
        return;
      default:
        return;
    }
  }

  private progress(bytes: number, total: number): void {
    const percent = total === 0 ? 100 : Math.floor((bytes / total) * 100);
    if (percent === this.lastPercent) return;
    this.lastPercent = percent;
    this.onProgress?.(percent, bytes);
  }

  close(): void {
    this.source?.close();
    this.sink?.discard(); // no-op once committed
  }
}
