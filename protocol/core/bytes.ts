// Byte-array helpers every protocol shares, so each idea exists once: equality (constant time
// over equal lengths, safe for MACs, tokens and keys), concatenation, lower-case hex and UTF-8
// (one shared encoder and decoders, lenient and strict, instead of one per file or per call).

/**
 * True when `a` and `b` hold the same bytes. Equal-length inputs are compared in constant
 * time (no early exit), so comparing a secret against a guess leaks nothing but the length.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** One new array holding `parts` one after another. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return concatBytesList(parts);
}

/** concatBytes for a list of any length (a spread of thousands of parts would overflow). */
export function concatBytesList(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

const HEX_DIGITS = '0123456789abcdef';

/** Lower-case hex of `bytes` (two digits per byte). */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.byteLength; i++) out += HEX_DIGITS[bytes[i]! >> 4]! + HEX_DIGITS[bytes[i]! & 15]!;
  return out;
}

export class HexParseError extends Error {
  constructor(readonly input: string) {
    super(`not an even-length hex string: ${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)}`);
    this.name = 'HexParseError';
  }
}

/** The bytes of a hex string (either case); throws HexParseError on anything else. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new HexParseError(text);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.byteLength; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const utf8Encoder = new TextEncoder();
// Neither decoder is ever used with `stream: true`, so sharing one across callers keeps no
// state between calls. Both drop a leading byte-order mark, as TextDecoder does by default.
const utf8Lenient = new TextDecoder('utf-8');
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 bytes of `text` (one shared encoder, not one per call). */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/**
 * Writes the UTF-8 of `text` into `target` and returns the bytes written (encoding stops at
 * the last whole character that fits), for callers that fill a buffer of their own in place.
 */
export function utf8Into(text: string, target: Uint8Array): number {
  return utf8Encoder.encodeInto(text, target).written;
}

/**
 * The text of UTF-8 `bytes`, each malformed sequence replaced by U+FFFD. For bytes we only
 * show or match loosely (a foreign TXT string, a log line); a wire field that must be text
 * uses fromUtf8Strict.
 */
export function fromUtf8(bytes: Uint8Array): string {
  return utf8Lenient.decode(bytes);
}

/**
 * The text of `bytes` when they are well-formed UTF-8, else undefined (a peer's bad bytes are
 * a value for the caller to turn into its own typed drop, never an exception).
 */
export function fromUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return undefined;
  }
}

/** How many bytes the code point `cp` takes in UTF-8 (a lone surrogate is encoded as U+FFFD: 3). */
function utf8Width(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * The longest prefix of `text` whose UTF-8 takes at most `max_bytes`, cut between code
 * points (never inside a character), for bounded text fields such as reasons and names.
 */
export function truncateUtf8(text: string, max_bytes: number): string {
  let used = 0;
  let end = 0; // UTF-16 index just past the last code point kept
  for (const ch of text) {
    used += utf8Width(ch.codePointAt(0)!);
    if (used > max_bytes) return text.slice(0, end);
    end += ch.length;
  }
  return text;
}
