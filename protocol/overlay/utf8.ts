// UTF-8 encoding for the overlay folder (one shared encoder).
const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
