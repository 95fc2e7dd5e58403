// The file transfer `peerlab connect` runs over a secure stream: a 44-byte header (magic,
// size, sha256) then the bytes; the receiver answers with a 33-byte verdict (ok flag + the
// sha256 it computed). The sender hashes the file first so the receiver can verify as it
// writes; neither side holds the file in memory.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { Sha256Factory } from '../protocol/transfer/config.ts';

const MAGIC = 0x504c4631; // "PLF1"
export const HEADER_BYTES = 4 + 8 + 32;
export const VERDICT_BYTES = 1 + 32;
/** Read size when hashing and sending. */
const chunk_bytes = 256 * 1024;
/** Largest file we agree to move (a bound on the header's size field). */
export const transfer_bytes_max = 2 ** 40;

export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

export function hashFile(path: string): { size_bytes: number; sha256: Uint8Array } {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.alloc(chunk_bytes);
    let size_bytes = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, chunk_bytes, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      size_bytes += n;
    }
    return { size_bytes, sha256: new Uint8Array(hash.digest()) };
  } finally {
    closeSync(fd);
  }
}

export class FileSender {
  readonly size_bytes: number;
  readonly sha256: Uint8Array;
  private readonly fd: number;
  private pending: Uint8Array;
  private fileOffset = 0;
  sent_bytes = 0;

  constructor(path: string) {
    const { size_bytes, sha256 } = hashFile(path);
    this.size_bytes = size_bytes;
    this.sha256 = sha256;
    this.fd = openSync(path, 'r');
    const header = new Uint8Array(HEADER_BYTES);
    const view = new DataView(header.buffer);
    view.setUint32(0, MAGIC);
    view.setBigUint64(4, BigInt(size_bytes));
    header.set(sha256, 12);
    this.pending = header;
  }

  get done(): boolean {
    return this.pending.byteLength === 0 && this.fileOffset >= this.size_bytes;
  }

  /** Offers bytes to `write` (which returns how many it took) until it takes none. */
  pump(write: (data: Uint8Array) => number): void {
    for (;;) {
      if (this.pending.byteLength === 0) {
        if (this.fileOffset >= this.size_bytes) return;
        const buffer = Buffer.alloc(Math.min(chunk_bytes, this.size_bytes - this.fileOffset));
        const n = readSync(this.fd, buffer, 0, buffer.byteLength, this.fileOffset);
        if (n === 0) throw new TransferError('file shrank while sending');
        this.fileOffset += n;
        this.pending = new Uint8Array(buffer.buffer, buffer.byteOffset, n);
      }
      const taken = write(this.pending);
      if (taken <= 0) return;
      this.sent_bytes += taken;
      this.pending = this.pending.subarray(taken);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

export class FileReceiver {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private header = new Uint8Array(0);
  size_bytes: number | undefined;
  expected: Uint8Array | undefined;
  received_bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  get done(): boolean {
    return this.size_bytes !== undefined && this.received_bytes >= this.size_bytes;
  }

  /** Consumes stream bytes; returns bytes beyond the file (none expected). */
  feed(chunk: Uint8Array): void {
    let data = chunk;
    if (this.size_bytes === undefined) {
      const need = HEADER_BYTES - this.header.byteLength;
      const joined = new Uint8Array(this.header.byteLength + Math.min(need, data.byteLength));
      joined.set(this.header);
      joined.set(data.subarray(0, need), this.header.byteLength);
      this.header = joined;
      data = data.subarray(need);
      if (this.header.byteLength < HEADER_BYTES) return;
      const view = new DataView(this.header.buffer);
      if (view.getUint32(0) !== MAGIC) throw new TransferError('the sender is not speaking the peerlab file format');
      const size = view.getBigUint64(4);
      if (size > BigInt(transfer_bytes_max)) throw new TransferError(`announced size ${size} is too large`);
      this.size_bytes = Number(size);
      this.expected = this.header.slice(12, 44);
    }
    const room = this.size_bytes - this.received_bytes;
    if (data.byteLength > room) throw new TransferError('the sender sent more than it announced');
    if (data.byteLength === 0) return;
    this.hash.update(data);
    writeSync(this.fd, data);
    this.received_bytes += data.byteLength;
  }

  /** Closes the file and returns the verdict bytes to send back. */
  finish(): { ok: boolean; sha256: Uint8Array; verdict: Uint8Array } {
    closeSync(this.fd);
    const sha256 = new Uint8Array(this.hash.digest());
    const ok = this.expected !== undefined && Buffer.from(sha256).equals(Buffer.from(this.expected));
    const verdict = new Uint8Array(VERDICT_BYTES);
    verdict[0] = ok ? 1 : 0;
    verdict.set(sha256, 1);
    return { ok, sha256, verdict };
  }
}

export function decodeVerdict(bytes: Uint8Array): { ok: boolean; sha256: Uint8Array } {
  if (bytes.byteLength < VERDICT_BYTES) throw new TransferError('short verdict');
  return { ok: bytes[0] === 1, sha256: bytes.slice(1, VERDICT_BYTES) };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The transfer protocol's incremental sha256 on node:crypto (about 10x @noble's speed). */
export const nodeSha256: Sha256Factory = () => {
  const hash = createHash('sha256');
  return {
    update: (data) => void hash.update(data),
    digest: () => new Uint8Array(hash.digest()),
  };
};
