// Server-reflexive address discovery and RFC 5780 NAT behaviour discovery, as a component a
// machine embeds (it shares the machine's socket and transmit queue). Order matters: the two
// filtering tests run first, in parallel, before the mapping tests send to the server's other
// addresses, because those sends would open holes that make filtering look more permissive.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { decodeAddressValue, decodeXorAddressValue, changeRequestAttribute, softwareAttribute } from './stun-attributes.ts';
import { encodeStun, findAttribute } from './stun-codec.ts';
import { StunTransactions, type RetransmitPolicy } from './stun-transactions.ts';
import { STUN_ATTR, STUN_METHOD, type DecodedStun, type StunAttribute } from './stun-types.ts';
import { natSummary, UNKNOWN_NAT, type NatReport } from './nat-report.ts';

export type DiscoveryTest = 'binding' | 'filter-ip-port' | 'filter-port' | 'map-alt-ip' | 'map-alt-both' | 'alt-server';

export interface NatDiscoveryConfig {
  /** The STUN server's primary address. */
  readonly server: Addr;
  /** Run RFC 5780 tests when the server reports an OTHER-ADDRESS. */
  readonly classify: boolean;
  readonly binding_policy: RetransmitPolicy;
  /** Filtering tests expect silence from strict NATs, so they give up sooner. */
  readonly filter_policy: RetransmitPolicy;
  /** Largest port step still called "sequential allocation". */
  readonly sequential_delta_max: number;
  readonly software?: string;
  /**
   * A second STUN server (another IP), asked when the first reports no OTHER-ADDRESS: equal
   * mapped addresses mean endpoint-independent mapping (filtering stays unknown).
   */
  readonly alternate?: Addr;
}

export const DEFAULT_DISCOVERY: Omit<NatDiscoveryConfig, 'server'> = {
  classify: true,
  binding_policy: { rto_ms: 250, requests_max: 7, last_wait_rto: 16 },
  filter_policy: { rto_ms: 250, requests_max: 4, last_wait_rto: 4 },
  sequential_delta_max: 16,
};

export type NatDiscoveryEvent =
  | { readonly type: 'stun-mapped'; readonly mapped: string; readonly server: string; readonly rtt_ms: number }
  | { readonly type: 'nat'; readonly summary: string; readonly report: NatReport; readonly mapped: string }
  | { readonly type: 'stun-failed'; readonly test: DiscoveryTest };

export class NatDiscovery {
  private readonly transactions = new StunTransactions<DiscoveryTest>(16);
  state: 'idle' | 'running' | 'done' | 'failed' = 'idle';
  mapped: Addr | undefined;
  other: Addr | undefined;
  rtt_ms: number | undefined;
  report: NatReport = UNKNOWN_NAT;
  /** The external port of the newest mapping seen, the base for sequential-port prediction. */
  lastMappedPort = 0;
  /** Set by the two-server test: true when the mapping changed with the destination. */
  mappingVaries: boolean | undefined;
  private local: Addr | undefined;
  private readonly filterResult = new Map<DiscoveryTest, boolean>();
  private readonly mappedBy = new Map<DiscoveryTest, Addr>();

  constructor(
    private readonly config: NatDiscoveryConfig,
    private readonly rng: Rng,
    private readonly send: (t: Transmit) => void,
    private readonly emit: (e: NatDiscoveryEvent) => void,
  ) {}

  start(now: Millis, local: Addr): void {
    this.local = local;
    this.state = 'running';
    this.request(now, 'binding', this.config.server, []);
  }

  private request(now: Millis, test: DiscoveryTest, to: Addr, attributes: StunAttribute[]): void {
    const transactionId = this.rng.nextBytes(12);
    const extra = this.config.software ? [softwareAttribute(this.config.software)] : [];
    const data = encodeStun({ method: STUN_METHOD.binding, cls: 'request', transactionId, attributes: [...attributes, ...extra] }, { fingerprint: true });
    const policy = test.startsWith('filter') ? this.config.filter_policy : this.config.binding_policy;
    this.send(this.transactions.start(now, transactionId, data, to, test, policy));
  }

  /** Feeds a decoded STUN response; returns false when it matched no transaction of ours. */
  handleResponse(now: Millis, message: DecodedStun): boolean {
    const matched = this.transactions.match(now, message);
    if (!matched) return false;
    if (message.cls !== 'success') {
      this.fail(now, matched.tag);
      return true;
    }
    let mapped: Addr;
    let other: Addr | undefined;
    try {
      const xor = findAttribute(message, STUN_ATTR.xorMappedAddress);
      const plain = findAttribute(message, STUN_ATTR.mappedAddress);
      if (xor) mapped = decodeXorAddressValue(xor, message.transactionId);
      else if (plain) mapped = decodeAddressValue(plain);
      else {
        this.fail(now, matched.tag);
        return true;
      }
      const otherValue = findAttribute(message, STUN_ATTR.otherAddress);
      if (otherValue) other = decodeAddressValue(otherValue);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.fail(now, matched.tag);
      return true;
    }
    this.lastMappedPort = mapped.port;
    this.onResult(now, matched.tag, mapped, other, matched.rtt_ms);
    return true;
  }

  handleTimeout(now: Millis): void {
    for (const test of this.transactions.expire(now, this.send)) this.fail(now, test);
  }

