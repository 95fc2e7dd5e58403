// Transport addresses (IP + UDP port) for IPv4 and IPv6. Addresses are plain immutable
// values with a canonical text form (RFC 5952 for IPv6), so the text form doubles as a map
// key and two equal addresses always format the same.

export type IpFamily = 4 | 6;

export interface Addr {
  readonly family: IpFamily;
  /** Canonical text form: dotted quad, or RFC 5952 lower-case compressed IPv6. */
  readonly ip: string;
  readonly port: number;
}

export class AddrParseError extends Error {
  constructor(readonly input: string, why: string) {
    super(`not an address: ${JSON.stringify(input)} (${why})`);
    this.name = 'AddrParseError';
  }
}

function parseIpv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^\d{1,3}$/.test(part)) return undefined;
    if (part.length > 1 && part[0] === '0') return undefined; // no octal ambiguity
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6Bytes(text: string): Uint8Array | undefined {
  let head = text;
  let tailV4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = parseIpv4Bytes(text.slice(lastColon + 1));
    if (!tailV4) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0'; // placeholder groups, replaced below
  }
  const doubleColon = head.indexOf('::');
  if (doubleColon !== head.lastIndexOf('::')) return undefined;
  const groupsOf = (part: string): string[] => (part === '' ? [] : part.split(':'));
  let groups: string[];
  if (doubleColon >= 0) {
    const left = groupsOf(head.slice(0, doubleColon));
    const right = groupsOf(head.slice(doubleColon + 2));
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<string>(missing).fill('0'), ...right];
  } else {
    groups = groupsOf(head);
  }
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const group = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  if (tailV4) bytes.set(tailV4, 12);
  return bytes;
}

/** Raw network-order bytes of an IP address text (4 or 16 bytes). */
export function ipToBytes(ip: string): Uint8Array {
  const bytes = ip.includes(':') ? parseIpv6Bytes(ip) : parseIpv4Bytes(ip);
  if (!bytes) throw new AddrParseError(ip, 'bad IP');
  return bytes;
}

/** Canonical text of 4 or 16 raw bytes. */
export function ipFromBytes(bytes: Uint8Array): string {
  if (bytes.byteLength === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.byteLength !== 16) throw new AddrParseError(`${bytes.byteLength} bytes`, 'IP must be 4 or 16 bytes');
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!);
  // IPv4-mapped addresses keep their dotted tail (RFC 5952 section 5).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  // Compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function ipFamily(ip: string): IpFamily {
  return ip.includes(':') ? 6 : 4;
}

/** Canonicalises an IP text ("0:0::1" becomes "::1"); throws AddrParseError if invalid. */
export function canonicalIp(ip: string): string {
  return ipFromBytes(ipToBytes(ip));
}

export function addr(ip: string, port: number): Addr {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new AddrParseError(`${ip}:${port}`, 'bad port');
  const canonical = canonicalIp(ip);
  return { family: ipFamily(canonical), ip: canonical, port };
}

/** Parses "1.2.3.4:5678" or "[2001:db8::1]:5678". */
export function parseAddr(text: string): Addr {
  let ip: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') throw new AddrParseError(text, 'expected [ip]:port');
    ip = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0 || text.indexOf(':') !== colon) throw new AddrParseError(text, 'expected ip:port');
    ip = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) throw new AddrParseError(text, 'bad port');
  return addr(ip, Number(portText));
}

export function formatAddr(a: Addr): string {
  return a.family === 6 ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

/** Map key for an address; equal addresses give equal keys. */
export const addrKey = formatAddr;

export function addrEquals(a: Addr, b: Addr): boolean {
  return a.port === b.port && a.ip === b.ip;
}

/** Total order: IPv4 before IPv6, then by IP bytes, then by port. */
export function compareAddr(a: Addr, b: Addr): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.ip !== b.ip) {
    const x = ipToBytes(a.ip);
    const y = ipToBytes(b.ip);
    for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return a.port - b.port;
}
