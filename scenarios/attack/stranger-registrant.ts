// A stranger's own registration, by default built for the biggest possible answers: one id
// with the most candidates the wire allows, all IPv6 (20 bytes each). Forged lookups then
// name this id (which consents to the stranger's other id, so the server may answer with its
// record), so any reply carrying it is as large as a reply can be. Squatters use
// it with no candidates, one id per machine. It registers
// from an address it really owns, so it can echo the server's return-routability cookie like
// any client, and refreshes well inside the registration TTL.
import { addr, type Addr } from '../../protocol/core/addr.ts';
import { DecodeError } from '../../protocol/core/decode-error.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';
import { UNKNOWN_NAT } from '../../protocol/punch/nat-report.ts';
import { CANDIDATES_MAX, decodeRendezvous, encodeRendezvous, type Candidate } from '../../protocol/punch/rendezvous-wire.ts';

const REFRESH_MS = 10_000;
const RETRY_MS = 500;
const NO_COOKIE = new Uint8Array(16);

export class StrangerRegistrant implements Machine<never, never> {
  private readonly out: Transmit[] = [];
  private cookie: Uint8Array = NO_COOKIE;
  private next: Millis = 0;
  private nonce = 1;
  registered = false;
  readonly candidates: Candidate[];

  constructor(
    readonly id: string,
    readonly token: Uint8Array,
    private readonly server: Addr,
    /** Candidates to advertise (default: the most the wire allows, all IPv6). */
    candidates_count: number = CANDIDATES_MAX,
    /** An id this one consents to be looked up and punched by (the stranger's other id). */
    private readonly consent_to?: string,
  ) {
    this.candidates = Array.from({ length: candidates_count }, (_, i) => ({ kind: 'host' as const, addr: addr(`2001:db8:ffff:${i + 1}:ffff:ffff:ffff:ffff`, 65_000 + i) }));
  }

  private send(): void {
    const data = encodeRendezvous({ type: 'register', nonce: this.nonce++, cookie: this.cookie, id: this.id, token: this.token, rtt_ms: 0, nat: UNKNOWN_NAT, candidates: this.candidates });
    this.out.push({ remote: this.server, data });
  }

  handleDatagram(now: Millis, _remote: Addr, data: Uint8Array, _local: Addr): void {
    let m;
    try {
      m = decodeRendezvous(data);
    } catch (e) {
      if (e instanceof DecodeError) return;
      throw e;
    }
    if (m.type === 'cookie') {
      this.cookie = m.cookie.slice();
      this.send();
      this.next = now + RETRY_MS;
    } else if (m.type === 'registered') {
      if (this.consent_to) {
        const consent = encodeRendezvous({ type: 'connect', nonce: this.nonce++, id: this.id, token: this.token, target: this.consent_to, mode: 'accept' });
        this.out.push({ remote: this.server, data: consent });
      }
      this.registered = true;
      this.next = now + REFRESH_MS;
    }
  }

  handleTimeout(now: Millis): void {
    if (now < this.next) return;
    this.send();
    this.next = now + (this.registered ? REFRESH_MS : RETRY_MS);
  }

  handleCommand(_now: Millis, _command: never): void {}
  pollTransmit(): Transmit | undefined {
    return this.out.shift();
  }
  pollEvent(): never | undefined {
    return undefined;
  }
  pollTimeout(): Millis | undefined {
    return this.next;
  }
}
