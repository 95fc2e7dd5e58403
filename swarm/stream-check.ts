// "Delivered data is a prefix of sent data": the receiver's bytes are compared with the
// sender's accepted bytes as they arrive (so a corruption is caught at the step it happens),
// and at the end both are hashed with sha256, which is what a user would compare.
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../protocol/core/bytes.ts';
import { violation } from './violation.ts';

export class StreamCheck {
  /** Bytes the transport accepted from the sender (write() results). */
  accepted = 0;
  delivered = 0;
  private readonly hash = sha256.create();

  constructor(
    readonly name: string,
    /** What the sender wants to send (accepted bytes are its first `accepted`). */
    readonly data: Uint8Array,
  ) {}

  /** Records `n` more bytes accepted by the sender's transport. */
  sent(n: number): void {
    if (!(n >= 0) || this.accepted + n > this.data.byteLength) violation('data', `${this.name}: write accepted ${n} bytes at ${this.accepted} of ${this.data.byteLength}`);
    this.accepted += n;
  }

  /** Checks a chunk the receiver read against the sent bytes at the same offset. */
  received(chunk: Uint8Array): void {
    const at = this.delivered;
    if (at + chunk.byteLength > this.accepted) violation('data', `${this.name}: ${at + chunk.byteLength} bytes delivered but only ${this.accepted} sent`);
    for (let i = 0; i < chunk.byteLength; i++) {
      if (chunk[i] !== this.data[at + i]) violation('data', `${this.name}: byte ${at + i} delivered as ${chunk[i]}, sent as ${this.data[at + i]}`);
    }
    this.hash.update(chunk);
    this.delivered += chunk.byteLength;
  }

  get complete(): boolean {
    return this.delivered === this.data.byteLength;
  }

  /** sha256 of what arrived equals sha256 of the sent prefix of the same length. */
  finalCheck(): void {
    const got = this.hash.digest();
    const want = sha256(this.data.subarray(0, this.delivered));
    if (!equalBytes(got, want)) violation('data', `${this.name}: sha256 of ${this.delivered} delivered bytes differs from the sent prefix`);
  }
}
