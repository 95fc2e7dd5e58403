// IPv4 subnets ("10.0.1.0/24") as integers, for a realm's address plan: membership, the
// broadcast address, and allocation of the next free host address. Parsing is hand-rolled
// because routing asks "is this IP inside?" once per datagram leaving a LAN.

export class SubnetError extends Error {
  constructor(readonly input: string, why: string) {
    super(`bad subnet ${JSON.stringify(input)}: ${why}`);
    this.name = 'SubnetError';
  }
}

/** Parses a canonical dotted quad to an unsigned 32-bit integer, or -1 if it is not one. */
export function ipv4ToUint(ip: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return -1;
  return value * 256 + octet;
}

export function uintToIpv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export class Subnet {
  /** First address (network address) and the count of addresses. */
  readonly base: number;
  readonly size: number;
  readonly broadcast: string;

  constructor(readonly text: string) {
    const slash = text.indexOf('/');
    if (slash < 0) throw new SubnetError(text, 'expected a.b.c.d/prefix');
    const base = ipv4ToUint(text.slice(0, slash));
    const prefix = Number(text.slice(slash + 1));
    if (base < 0) throw new SubnetError(text, 'only IPv4 subnets are supported');
    if (!Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new SubnetError(text, 'prefix must be 8..30');
    this.size = 2 ** (32 - prefix);
    if (base % this.size !== 0) throw new SubnetError(text, 'host bits set');
    this.base = base;
    this.broadcast = uintToIpv4(base + this.size - 1);
  }

  contains(ip: string): boolean {
    const value = ipv4ToUint(ip);
    return value >= this.base && value < this.base + this.size;
  }

  /** The conventional gateway address (.1), never handed to hosts. */
  get gatewayIp(): string {
    return uintToIpv4(this.base + 1);
  }

  /** Host address number `index` (0 = the first after the gateway). */
  hostIp(index: number): string | undefined {
    const offset = index + 2;
    return offset < this.size - 1 ? uintToIpv4(this.base + offset) : undefined;
  }
}
