// Socket failures in our own words: the typed driver events and errors a real-socket run
// reports instead of crashing (port in use, ICMP unreachable, send buffer full, EMSGSIZE),
// the errno mapping behind them, and the --listen/--bind address parser.
import { addr, formatAddr, type Addr } from '../protocol/core/addr.ts';

/** What went wrong on a socket, in our words (the errno is kept beside it). */
export type SocketErrorKind =
  | 'address-in-use' // EADDRINUSE at bind
  | 'address-unavailable' // EADDRNOTAVAIL: the address is not on this host
  | 'permission' // EACCES / EPERM (low port, broadcast without SO_BROADCAST, firewall)
  | 'unreachable' // ECONNREFUSED / EHOSTUNREACH / ENETUNREACH (ICMP or routing)
  | 'send-buffer-full' // EAGAIN / ENOBUFS, or our own in-flight bound was reached
  | 'message-too-large' // EMSGSIZE
  | 'no-socket' // no bound socket can reach the destination's address family
  | 'other';

export type DriverEvent =
  | { readonly type: 'bound'; readonly local: readonly Addr[] }
  | {
      readonly type: 'socket-error';
      readonly kind: SocketErrorKind;
      readonly code: string;
      readonly local?: Addr;
      readonly remote?: Addr;
      readonly message: string;
    }
  | { readonly type: 'closed' };

export class DriverError extends Error {
  constructor(readonly kind: SocketErrorKind, readonly code: string, readonly local: Addr | undefined, message: string) {
    super(message);
    this.name = 'DriverError';
  }
}

export function errorKind(code: string | undefined): SocketErrorKind {
  switch (code) {
    case 'EADDRINUSE':
      return 'address-in-use';
    case 'EADDRNOTAVAIL':
      return 'address-unavailable';
    case 'EACCES':
    case 'EPERM':
      return 'permission';
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'EAGAIN':
    case 'EWOULDBLOCK':
    case 'ENOBUFS':
      return 'send-buffer-full';
    case 'EMSGSIZE':
      return 'message-too-large';
    default:
      return 'other';
  }
}

/** The trace drop reason for a failed send (docs/trace-format.md). */
export function dropReason(kind: SocketErrorKind): string {
  switch (kind) {
    case 'unreachable':
      return 'port-unreachable';
    case 'send-buffer-full':
      return 'queue';
    case 'message-too-large':
      return 'mtu';
    default:
      return 'no-route';
  }
}

export function bindMessage(kind: SocketErrorKind, local: Addr, error: Error): string {
  const where = formatAddr(local);
  if (kind === 'address-in-use') return `port in use: ${where} is already bound by another socket (pick another --port or stop the other process)`;
  if (kind === 'address-unavailable') return `cannot bind ${where}: that address is not on this host`;
  if (kind === 'permission') return `cannot bind ${where}: permission denied`;
  return `cannot bind ${where}: ${error.message}`;
}

/** Parses a --listen style "host:port", "[v6]:port" or bare port into a bind address. */
export function bindAddr(text: string, defaultIp = '0.0.0.0'): Addr {
  if (/^\d{1,5}$/.test(text)) return addr(defaultIp, Number(text));
  const colon = text.lastIndexOf(':');
  if (!text.startsWith('[') && colon > 0 && text.indexOf(':') === colon) {
    return addr(text.slice(0, colon), Number(text.slice(colon + 1)));
  }
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    return addr(text.slice(1, close), Number(text.slice(close + 2)));
  }
  return addr(text, 0);
}
