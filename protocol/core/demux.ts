// One UDP port per peer carries every protocol, told apart by the first byte (STUN by its
// magic cookie, as in RFC 7983). This table is the single place that assigns first bytes,
// so protocols never collide and traces can label each datagram with its protocol.

/** First-byte ranges owned by each protocol family (inclusive). STUN is 0x00-0x03 + cookie. */
export const FIRST_BYTE = {
  echo: 0xe0,
  /** rendezvous, punch probes, relay frames */
  punchMin: 0xd0,
  punchMax: 0xdf,
  /** secure transport: handshake, cookie reply, data */
  rudpMin: 0xc0,
  rudpMax: 0xcf,
  /** overlays: mesh, chord, discovery */
  overlayMin: 0xb0,
  overlayMax: 0xbf,
} as const;

export const STUN_MAGIC_COOKIE = 0x2112a442;

export type ProtocolName = 'stun' | 'echo' | 'punch' | 'rudp' | 'overlay' | 'unknown';

export function isStun(data: Uint8Array): boolean {
  return (
    data.byteLength >= 20 &&
    data[0]! < 4 &&
    data[4] === 0x21 &&
    data[5] === 0x12 &&
    data[6] === 0xa4 &&
    data[7] === 0x42
  );
}

export function classifyDatagram(data: Uint8Array): ProtocolName {
  if (data.byteLength === 0) return 'unknown';
  const first = data[0]!;
  if (first < 4) return isStun(data) ? 'stun' : 'unknown';
  if (first === FIRST_BYTE.echo) return 'echo';
  if (first >= FIRST_BYTE.punchMin && first <= FIRST_BYTE.punchMax) return 'punch';
  if (first >= FIRST_BYTE.rudpMin && first <= FIRST_BYTE.rudpMax) return 'rudp';
  if (first >= FIRST_BYTE.overlayMin && first <= FIRST_BYTE.overlayMax) return 'overlay';
  return 'unknown';
}
