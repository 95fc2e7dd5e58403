// The punch client's outstanding requests to the rendezvous server: at most one register and
// one connect in flight, each retransmitted with a doubling timeout up to `retries_max` sends,
// matched to replies by nonce.
import type { Millis } from '../core/time.ts';

export type RequestType = 'register' | 'connect';

export interface Request {
  readonly type: RequestType;
  readonly nonce: number;
  sent_at: Millis;
  tries: number;
  next_at: Millis;
}

export class RequestTable {
  private readonly requests = new Map<RequestType, Request>();

  constructor(
    private readonly rto_ms: number,
    private readonly retries_max: number,
  ) {}

  start(now: Millis, type: RequestType, nonce: number): Request {
    const r: Request = { type, nonce, sent_at: now, tries: 1, next_at: now + this.rto_ms };
    this.requests.set(type, r);
    return r;
  }

  get(type: RequestType): Request | undefined {
    return this.requests.get(type);
  }

  byNonce(nonce: number): Request | undefined {
    for (const r of this.requests.values()) if (r.nonce === nonce) return r;
    return undefined;
  }

  delete(type: RequestType): void {
    this.requests.delete(type);
  }

  has(type: RequestType): boolean {
    return this.requests.has(type);
  }

  /** Due requests: those to send again (already marked sent) and those that gave up. */
  expire(now: Millis): { resend: Request[]; failed: Request[] } {
    const resend: Request[] = [];
    const failed: Request[] = [];
    for (const r of [...this.requests.values()]) {
      if (r.next_at > now) continue;
      if (r.tries >= this.retries_max) {
        this.requests.delete(r.type);
        failed.push(r);
        continue;
      }
      r.tries++;
      r.sent_at = now;
      r.next_at = now + this.rto_ms * 2 ** (r.tries - 1);
      resend.push(r);
    }
    return { resend, failed };
  }

  nextDeadline(): Millis | undefined {
    let at: Millis | undefined;
    for (const r of this.requests.values()) if (at === undefined || r.next_at < at) at = r.next_at;
    return at;
  }
}
