// Small byte-array helpers shared by codecs and handshakes.

/**
 * One new array holding `parts` back to back. Takes an array, not rest arguments, so a long
 * list (one part per captured packet) cannot overflow the engine's argument limit.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
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