  nextDeadline(): Millis | undefined {
    return this.transactions.nextDeadline();
  }

  private fail(now: Millis, test: DiscoveryTest): void {
    if (test === 'filter-ip-port' || test === 'filter-port') {
      this.filterResult.set(test, false);
      this.afterFilter(now);
      return;
    }
    this.emit({ type: 'stun-failed', test });
    if (test === 'binding') {
      this.state = 'failed';
      return;
    }
    this.finish(); // a mapping test failed: report what we know
  }

  private onResult(now: Millis, test: DiscoveryTest, mapped: Addr, other: Addr | undefined, rtt_ms: number): void {
    switch (test) {
      case 'binding': {
        this.mapped = mapped;
        this.rtt_ms = rtt_ms;
        this.other = other;
        this.mappedBy.set('binding', mapped);
        this.emit({ type: 'stun-mapped', mapped: formatAddr(mapped), server: formatAddr(this.config.server), rtt_ms });
        const rfc5780 = other !== undefined && other.ip !== this.config.server.ip && other.port !== this.config.server.port;
        if (this.config.classify && !rfc5780 && this.config.alternate) {
          this.request(now, 'alt-server', this.config.alternate, []);
          return;
        }
        if (!this.config.classify || !rfc5780) {
          this.report = this.local && addrEquals(mapped, this.local) ? { ...UNKNOWN_NAT, open: true, mapping: 'endpoint-independent', allocation: 'preserve' } : UNKNOWN_NAT;
          this.finish();
          return;
        }
        this.request(now, 'filter-ip-port', this.config.server, [changeRequestAttribute({ changeIp: true, changePort: true })]);
        this.request(now, 'filter-port', this.config.server, [changeRequestAttribute({ changeIp: false, changePort: true })]);
        return;
      }
      case 'filter-ip-port':
      case 'filter-port':
        this.filterResult.set(test, true);
        this.afterFilter(now);
        return;
      case 'map-alt-ip': {
        this.mappedBy.set(test, mapped);
        if (addrEquals(mapped, this.mapped!)) this.finish();
        else this.request(now, 'map-alt-both', this.other!, []);
        return;
      }
      case 'map-alt-both':
        this.mappedBy.set(test, mapped);
        this.finish();
        return;
      case 'alt-server': {
        this.emit({ type: 'stun-mapped', mapped: formatAddr(mapped), server: formatAddr(this.config.alternate!), rtt_ms });
        const m1 = this.mappedBy.get('binding')!;
        const open = this.local !== undefined && addrEquals(m1, this.local);
        // Equal mappings towards two servers: endpoint-independent. Different: some
        // endpoint-dependent kind, which one needs a server with RFC 5780 support.
        this.report = addrEquals(mapped, m1) ? { ...UNKNOWN_NAT, mapping: 'endpoint-independent', open } : { ...UNKNOWN_NAT, open };
        this.mappingVaries = !addrEquals(mapped, m1);
        this.state = 'done';
        this.emit({ type: 'nat', summary: natSummary(this.report), report: this.report, mapped: formatAddr(m1) });
        return;
      }
    }
  }

  private afterFilter(now: Millis): void {
    if (!this.filterResult.has('filter-ip-port') || !this.filterResult.has('filter-port')) return;
    this.request(now, 'map-alt-ip', { ...this.other!, port: this.config.server.port }, []);
  }

  private finish(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    const m1 = this.mappedBy.get('binding');
    if (m1 && this.filterResult.size === 2) this.report = this.classify(m1);
    this.emit({ type: 'nat', summary: natSummary(this.report), report: this.report, mapped: this.mapped ? formatAddr(this.mapped) : '' });
  }

  private classify(m1: Addr): NatReport {
    const m2 = this.mappedBy.get('map-alt-ip');
    const m3 = this.mappedBy.get('map-alt-both');
    const filtering = this.filterResult.get('filter-ip-port')
      ? 'endpoint-independent'
      : this.filterResult.get('filter-port')
        ? 'address-dependent'
        : 'address-and-port-dependent';
    const open = this.local !== undefined && addrEquals(m1, this.local);
    if (!m2) return { mapping: 'unknown', filtering, allocation: 'unknown', delta: 0, open };
    if (addrEquals(m1, m2)) {
      const preserve = this.local !== undefined && this.local.port === m1.port;
      return { mapping: 'endpoint-independent', filtering, allocation: preserve ? 'preserve' : 'unknown', delta: 0, open };
    }
    const max = this.config.sequential_delta_max;
    const d1 = m2.port - m1.port;
    if (!m3) return { mapping: 'unknown', filtering, allocation: 'unknown', delta: 0, open };
    if (addrEquals(m2, m3)) {
      const sequential = d1 !== 0 && Math.abs(d1) <= max;
      return { mapping: 'address-dependent', filtering, allocation: sequential ? 'sequential' : 'random', delta: sequential ? d1 : 0, open };
    }
    const d2 = m3.port - m2.port;
    const sequential = d1 === d2 && d1 !== 0 && Math.abs(d1) <= max;
    return { mapping: 'address-and-port-dependent', filtering, allocation: sequential ? 'sequential' : 'random', delta: sequential ? d1 : 0, open };
  }
}
