// Drives a RendezvousServer by hand for the server tests: a seeded Rng, encode/decode of every
// datagram, and honest clients that echo the return-routability cookie and pad their connects.
import { addr, type Addr } from '../../../protocol/core/addr.ts';
import type { Transmit } from '../../../protocol/core/machine.ts';
import { rngFromFloat, type Rng } from '../../../protocol/core/rng.ts';
import { UNKNOWN_NAT } from '../../../protocol/punch/nat-report.ts';
import { RendezvousServer, type RendezvousServerConfig } from '../../../protocol/punch/rendezvous-server.ts';
import { CONTROL_BYTES_MAX, decodeRendezvous, encodeRendezvous, NO_COOKIE, type ConnectMode, type RendezvousMessage } from '../../../protocol/punch/rendezvous-wire.ts';

export const SERVER = addr('198.51.100.7', 3478);
export const A = addr('203.0.113.11', 5000);
export const B = addr('198.18.0.12', 6000);
export const EVIL = addr('192.0.2.66', 666);

export function seeded(seed: number): Rng {
  let x = seed >>> 0 || 1;
  return rngFromFloat(() => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  });
}

export function server(config: Partial<RendezvousServerConfig> = {}): RendezvousServer {
  return new RendezvousServer({ primary: SERVER, ...config }, seeded(7));
}

export function token(n: number): Uint8Array {
  return new Uint8Array(16).fill(n);
}

export interface Out {
  readonly to: Addr;
  readonly m: RendezvousMessage;
  readonly bytes: number;
}

export function drain(s: RendezvousServer): Out[] {
  const out: Out[] = [];
  for (let t: Transmit | undefined = s.pollTransmit(); t; t = s.pollTransmit()) out.push({ to: t.remote, m: decodeRendezvous(t.data), bytes: t.data.byteLength });
  return out;
}

export function sendBytes(s: RendezvousServer, now: number, from: Addr, data: Uint8Array): Out[] {
  s.handleDatagram(now, from, data, SERVER);
  return drain(s);
}

export function send(s: RendezvousServer, now: number, from: Addr, m: RendezvousMessage): Out[] {
  return sendBytes(s, now, from, encodeRendezvous(m));
}

export function registerMessage(id: string, tok: Uint8Array, from: Addr, cookie: Uint8Array = NO_COOKIE, rtt_ms = 40, nonce = 1): RendezvousMessage {
  return { type: 'register', nonce, cookie, id, token: tok, rtt_ms, nat: UNKNOWN_NAT, candidates: [{ kind: 'host', addr: from }] };
}

/** An honest registration: ask, get the cookie, echo it. Returns the answer to the second request. */
export function register(s: RendezvousServer, now: number, from: Addr, id: string, tok: Uint8Array, rtt_ms = 40): Out[] {
  const first = send(s, now, from, registerMessage(id, tok, from, NO_COOKIE, rtt_ms));
  const cookie = first[0]?.m.type === 'cookie' ? first[0].m.cookie : NO_COOKIE;
  return send(s, now, from, registerMessage(id, tok, from, cookie, rtt_ms));
}

export function connect(s: RendezvousServer, now: number, from: Addr, id: string, tok: Uint8Array, target: string, mode: ConnectMode = 'dial', nonce = 9): Out[] {
  return send(s, now, from, { type: 'connect', nonce, id, token: tok, target, mode, pad_to: CONTROL_BYTES_MAX });
}
