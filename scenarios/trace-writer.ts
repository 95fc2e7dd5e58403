// The runner's trace sink: serialises each record as one JSON line, hashes the bytes as they
// go (sha256, for determinism checks), and optionally writes them to a file in large blocks
// or keeps the lines in memory (to show the first differing line of two runs).
import { createHash, type Hash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Bytes buffered before one write to the file. */
const FLUSH_BYTES = 256 * 1024;
/** Lines kept in memory for a determinism comparison; later lines are only hashed. */
export const LINES_KEPT_MAX = 2_000_000;

export interface TraceSummary {
  readonly path?: string;
  readonly sha256: string;
  readonly lines: number;
  readonly bytes: number;
}

export interface TraceWriterOptions {
  /** Write the lines to this file (parent folders are created). */
  readonly path?: string;
  /** Keep every line in memory (determinism checks). */
  readonly keepLines?: boolean;
}

export class TraceWriter {
  private readonly hash: Hash = createHash('sha256');
  private readonly fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private lineCount = 0;
  private byteCount = 0;
  private closed: TraceSummary | undefined;
  /** Every line (up to LINES_KEPT_MAX), when keepLines is set. */
  readonly lines: string[] | undefined;

  constructor(private readonly options: TraceWriterOptions = {}) {
    if (options.path) {
      mkdirSync(dirname(options.path), { recursive: true });
      this.fd = openSync(options.path, 'w');
    }
    this.lines = options.keepLines ? [] : undefined;
  }

  /** One record (the simulator's sink interface). */
  write(record: object): void {
    this.writeLine(JSON.stringify(record));
  }

  /** One already serialised line, without its newline. */
  writeLine(line: string): void {
    if (this.closed) throw new Error('trace writer is closed');
    const text = `${line}\n`;
    this.hash.update(text);
    this.lineCount++;
    this.byteCount += Buffer.byteLength(text);
    if (this.lines && this.lines.length < LINES_KEPT_MAX) this.lines.push(line);
    if (this.fd === undefined) return;
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }

  close(): TraceSummary {
    if (this.closed) return this.closed;
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.closed = {
      ...(this.options.path ? { path: this.options.path } : {}),
      sha256: this.hash.digest('hex'),
      lines: this.lineCount,
      bytes: this.byteCount,
    };
    return this.closed;
  }
}

export interface LineMismatch {
  /** 1-based line number of the first difference. */
  readonly line: number;
  readonly first: string | undefined;
  readonly second: string | undefined;
}

/** The first line where two traces differ, or undefined when they are equal. */
export function firstDifference(a: readonly string[], b: readonly string[]): LineMismatch | undefined {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return { line: i + 1, first: a[i], second: b[i] };
  }
  return undefined;
}
