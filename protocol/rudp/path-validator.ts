// Path validation inside the secure session (RFC 9000 section 8.2): before a connection's
// traffic moves to a new address, a PATH_CHALLENGE with 8 fresh random bytes goes there and
// only the matching PATH_RESPONSE (authenticated, so only our peer can produce it) moves
// the path. An authenticated packet replayed or raced from a stranger's address can then
// cost at most a few tiny challenges, never the session's traffic. No amplification: an
// address the network named (not the application) is sent no more bytes of challenges than
// it has sent us in authenticated packets. Bounded: one candidate at a time, a few tries, a
// give-up deadline, a short queue of responses we owe.
import { addrEquals, type Addr } from '../core/addr.ts';
import { equalBytes } from '../core/bytes.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { TAG_BYTES } from './cipher-state.ts';
import { PATH_DATA_BYTES, PATH_FRAME_BYTES } from './frame.ts';
import { DATA_HEADER_BYTES } from './packet.ts';

/** Challenges sent to one candidate before it is given up (RFC 9000 leaves it open; quinn: retries to 3 PTO). */
export const PATH_CHALLENGE_TRIES_MAX = 3;
/** PATH_RESPONSE frames owed at once; more challenges in a burst are dropped (counted). */
export const PATH_RESPONSES_MAX = 4;
/** Floor of the retry interval, so a tiny PTO cannot turn validation into a flood. */
export const PATH_RETRY_MS_MIN = 10;
/** One sealed packet carrying one path frame (what a challenge or a response costs on the wire). */
export const PATH_PACKET_BYTES = DATA_HEADER_BYTES + PATH_FRAME_BYTES + TAG_BYTES;

interface Candidate {
  readonly remote: Addr;
  readonly data: Uint8Array;
  /** The packet number that made us try this address (a newer one may replace it). */
  readonly triggerPn: number;
  tries: number;
  /** When the next challenge is due (the first one is due at once). */
  retryAt: Millis;
  /** When the candidate is given up. */
  readonly giveUpAt: Millis;
  /** Bytes we may still send there: what it sent us (Infinity when the application chose it). */
  credit_bytes: number;
}

export interface PathOutbox {
  readonly remote: Addr;
  readonly kind: 'path-challenge' | 'path-response';
  readonly data: Uint8Array;
}

export type PathOutcome = { readonly kind: 'validated'; readonly remote: Addr } | { readonly kind: 'failed'; readonly remote: Addr };

export class PathValidator {
  private candidate: Candidate | undefined;
  private readonly responses: PathOutbox[] = [];
  responsesDropped = 0;

  constructor(private readonly rng: Rng) {}

  get validating(): Addr | undefined {
    return this.candidate?.remote;
  }

  /**
   * Starts validating `remote`: an authenticated packet of `size_bytes` with number `triggerPn`
   * came from it (its bytes are the credit for challenges), or the application asked to move
   * there (`size_bytes` Infinity). An older trigger never replaces a newer one.
   */
  start(now: Millis, remote: Addr, triggerPn: number, timeout_ms: number, size_bytes: number): void {
    const c = this.candidate;
    if (c && addrEquals(c.remote, remote)) return;
    if (c && triggerPn <= c.triggerPn) return;
    this.candidate = { remote, data: this.rng.nextBytes(PATH_DATA_BYTES), triggerPn, tries: 0, retryAt: now, giveUpAt: now + timeout_ms, credit_bytes: size_bytes };
  }

  /** An authenticated packet of `size_bytes` came from `remote`: more credit if it is the candidate. */
  onReceived(remote: Addr, size_bytes: number): void {
    const c = this.candidate;
    if (c && addrEquals(c.remote, remote)) c.credit_bytes += size_bytes;
  }

  private canChallenge(c: Candidate): boolean {
    return c.tries < PATH_CHALLENGE_TRIES_MAX && c.credit_bytes >= PATH_PACKET_BYTES;
  }

  /** Forgets the candidate (the application's own path is fine again). */
  cancel(): void {
    this.candidate = undefined;
  }

  /** A PATH_CHALLENGE arrived from `remote`: we owe it a PATH_RESPONSE there. */
  onChallenge(remote: Addr, data: Uint8Array): void {
    if (this.responses.length >= PATH_RESPONSES_MAX) {
      this.responsesDropped++;
      return;
    }
    this.responses.push({ remote, kind: 'path-response', data });
  }

  /** A PATH_RESPONSE arrived (on any path, RFC 9000 section 8.2.2): the validated address, if it matches. */
  onResponse(data: Uint8Array): PathOutcome | undefined {
    const c = this.candidate;
    if (!c || c.tries === 0 || !equalBytes(c.data, data)) return undefined;
    this.candidate = undefined;
    return { kind: 'validated', remote: c.remote };
  }

  /** The next frame to send (responses first), given the retry interval; undefined when none is due. */
  next(now: Millis, retry_ms: number): PathOutbox | undefined {
    const response = this.responses.shift();
    if (response) return response;
    const c = this.candidate;
    if (!c || !this.canChallenge(c) || now < c.retryAt) return undefined;
    c.tries++;
    c.credit_bytes -= PATH_PACKET_BYTES;
    c.retryAt = now + Math.max(retry_ms, PATH_RETRY_MS_MIN);
    return { remote: c.remote, kind: 'path-challenge', data: c.data };
  }

  /** The earliest deadline: a due retry or the give-up time. */
  deadline(): Millis | undefined {
    const c = this.candidate;
    if (!c) return undefined;
    // Waiting for credit arms no timer: the next packet from the candidate brings it.
    return this.canChallenge(c) ? Math.min(c.retryAt, c.giveUpAt) : c.giveUpAt;
  }

  /** True when a frame is waiting to be sent now. */
  pending(now: Millis): boolean {
    const c = this.candidate;
    return this.responses.length > 0 || (c !== undefined && this.canChallenge(c) && now >= c.retryAt);
  }

  /** The give-up deadline passed: the candidate failed. */
  onTimeout(now: Millis): PathOutcome | undefined {
    const c = this.candidate;
    if (!c || now < c.giveUpAt) return undefined;
    this.candidate = undefined;
    return { kind: 'failed', remote: c.remote };
  }
}
