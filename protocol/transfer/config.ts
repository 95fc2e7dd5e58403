// Limits and deadlines of the file-transfer protocol, and the incremental sha256 it hashes
// with (injected like Crypto, so the CLI can use node:crypto and the core stays portable).
import { sha256 } from '@noble/hashes/sha2.js';
import type { Millis } from '../core/time.ts';

export interface Sha256Stream {
  update(data: Uint8Array): void;
  digest(): Uint8Array;
}

export type Sha256Factory = () => Sha256Stream;

export const nobleSha256: Sha256Factory = () => {
  const hash = sha256.create();
  return {
    update: (data) => void hash.update(data),
    digest: () => hash.digest(),
  };
};

export interface TransferConfig {
  /** Largest file a receiver accepts; a larger offer is refused. */
  readonly size_bytes_max: number;
  /** Largest chunk a sender asks its application for in one `need-data`. */
  readonly chunk_bytes: number;
  /** Largest read from the stream per step on the receiving side (one `data` event). */
  readonly read_bytes_max: number;
  /**
   * Give up when the transfer makes no progress (no offer/file bytes received; on the
   * sender, no bytes delivered and no verdict) for this long while the session is alive.
   */
  readonly progress_timeout_ms: Millis;
  /**
   * After the outcome is known, how long to wait for the other side's confirmation (the
   * sender's end of stream, or the acknowledgement of our own) before ending anyway.
   */
  readonly close_timeout_ms: Millis;
  readonly sha256: Sha256Factory;
}

export const DEFAULT_TRANSFER_CONFIG: TransferConfig = {
  size_bytes_max: 2 ** 40,
  chunk_bytes: 256 * 1024,
  read_bytes_max: 256 * 1024,
  progress_timeout_ms: 60_000,
  close_timeout_ms: 3_000,
  sha256: nobleSha256,
};

export function resolveTransferConfig(partial: Partial<TransferConfig> = {}): TransferConfig {
  const config = { ...DEFAULT_TRANSFER_CONFIG, ...partial };
  for (const key of ['size_bytes_max', 'chunk_bytes', 'read_bytes_max', 'progress_timeout_ms', 'close_timeout_ms'] as const) {
    const value = config[key];
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`transfer config ${key} must be > 0, got ${value}`);
  }
  return config;
}
