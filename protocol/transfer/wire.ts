// The file-transfer wire format, carried inside one secure reliable stream (so it needs no
// checksums or sequence numbers of its own). The sender writes an OFFER (name, size,
// sha256) and then exactly `size` bytes of the file; the receiver answers with one VERDICT
// (ok / hash-mismatch / size-mismatch / refused, the sha256 it computed, the bytes it got).
// Every length is bounded before anything is allocated: a decoder needs at most
// OFFER_BYTES_MAX / VERDICT_BYTES_MAX bytes and never reads past the message.
import { truncateUtf8, utf8 } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';

/** "PLT1": peerlab transfer, version 1 of the framing. */
export const TRANSFER_MAGIC = 0x504c5431;
export const TRANSFER_VERSION = 1;
export const SHA256_BYTES = 32;
/** A file name is a hint for the receiver (it chooses where to store); one path component. */
export const NAME_BYTES_MAX = 255;
/** Free text with a refusal or failure, for the other side's error message. */
export const REASON_BYTES_MAX = 128;
/** Largest size the format can carry exactly in a JS number. */
export const WIRE_SIZE_BYTES_MAX = Number.MAX_SAFE_INTEGER;

const KIND_OFFER = 1;
const KIND_VERDICT = 2;

/** magic, version, kind, size, sha256, name length. */
export const OFFER_FIXED_BYTES = 4 + 1 + 1 + 8 + SHA256_BYTES + 1;
export const OFFER_BYTES_MAX = OFFER_FIXED_BYTES + NAME_BYTES_MAX;
/** magic, version, kind, code, received, sha256, reason length. */
export const VERDICT_FIXED_BYTES = 4 + 1 + 1 + 1 + 8 + SHA256_BYTES + 1;
export const VERDICT_BYTES_MAX = VERDICT_FIXED_BYTES + REASON_BYTES_MAX;

export interface Offer {
  readonly name: string;
  readonly size_bytes: number;
  readonly sha256: Uint8Array;
}

export const VERDICT_CODES = ['ok', 'hash-mismatch', 'size-mismatch', 'refused'] as const;
export type VerdictCode = (typeof VERDICT_CODES)[number];

export interface Verdict {
  readonly code: VerdictCode;
  /** Bytes of the file the receiver got (at most the offered size). */
  readonly received_bytes: number;
  /** The sha256 the receiver computed (zeros when it computed none). */
  readonly sha256: Uint8Array;
  readonly reason: string;
}

/** Why a name is not one safe path component, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty';
  if (name === '.' || name === '..') return 'a directory reference';
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) return 'a path separator or control character';
  if (utf8(name).byteLength > NAME_BYTES_MAX) return `longer than ${NAME_BYTES_MAX} bytes`;
  return undefined;
}

export function encodeOffer(offer: Offer): Uint8Array {
  const w = new Writer(OFFER_BYTES_MAX);
  w.u32(TRANSFER_MAGIC).u8(TRANSFER_VERSION).u8(KIND_OFFER).u64(BigInt(offer.size_bytes)).bytes(offer.sha256).string8(offer.name);
  return w.finish();
}

function header(r: Reader, kind: number, what: string): void {
  if (r.u32(`${what}.magic`) !== TRANSFER_MAGIC) throw new DecodeError('invalid', `${what}.magic`, 'not a peerlab transfer');
  const version = r.u8(`${what}.version`);
  if (version !== TRANSFER_VERSION) throw new DecodeError('invalid', `${what}.version`, `version ${version}`);
  const got = r.u8(`${what}.kind`);
  if (got !== kind) throw new DecodeError('invalid', `${what}.kind`, `kind ${got}`);
}

function size(r: Reader, field: string, max_bytes: number): number {
  const value = r.u64(field);
  if (value > BigInt(max_bytes)) throw new DecodeError('oversize', field, `${value} > ${max_bytes}`);
  return Number(value);
}

/**
 * How many bytes the message at the start of `bytes` needs in total (its fixed part, or the
 * fixed part plus its string once the length byte is there). Never more than the max. Raises
 * DecodeError as soon as the first six bytes are not our magic, version and kind.
 */
function wanted(bytes: Uint8Array, kind: number, fixed: number, string_max: number, field: string): number {
  // Refuse a stranger's bytes as soon as the header shows them, not after `fixed` bytes.
  if (bytes.byteLength >= 6) header(new Reader(bytes.subarray(0, 6)), kind, field.split('.')[0]!);
  if (bytes.byteLength < fixed) return fixed;
  const length = bytes[fixed - 1]!;
  if (length > string_max) throw new DecodeError('oversize', field, `${length} > ${string_max}`);
  return fixed + length;
}

/** Bytes the offer starting with `bytes` needs in total (read exactly this much from the stream). */
export function offerBytesWanted(bytes: Uint8Array): number {
  return wanted(bytes, KIND_OFFER, OFFER_FIXED_BYTES, NAME_BYTES_MAX, 'offer.name');
}

export function verdictBytesWanted(bytes: Uint8Array): number {
  return wanted(bytes, KIND_VERDICT, VERDICT_FIXED_BYTES, REASON_BYTES_MAX, 'verdict.reason');
}

/** Decodes one complete offer (exactly its bytes); `size_bytes_max` is the receiver's limit. */
export function decodeOffer(bytes: Uint8Array, size_bytes_max: number): Offer {
  const r = new Reader(bytes);
  header(r, KIND_OFFER, 'offer');
  const size_bytes = size(r, 'offer.size', Math.min(size_bytes_max, WIRE_SIZE_BYTES_MAX));
  const sha256 = r.bytesCopy(SHA256_BYTES, 'offer.sha256');
  const name = r.string8(NAME_BYTES_MAX, 'offer.name');
  r.end('offer');
  const problem = nameProblem(name);
  if (problem) throw new DecodeError('invalid', 'offer.name', problem);
  return { name, size_bytes, sha256 };
}

export function encodeVerdict(verdict: Verdict): Uint8Array {
  const w = new Writer(VERDICT_BYTES_MAX);
  w.u32(TRANSFER_MAGIC).u8(TRANSFER_VERSION).u8(KIND_VERDICT).u8(VERDICT_CODES.indexOf(verdict.code));
  w.u64(BigInt(verdict.received_bytes)).bytes(verdict.sha256).string8(truncateUtf8(verdict.reason, REASON_BYTES_MAX));
  return w.finish();
}

/** Decodes one complete verdict; `offered_bytes` bounds the received count it may claim. */
export function decodeVerdict(bytes: Uint8Array, offered_bytes: number): Verdict {
  const r = new Reader(bytes);
  header(r, KIND_VERDICT, 'verdict');
  const index = r.u8('verdict.code');
  const code = VERDICT_CODES[index];
  if (code === undefined) throw new DecodeError('invalid', 'verdict.code', `code ${index}`);
  const received_bytes = size(r, 'verdict.received', offered_bytes);
  const sha256 = r.bytesCopy(SHA256_BYTES, 'verdict.sha256');
  const reason = r.string8(REASON_BYTES_MAX, 'verdict.reason');
  r.end('verdict');
  return { code, received_bytes, sha256, reason };
}

// runtime-node/transfer.ts cuts file names with it (imported from here; its owner may import core directly).
export { truncateUtf8 } from '../core/bytes.ts';
