// The story of one `peerlab connect` run as its Peer tells it: registration, punching, the
// path, the secure session. It keeps what the result needs (path, timings, observed address)
// and the "tried" lines a failure prints, and logs progress lines as they happen.
import type { PeerEvent } from '../protocol/peer/peer.ts';
import { ERROR_CODE } from '../protocol/punch/rendezvous-wire.ts';
import type { Millis } from '../protocol/core/time.ts';
import { ConnectFailure } from './connect-result.ts';

const RENDEZVOUS_ERRORS: Record<number, string> = {
  [ERROR_CODE.notFound]: 'no such peer registered',
  [ERROR_CODE.pending]: 'the peer has not registered yet',
  [ERROR_CODE.unauthorized]: 'unauthorized',
  [ERROR_CODE.conflict]: 'this --id is registered by another process (a previous run keeps it for up to a minute); pick another --id or wait',
  [ERROR_CODE.tableFull]: 'the server is full',
  [ERROR_CODE.rateLimited]: 'rate limited',
  [ERROR_CODE.badRequest]: 'bad request',
};

export function rendezvousErrorText(code: number): string {
  return `${RENDEZVOUS_ERRORS[code] ?? 'no answer'} (code ${code})`;
}

type Registered = Extract<PeerEvent, { type: 'registered' }>;
type PathFound = Extract<PeerEvent, { type: 'path' }>;

export class ConnectNarrative {
  readonly tried: string[] = [];
  registered: Registered | undefined;
  path: PathFound | undefined;
  /** Since start, when the first path and the session appeared. */
  pathAt_ms = 0;
  sessionAt_ms = 0;
  sessionOpen = false;
  /**
   * Where the background punch stands. Relay first (issue 15): the session may open, and a
   * transfer even end, on the relay while the punch is still running; `pending` until it
   * finds a direct pair (then `direct`) or gives up (`failed`). `none`: no punch started.
   * A pair found counts even when the session could not move onto it: a session that closed
   * first (a short transfer) has nothing left to validate the pair in.
   */
  punch: 'none' | 'pending' | 'direct' | 'failed' = 'none';
  /** How the punch found its direct pair, once `punch` is `direct`. */
  punchTechnique: string | undefined;

  constructor(
    readonly started: Millis,
    private readonly log: (line: string) => void,
  ) {}

  /** Records one Peer event; returns a failure when the event alone ends the run. */
  onEvent(now: Millis, event: PeerEvent): ConnectFailure | undefined {
    switch (event.type) {
      case 'registered':
        this.registered = event;
        this.tried.push(`registered with the rendezvous as "${event.id}" (seen as ${event.observed}, NAT: ${event.nat}, ${Math.round(event.rtt_ms)} ms)`);
        this.log(`registered: observed ${event.observed}, NAT ${event.nat}`);
        return undefined;
      case 'punch-start':
        // A relay-only plan sends no probe: there is nothing to wait for.
        if (this.punch !== 'direct') this.punch = event.strategy === 'relay-only' ? 'failed' : 'pending';
        this.tried.push(`punch with "${event.peer}": strategy ${event.strategy}, NATs ${event.nat.local} / ${event.nat.peer}`);
        this.log(`punching ${event.peer}: ${event.strategy} (${event.nat.local} ↔ ${event.nat.peer})`);
        return undefined;
      case 'path-proposed':
        this.punch = 'direct';
        this.punchTechnique ??= event.technique;
        this.tried.push(`direct pair found via ${event.technique} to ${event.remote}`);
        return undefined;
      case 'punch-failed':
        if (this.punch === 'pending') this.punch = 'failed';
        this.tried.push(`direct punch failed after ${event.attempts} probes`);
        return undefined;
      case 'rendezvous-error':
        this.tried.push(`rendezvous refused: ${rendezvousErrorText(event.code)}`);
        return undefined;
      case 'register-conflict':
        // Another process holds this id: waiting cannot help, so say so at once.
        return new ConnectFailure('rendezvous', `registration refused: ${rendezvousErrorText(ERROR_CODE.conflict)}`, this.tried);
      case 'id-invalid':
        // The CLI checks ids first (idArg); this is the machine's own word for the same mistake.
        return new ConnectFailure('rendezvous', `the ${event.field === 'id' ? '--id' : '--peer'} cannot be sent: ${event.reason === 'empty' ? 'empty' : `longer than ${event.bytes_max} bytes`}`, this.tried);
      case 'path':
        if (!this.path || event.upgrade) {
          if (!this.path) this.pathAt_ms = now - this.started;
          this.path = event;
          if (event.path === 'direct') {
            this.punch = 'direct';
            this.punchTechnique = event.technique;
          }
          this.tried.push(`path ${event.path} via ${event.technique} to ${event.remote}`);
          this.log(`path: ${event.path} (${event.technique}) to ${event.remote}, rtt ${Math.round(event.rtt_ms)} ms${event.upgrade ? ' (upgrade)' : ''}`);
        }
        return undefined;
      case 'session-open':
        this.sessionOpen = true;
        this.sessionAt_ms = now - this.started;
        this.tried.push('secure session open');
        this.log(`secure session open with ${event.peer_key_hex.slice(0, 16)}…`);
        return undefined;
      default:
        return undefined;
    }
  }
}
