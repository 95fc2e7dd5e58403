// Byte-array helpers every protocol shares, so each idea exists once: equality (constant time
// over equal lengths, safe for MACs, tokens and keys), concatenation, lower-case hex and UTF-8.

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

/** The UTF-8 bytes of `text` (one shared encoder, not one per call). */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
