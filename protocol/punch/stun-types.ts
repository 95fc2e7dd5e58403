// STUN (RFC 8489) and RFC 5780 constants and the decoded message shape. Kept apart from the
// codec so servers, clients and tests can name methods and attributes without pulling code.

export const STUN_HEADER_BYTES = 20;
export const STUN_TRANSACTION_ID_BYTES = 12;
/** RFC 8489 section 6.2.1: without a known path MTU keep messages under 576 bytes (IPv4). */
export const STUN_MESSAGE_BYTES_MAX = 548;
/** A decoder bound: no legitimate Binding message carries more attributes than this. */
export const STUN_ATTRIBUTES_MAX = 32;
/** SOFTWARE and error reason phrases are limited to 763 bytes by the RFC; we keep 128. */
export const STUN_TEXT_BYTES_MAX = 128;

export const STUN_METHOD = { binding: 0x001 } as const;

export type StunClass = 'request' | 'indication' | 'success' | 'error';

export const STUN_ATTR = {
  mappedAddress: 0x0001,
  changeRequest: 0x0003, // RFC 5780
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  unknownAttributes: 0x000a,
  realm: 0x0014,
  nonce: 0x0015,
  xorMappedAddress: 0x0020,
  padding: 0x0026, // RFC 5780
  responsePort: 0x0027, // RFC 5780
  software: 0x8022,
  fingerprint: 0x8028,
  responseOrigin: 0x802b, // RFC 5780
  otherAddress: 0x802c, // RFC 5780
} as const;

/** CHANGE-REQUEST flag bits (RFC 5780 section 7.2). */
export const CHANGE_IP_FLAG = 0x04;
export const CHANGE_PORT_FLAG = 0x02;

export const FINGERPRINT_XOR = 0x5354554e;
export const MESSAGE_INTEGRITY_BYTES = 20;

export interface StunAttribute {
  readonly type: number;
  /** A view into the decoded datagram (or the value to encode). */
  readonly value: Uint8Array;
}

export interface StunMessage {
  readonly method: number;
  readonly cls: StunClass;
  readonly transactionId: Uint8Array;
  /** In wire order; attributes after MESSAGE-INTEGRITY (other than FINGERPRINT) are dropped. */
  readonly attributes: readonly StunAttribute[];
}

export interface DecodedStun extends StunMessage {
  /** The datagram the message came from, for integrity checks. */
  readonly raw: Uint8Array;
  /** Byte offset of the MESSAGE-INTEGRITY attribute header, when present. */
  readonly integrityOffset: number | undefined;
  /** True when a FINGERPRINT was present (it is always verified when present). */
  readonly hasFingerprint: boolean;
}

/** ERROR-CODE values used here (RFC 8489 section 14.8). */
export const STUN_ERROR = {
  badRequest: 400,
  unauthenticated: 401,
  unknownAttribute: 420,
  serverError: 500,
} as const;
