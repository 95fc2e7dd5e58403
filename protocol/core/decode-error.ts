// The one error every codec raises on bad input. Drivers and machines catch it,
// count it and trace it with its reason; it never escapes into a driver.

export type DecodeReason =
  | 'truncated' // fewer bytes than the field needs
  | 'oversize' // more bytes than a declared limit
  | 'invalid' // a value outside its domain (unknown type, bad magic, bad checksum)
  | 'trailing'; // bytes left over after a complete message

export class DecodeError extends Error {
  readonly reason: DecodeReason;
  /** The field being decoded when the input went wrong, for traces and tests. */
  readonly field: string;

  constructor(reason: DecodeReason, field: string, detail?: string) {
    super(`decode ${reason} at ${field}${detail ? `: ${detail}` : ''}`);
    this.name = 'DecodeError';
    this.reason = reason;
    this.field = field;
  }
}
