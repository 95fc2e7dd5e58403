// Stateless return-routability cookies for the rendezvous server (the idea of a QUIC Retry
// token and of WireGuard's cookie reply): before the server stores anything for a source it
// answers with cookie = HMAC-SHA256(secret, source ip | port | time bucket)[0..16), and only a
// request echoing it is acted on. A spoofed source never sees its cookie, so it can neither
// fill tables nor make the server send punches or relay traffic to a victim. The secret is
// drawn from the machine's Rng and replaced every bucket; a cookie from the current or the
// previous bucket is accepted, so a cookie lives between one and two buckets.
import { ipToBytes, type Addr } from '../core/addr.ts';
import { equalBytes } from '../core/bytes.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { COOKIE_BYTES } from './rendezvous-wire.ts';

const SECRET_BYTES = 32;

export class CookieJar {
  private bucket = -1;
  private current: Uint8Array;
  private previous: Uint8Array | undefined;
  private readonly input = new Uint8Array(16 + 2 + 8);
  private readonly inputView = new DataView(this.input.buffer);

  constructor(
    readonly bucket_ms: number,
    private readonly rng: Rng,
    /** HMAC-SHA256: @noble by default; the real runtime hands in node:crypto's (2-3x faster). */
    private readonly hmacSha256: (key: Uint8Array, data: Uint8Array) => Uint8Array,
  ) {
    if (!(bucket_ms > 0)) throw new RangeError(`cookie bucket ${bucket_ms} ms`);
    this.current = new Uint8Array(SECRET_BYTES);
  }

  /** Rotates the secret when `now` entered a later bucket (lazily: no timer needed). */
  private rotate(now: Millis): number {
    const bucket = Math.floor(now / this.bucket_ms);
    if (bucket > this.bucket) {
      this.previous = bucket === this.bucket + 1 ? this.current : undefined;
      this.current = this.rng.nextBytes(SECRET_BYTES);
      this.bucket = bucket;
    }
    return this.bucket;
  }

  private compute(secret: Uint8Array, source: Addr, bucket: number): Uint8Array {
    this.input.fill(0);
    this.input.set(ipToBytes(source.ip), 0);
    this.inputView.setUint16(16, source.port);
    this.inputView.setFloat64(18, bucket);
    return this.hmacSha256(secret, this.input).subarray(0, COOKIE_BYTES);
  }

  /** The cookie `source` must echo. */
  issue(now: Millis, source: Addr): Uint8Array {
    const bucket = this.rotate(now);
    return this.compute(this.current, source, bucket);
  }

  /** True when `cookie` is one this jar gave `source` in the current or previous bucket. */
  valid(now: Millis, source: Addr, cookie: Uint8Array): boolean {
    if (cookie.byteLength !== COOKIE_BYTES) return false;
    const bucket = this.rotate(now);
    if (equalBytes(cookie, this.compute(this.current, source, bucket))) return true;
    return this.previous !== undefined && equalBytes(cookie, this.compute(this.previous, source, bucket - 1));
  }
}
