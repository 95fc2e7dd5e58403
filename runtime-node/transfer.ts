// The files behind `peerlab connect`'s FileTransfer machine (protocol/transfer): a source
// that hashes the file to send before any network step and then serves it by offset, and a
// sink that writes what arrives into a temporary file beside the destination and renames it
// over the destination only after the sha256 verified. An existing destination is never
// opened for writing, so a failed or refused transfer leaves it exactly as it was. Every
// problem found before the network is one FileProblem with a one-line message.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Sha256Factory } from '../protocol/transfer/config.ts';
import { nameProblem, NAME_BYTES_MAX, truncateUtf8, type Offer } from '../protocol/transfer/wire.ts';

/** Read size when hashing. */
const hash_chunk_bytes = 1024 * 1024;

/** The transfer protocol's incremental sha256 on node:crypto (about 10x @noble's speed). */
export const nodeSha256: Sha256Factory = () => {
  const hash = createHash('sha256');
  return {
    update: (data) => void hash.update(data),
    digest: () => new Uint8Array(hash.digest()),
  };
};

/** A file cannot be sent or received; found before any network step. */
export class FileProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileProblem';
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a parent is not a directory';
  return code ?? String(error);
}

/** The file to send: opened and hashed at once, then read by offset as the machine asks. */
export class FileSource {
  readonly offer: Offer;
  private fd: number | undefined;

  constructor(readonly path: string) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new FileProblem(`cannot read --send ${path}: ${reason(error)}`);
    }
    try {
      if (!fstatSync(fd).isFile()) throw new FileProblem(`cannot send ${path}: not a regular file`);
      const hash = createHash('sha256');
      const buffer = Buffer.alloc(hash_chunk_bytes);
      let size_bytes = 0;
      for (let n = readSync(fd, buffer, 0, buffer.byteLength, 0); n > 0; n = readSync(fd, buffer, 0, buffer.byteLength, size_bytes)) {
        hash.update(buffer.subarray(0, n));
        size_bytes += n;
      }
      const name = truncateUtf8(basename(path), NAME_BYTES_MAX);
      this.offer = { name: nameProblem(name) ? 'file' : name, size_bytes, sha256: new Uint8Array(hash.digest()) };
    } catch (error) {
      closeSync(fd);
      if (error instanceof FileProblem) throw error;
      throw new FileProblem(`cannot read --send ${path}: ${reason(error)}`);
    }
    this.fd = fd;
  }

  /** Up to `max_bytes` from `offset`; fewer (or none) when the file shrank since it was hashed. */
  read(offset: number, max_bytes: number): Uint8Array {
    if (this.fd === undefined) return new Uint8Array(0);
    const buffer = Buffer.alloc(max_bytes);
    const n = readSync(this.fd, buffer, 0, max_bytes, offset);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, n);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Where a received file goes: a temporary file beside `path`, renamed over it once verified. */
export class FileSink {
  readonly path: string;
  readonly tempPath: string;
  private fd: number | undefined;
  private state: 'writing' | 'committed' | 'discarded' = 'writing';

  constructor(path: string) {
    this.path = resolve(path);
    const dir = dirname(this.path);
    let dirIsDirectory = false;
    try {
      dirIsDirectory = statSync(dir).isDirectory();
    } catch (error) {
      throw new FileProblem(`cannot receive into ${path}: directory ${dir}: ${reason(error)}`);
    }
    if (!dirIsDirectory) throw new FileProblem(`cannot receive into ${path}: ${dir} is not a directory`);
    try {
      if (statSync(this.path).isDirectory()) throw new FileProblem(`cannot receive into ${path}: it is a directory (name the file)`);
    } catch (error) {
      if (error instanceof FileProblem) throw error;
      // Absent is the usual case; anything else shows up when we create the temporary file.
    }
    this.tempPath = join(dir, `.${basename(this.path)}.peerlab-${randomBytes(4).toString('hex')}.part`);
    try {
      // Default permissions (0666 less the umask), as a plain create of F would have had.
      this.fd = openSync(this.tempPath, 'wx', 0o666);
    } catch (error) {
      throw new FileProblem(`cannot receive into ${path}: cannot create a file in ${dir}: ${reason(error)}`);
    }
  }

  write(offset: number, data: Uint8Array): void {
    if (this.fd === undefined) throw new Error('sink closed');
    let done = 0;
    while (done < data.byteLength) done += writeSync(this.fd, data, done, data.byteLength - done, offset + done);
  }

  /** The file verified: make it durable and give it its final name (replacing any old file). */
  commit(): void {
    if (this.fd === undefined || this.state !== 'writing') throw new Error('nothing to commit');
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.tempPath, this.path);
    this.state = 'committed';
  }

  /** The transfer failed: remove the temporary file; the destination is untouched. */
  discard(): void {
    if (this.state !== 'writing') return;
    this.state = 'discarded';
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    try {
      unlinkSync(this.tempPath);
    } catch {
      /* already gone */
    }
  }

  get committed(): boolean {
    return this.state === 'committed';
  }
}
