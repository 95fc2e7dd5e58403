// The punch client's side of the rendezvous protocol: registration (echoing the server's
// return-routability cookie), naming the one peer we dial or accept (our consent, renewed with
// every registration), retransmission of both requests, and the check that a punch answers one
// of our own connects. The client (punch-client.ts) owns the socket, timers and the punch.
import { formatAddr, type Addr } from '../core/addr.ts';
import type { Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import type { DropCounter } from './drop-counter.ts';
import { natSummary, type NatReport } from './nat-report.ts';
import type { PunchClientConfig } from './punch-config.ts';
import type { PunchEvent } from './punch-events.ts';
import { CONTROL_BYTES_MAX, encodeRendezvous, ERROR_CODE, NO_COOKIE, type Candidate, type RendezvousMessage } from './rendezvous-wire.ts';
import { RequestTable, type Request } from './rendezvous-requests.ts';

/** Nonces of our recent connects: a punch must carry one of them. */
const CONNECT_NONCES_KEPT = 8;
/** Spacing of early asks for a punch we seem to have missed (peerAhead). */
const EARLY_ASK_MS = 250;
/** The shortest re-registration interval, whatever ttl the server claims. */
const REFRESH_MIN_MS = 1_000;

export type LinkPhase = 'idle' | 'discovering' | 'registering' | 'registered' | 'failed';

/** What the link needs from the client that owns it. */
export interface LinkHost {
  readonly config: PunchClientConfig;
  readonly drops: DropCounter;
  readonly nat: NatReport;
  readonly hasSession: boolean;
  phase: LinkPhase;
  observed: Addr | undefined;
  server_rtt_ms: number;
  transmit(t: Transmit): void;
  emit(event: PunchEvent): void;
  candidates(): Candidate[];
  setTimer(name: 'refresh' | 'pending', at: Millis): void;
}

export class RendezvousLink {
  private readonly requests: RequestTable;
  connectTarget: string | undefined;
  readonly acceptFrom: string | undefined;
  private connects = 0;
  private pendingRetries = 0;
  /** No early ask (peerAhead) before this. */
  private earlyAskAt: Millis = 0;
  private cookie: Uint8Array = NO_COOKIE;
  private readonly connectNonces: number[] = [];
  private conflictReported = false;
  /** Our accept was refused or lost: send it again with the next registration. */
  private consentLost = true;

  constructor(
    private readonly host: LinkHost,
    private readonly rng: Rng,
  ) {
    const c = host.config;
    this.requests = new RequestTable(c.request_rto_ms, c.request_retries_max);
    this.connectTarget = c.connect_to;
    this.acceptFrom = c.accept_from;
  }

  /** The peer we dial or accept, if any. */
  get peer(): string | undefined {
    return this.connectTarget ?? this.acceptFrom;
  }

  nextDeadline(): Millis | undefined {
    return this.requests.nextDeadline();
  }

  /** The application names a (new) peer to dial. */
  dial(now: Millis, peer: string): void {
    this.connectTarget = peer;
    this.connects = 0;
    if (this.host.phase === 'registered') this.send(now, 'connect');
  }

  register(now: Millis): void {
    this.send(now, 'register');
  }

  /** The `pending` timer: ask again in case the server's punch was lost. */
  pendingDue(now: Millis): void {
    if (!this.host.hasSession && this.pendingRetries++ < this.host.config.pending_retries_max) this.send(now, 'connect');
  }

  /**
   * Relay frames for a session we do not have while we dial: the peer got a punch we missed.
   * Ask again now rather than at the next `pending` retry (relay first: the session waits on
   * it). At most one ask in flight and one per EARLY_ASK_MS, so spoofed frames buy nothing.
   */
  peerAhead(now: Millis): void {
    if (!this.connectTarget || this.host.hasSession || this.requests.has('connect') || now < this.earlyAskAt) return;
    if (this.pendingRetries++ >= this.host.config.pending_retries_max) return;
    this.earlyAskAt = now + EARLY_ASK_MS;
    this.send(now, 'connect');
  }

  /** Asks the server for the peer (the dialing side only), at most `connects_max` times per attempt. */
  connect(now: Millis): void {
    if (!this.connectTarget || this.connects >= this.host.config.connects_max) return;
    this.connects++;
    this.send(now, 'connect');
  }

  /** A relay -> direct upgrade: re-register (so the server has our newest prediction) and dial again. */
  upgrade(now: Millis): void {
    this.connects = 0;
    this.send(now, 'register');
    this.connect(now);
  }

  private send(now: Millis, type: 'register' | 'connect'): void {
    if (type === 'connect' && !this.peer) return;
    const r = this.requests.start(now, type, this.rng.nextUint32());
    if (type === 'connect') {
      this.connectNonces.push(r.nonce);
      if (this.connectNonces.length > CONNECT_NONCES_KEPT) this.connectNonces.shift();
    }
    this.sendBytes(r);
  }

  private sendBytes(r: Request): void {
    const c = this.host.config;
    // Connects are padded to the control limit: the server's answer (two punches) may not
    // outweigh the request, so an unpadded connect would get its candidates cut.
    const data =
      r.type === 'register'
        ? encodeRendezvous({ type: 'register', nonce: r.nonce, cookie: this.cookie, id: c.id, token: c.token, rtt_ms: this.host.server_rtt_ms, nat: this.host.nat, candidates: this.host.candidates() })
        : encodeRendezvous({ type: 'connect', nonce: r.nonce, id: c.id, token: c.token, target: this.peer!, mode: this.connectTarget ? 'dial' : 'accept', pad_to: CONTROL_BYTES_MAX });
    this.host.transmit({ remote: c.server, data });
  }

  /** Retransmits due requests; a request out of retries is a `rendezvous-error` with code 0. */
  retry(now: Millis): void {
    const { resend, failed } = this.requests.expire(now);
    for (const r of resend) this.sendBytes(r);
    for (const r of failed) {
      this.host.emit({ type: 'rendezvous-error', code: 0 });
      if (r.type === 'connect') this.consentLost = true;
      if (r.type === 'register') this.host.setTimer('refresh', now + this.host.config.register_refresh_ms);
    }
  }

  /** The server wants proof that we receive at our address: send the registration again with its cookie. */
  onCookie(now: Millis, m: Extract<RendezvousMessage, { type: 'cookie' }>): void {
    const r = this.requests.get('register');
    if (!r || r.nonce !== m.nonce) return this.host.drops.drop('stale-reply', this.host.config.server, 'cookie');
    if (r.tries === 1) this.host.server_rtt_ms = now - r.sent_at;
    this.cookie = m.cookie;
    this.send(now, 'register');
    // The connect rides right behind the registration the server will now store (it handles
    // datagrams in order), saving a round trip before the punch.
    if (this.host.phase === 'registering' && !this.host.hasSession && !this.requests.has('connect')) {
      this.consentLost = false;
      this.askForPeer(now);
    }
  }

  /** Names our peer to the server: a dial (we want the punch now) or an accept (consent only). */
  private askForPeer(now: Millis): void {
    if (this.connectTarget) {
      this.connects = 0;
      this.connect(now);
    } else if (this.acceptFrom) this.send(now, 'connect');
  }

  onRegistered(now: Millis, m: Extract<RendezvousMessage, { type: 'registered' }>): void {
    const host = this.host;
    const r = this.requests.get('register');
    if (!r || r.nonce !== m.nonce) return host.drops.drop('stale-reply', host.config.server);
    if (r.tries === 1 && host.phase !== 'registering') host.server_rtt_ms = now - r.sent_at;
    this.requests.delete('register');
    host.observed = m.observed;
    this.conflictReported = false;
    host.setTimer('refresh', now + Math.max(REFRESH_MIN_MS, Math.min(host.config.register_refresh_ms, m.ttl_ms / 3)));
    const first = host.phase !== 'registered';
    if (first) {
      host.phase = 'registered';
      host.emit({ type: 'registered', id: host.config.id, observed: formatAddr(m.observed), rtt_ms: host.server_rtt_ms, nat: natSummary(host.nat) });
    }
    if (this.connectTarget) {
      if (first && !host.hasSession && !this.requests.has('connect')) this.askForPeer(now);
    } else if (this.acceptFrom && !this.requests.has('connect') && (!first || this.consentLost)) {
      // Renew our consent with every refresh: a registration the server lost (expired,
      // evicted, restarted) comes back without it. The first one rode behind the registration.
      this.consentLost = false;
      this.askForPeer(now);
    }
  }

  onError(now: Millis, m: Extract<RendezvousMessage, { type: 'error' }>): void {
    const host = this.host;
    const r = this.requests.byNonce(m.nonce);
    if (!r) return host.drops.drop('stale-reply', host.config.server);
    this.requests.delete(r.type);
    // `pending` to an accept only confirms our consent is stored: nothing to report.
    const consentStored = m.code === ERROR_CODE.pending && r.type === 'connect' && !this.connectTarget;
    if (!consentStored) host.emit({ type: 'rendezvous-error', code: m.code });
    if (m.code === ERROR_CODE.conflict && r.type === 'register' && !this.conflictReported) {
      this.conflictReported = true;
      host.emit({ type: 'register-conflict', id: host.config.id });
    }
    if (r.type === 'connect' && m.code !== ERROR_CODE.pending) this.consentLost = true;
    // Pending: the server sends the punch once the peer consents too; a dialer asks again now
    // and then in case that punch is lost (the server re-sends the same one to a repeated request).
    if (m.code === ERROR_CODE.pending && r.type === 'connect') {
      if (this.connectTarget) host.setTimer('pending', now + host.config.pending_retry_ms);
    } else if (r.type === 'register') host.setTimer('refresh', now + host.config.register_refresh_ms);
  }

  /**
   * Consent on our side: a punch is taken only for the peer we named and only when it carries
   * the nonce of one of our own recent connects (an off-path forger cannot guess it).
   */
  checkPunch(m: Extract<RendezvousMessage, { type: 'punch' }>): 'ok' | 'punch-unexpected-peer' | 'punch-forged' {
    if (m.peer !== this.peer) return 'punch-unexpected-peer';
    if (!this.connectNonces.includes(m.nonce)) return 'punch-forged';
    const r = this.requests.get('connect');
    if (r && r.nonce === m.nonce) this.requests.delete('connect');
    return 'ok';
  }
}
