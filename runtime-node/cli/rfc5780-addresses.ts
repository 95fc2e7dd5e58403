// The four address/port pairs an RFC 5780 server answers from: (A.ip, A.port), (A.ip, B.port),
// (B.ip, A.port), (B.ip, B.port). A CHANGE-REQUEST for "port only" or "IP only" must be
// answered from one of the mixed pairs, so all four are bound, and RESPONSE-ORIGIN /
// OTHER-ADDRESS (protocol/punch/stun-responder.ts) then tell the truth. This file checks the
// pair the user gave (usage errors, before any socket) and turns port 0 into real ports.
import { createSocket, type Socket } from 'node:dgram';
import { addr, formatAddr, type Addr } from '../../protocol/core/addr.ts';
import { EnvironmentError, UsageError } from './command.ts';

/** Tries to find two free ports (when either was 0) before giving up. */
export const PORT_RESOLVE_ATTEMPTS_MAX = 8;

function isWildcard(a: Addr): boolean {
  return a.ip === '0.0.0.0' || a.ip === '::';
}

/**
 * Refuses an alternate that cannot serve RFC 5780: another family, a wildcard IP (the four
 * pairs need two distinct specific IPs), the same IP, or the same non-zero port (then
 * OTHER-ADDRESS equals the primary's port and clients skip classification).
 */
export function checkAlternate(listen: Addr, alternate: Addr): void {
  if (listen.family !== alternate.family) throw new UsageError('--listen and --alternate must both be IPv4 or both IPv6');
  if (isWildcard(listen) || isWildcard(alternate)) {
    throw new UsageError('--alternate needs --listen and --alternate on two specific IPs of this host, not a wildcard');
  }
  if (listen.ip === alternate.ip) throw new UsageError(`--alternate must be another IP than --listen (${listen.ip}): RFC 5780 changes the IP`);
  if (listen.port !== 0 && listen.port === alternate.port) {
    throw new UsageError(`--alternate must use another port than --listen (${listen.port}): RFC 5780 changes the port too, e.g. ${alternate.ip}:${listen.port + (listen.port < 65_535 ? 1 : -1)}`);
  }
}

/** The four pairs, primary first, in the order StunResponder.addresses() lists them. */
export function fourPairs(primary: Addr, alternate: Addr): Addr[] {
  return [primary, addr(primary.ip, alternate.port), addr(alternate.ip, primary.port), alternate];
}

/** Why the last bindSocket failed, in words (for the one-line error). */
let lastBindFailure = '';

function bindSocket(at: Addr): Promise<{ socket: Socket; port: number } | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: at.family === 6 ? 'udp6' : 'udp4', ipv6Only: at.family === 6 });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      lastBindFailure = error.code === 'EADDRINUSE' ? 'in use' : error.code === 'EADDRNOTAVAIL' ? 'not an address of this host' : (error.code ?? error.message);
      socket.close();
      resolve(undefined);
    });
    socket.bind({ address: at.ip, port: at.port, exclusive: true }, () => resolve({ socket, port: socket.address().port }));
  });
}

/**
 * Turns a port 0 in either address into a concrete port such that all four pairs are free
 * right now and the two ports differ. The sockets are held while checking and closed before
 * returning, so a caller binding the pairs can still lose a race: it retries on
 * address-in-use when a port was 0. With both ports given, only checks them.
 */
export async function resolvePorts(listen: Addr, alternate: Addr): Promise<{ primary: Addr; alternate: Addr }> {
  for (let attempt = 0; attempt < PORT_RESOLVE_ATTEMPTS_MAX; attempt++) {
    const held: Socket[] = [];
    try {
      const a = await bindSocket(listen);
      if (!a) throw new EnvironmentError(`cannot bind ${formatAddr(listen)}: ${lastBindFailure}`);
      held.push(a.socket);
      // The alternate port must be free on both IPs; ask the kernel on B, then test it on A.
      const b = await bindSocket(alternate);
      if (!b) throw new EnvironmentError(`cannot bind ${formatAddr(alternate)}: ${lastBindFailure}`);
      held.push(b.socket);
      if (a.port === b.port) continue; // two ephemeral ports may coincide on two IPs
      const mixed = [addr(listen.ip, b.port), addr(alternate.ip, a.port)];
      let free = true;
      for (const at of mixed) {
        const s = await bindSocket(at);
        if (!s) free = false;
        else held.push(s.socket);
      }
      if (free) return { primary: addr(listen.ip, a.port), alternate: addr(alternate.ip, b.port) };
      if (listen.port !== 0 && alternate.port !== 0) {
        throw new EnvironmentError(`cannot bind all four RFC 5780 pairs (${fourPairs(addr(listen.ip, a.port), addr(alternate.ip, b.port)).map(formatAddr).join(', ')}): one is in use`);
      }
    } finally {
      await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  }
  throw new EnvironmentError(`found no free pair of ports for ${formatAddr(listen)} and ${formatAddr(alternate)} in ${PORT_RESOLVE_ATTEMPTS_MAX} attempts`);
}
