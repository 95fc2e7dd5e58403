// Socket failures in our own words: the typed driver events and errors a real-socket run
// reports instead of crashing (port in use, ICMP unreachable, send buffer full, EMSGSIZE),
// the errno mapping behind them, and the --listen/--bind address parser.
import { addr, AddrParseError, formatAddr, type Addr } from '../protocol/core/addr.ts';

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
  /**
   * The machine broke its contract (protocol/core/contract.ts): a handle or poll call threw,
   * or its deadline stayed due after handleTimeout. The driver counts it and keeps serving.
   */
  | { readonly type: 'machine-error'; readonly call: string; readonly rule: string; readonly message: string; readonly deadline?: number }
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

/**
 * Parses a --listen style "host:port", "[v6]:port", bare IP (any port) or bare port (on
 * `defaultIp`) into a bind address. Strict: the port is 1-5 decimal digits in 0..65535, so
 * "1.2.3.4:", "1.2.3.4:1e3" or "foo:7000" throw AddrParseError instead of binding something
 * nobody asked for.
 */
export function bindAddr(text: string, defaultIp = '0.0.0.0'): Addr {
  const port = (digits: string): number => {
    if (!/^\d{1,5}$/.test(digits)) throw new AddrParseError(text, 'bad port');
    return Number(digits);
  };
  if (/^\d{1,5}$/.test(text)) return addr(defaultIp, port(text));
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new AddrParseError(text, 'expected [ip6]:port');
    const rest = text.slice(close + 1);
    if (rest === '') return addr(text.slice(1, close), 0);
    if (!rest.startsWith(':')) throw new AddrParseError(text, 'expected [ip6]:port');
    return addr(text.slice(1, close), port(rest.slice(1)));
  }
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.indexOf(':') === colon) return addr(text.slice(0, colon), port(text.slice(colon + 1)));
  return addr(text, 0);
}
