// The mDNS / DNS-SD machine (RFC 6762, RFC 6763) on UDP 5353: it publishes one peerlab
// service instance (probe, announce, answer, defend, goodbye) and browses for the others
// (queries with known-answer suppression, a TTL cache, goodbyes). Name conflicts follow
// RFC 6762: a simultaneous probe is settled by the lexicographic tiebreak of §8.2 (the loser
// waits one second and probes again), and a name already answered for with other data makes
// us rename the instance "name (2)", "name (3)"... (§9). Bad or foreign datagrams are counted
// drops. Legacy unicast queries (source port != 5353, §6.7) are not answered: the reply would
// go to an unverified source and outweigh the query.
import { addrEquals, type Addr } from '../core/addr.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { TimerTable } from '../core/timers.ts';
import { EncodeLimitError } from '../core/writer.ts';
import {
  decodeDns, encodeData, encodeDns, nameEquals, nameKey, recordKey, sameRecord, TYPE, typeCode,
  type DnsMessage, type DnsQuestion, type DnsRecord,
} from './dns-wire.ts';
import { MDNS_DEFAULTS, MDNS_PORT, type DiscoveredPeer, type MdnsCommand, type MdnsConfig, type MdnsDropReason, type MdnsEvent } from './mdns-config.ts';
import { RecordCache } from './record-cache.ts';
import { hostName, instanceName, parseTxt, SERVICE_TYPE, serviceRecords, type ServiceInfo } from './service.ts';

type TimerName = 'probe' | 'announce' | 'query' | 'respond' | 'expire' | 'refresh' | 'resolve';
type Phase = 'idle' | 'probing' | 'announcing' | 'published' | 'failed' | 'stopped';

interface OwnRecords {
  readonly ptr: DnsRecord;
  readonly srv: DnsRecord;
  readonly txt: DnsRecord;
  readonly addresses: readonly DnsRecord[];
  readonly meta: DnsRecord;
}

/** Resolve queries per half-known instance, one a second. */
const resolve_attempts_max = 5;
/** Questions in one resolve query. */
const resolve_questions_max = 24;

/** Questions per refresh query (each at most ~270 bytes: well inside one datagram). */
const refresh_questions_per_query = 4;

export class MdnsNode implements Machine<MdnsCommand, MdnsEvent> {
  readonly config: MdnsConfig;
  private readonly timers = new TimerTable<TimerName>();
  private readonly transmits: BoundedQueue<Transmit, 'drop-newest'>;
  private readonly events: BoundedQueue<MdnsEvent, 'drop-newest'>;
  readonly cache: RecordCache;
  phase: Phase = 'idle';
  /** The instance label now (changes on a rename). */
  instance: string | undefined;
  private readonly baseInstance: string | undefined;
  private renames = 0;
  private probesSent = 0;
  private announcementsSent = 0;
  private own: OwnRecords | undefined;
  private queryInterval_ms: number;
  /** Answers and additionals waiting for the shared-record delay (§6). */
  private pendingAnswers = new Map<string, DnsRecord>();
  private pendingAdditionals = new Map<string, DnsRecord>();
  private readonly lastMulticast = new Map<string, Millis>();
  /** What we last reported per instance (key), to emit found/lost on change only. */
  private readonly reported = new Map<string, string>();
  private readonly goodbyeSeen = new Set<string>();
  /** Direct resolve queries sent per instance (RFC 6763 §12), bounded. */
  private readonly resolveTries = new Map<string, number>();
  readonly counters: Record<MdnsDropReason | 'queries_sent' | 'responses_sent' | 'known_answer_suppressed' | 'rate_limited', number> = {
    decode: 0, own: 0, 'source-port': 0, 'legacy-unicast': 0, 'cache-full': 0, 'peers-full': 0, 'transmits-full': 0, 'events-full': 0,
    queries_sent: 0, responses_sent: 0, known_answer_suppressed: 0, rate_limited: 0,
  };

  constructor(config: Partial<MdnsConfig> & Pick<MdnsConfig, 'group' | 'own_addrs'>, private readonly rng: Rng) {
    this.config = { ...MDNS_DEFAULTS, ...config };
    this.transmits = BoundedQueue.dropNewest(this.config.transmits_max);
    this.events = BoundedQueue.dropNewest(this.config.events_max);
    this.cache = new RecordCache(this.config.cache_records_max);
    this.queryInterval_ms = this.config.query_interval_first_ms;
    this.baseInstance = this.config.service?.instance;
    if (this.config.service) this.startProbing(0, this.config.service.instance, this.rng.nextInt(0, this.config.probe_interval_ms));
    // §5.2: the first query goes out after a random 20-120 ms.
    if (this.config.browse) this.timers.set('query', this.rng.nextInt(this.config.response_delay_min_ms, this.config.response_delay_max_ms));
  }

  // ---------------- Machine ----------------

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, _local?: Addr): void {
    if (this.phase === 'stopped') return;
    if (this.config.own_addrs.some((a) => addrEquals(a, remote))) return void this.counters.own++;
    let message: DnsMessage;
    try {
      message = decodeDns(data);
    } catch (error) {
      if (error instanceof DecodeError) return void this.counters.decode++;
      throw error;
    }
    if (message.response) {
      // §11: responses must come from port 5353.
      if (remote.port !== MDNS_PORT) return void this.counters['source-port']++;
      this.onResponse(now, message);
    } else {
      if (remote.port !== MDNS_PORT) return void this.counters['legacy-unicast']++;
      this.onQuery(now, message);
    }
  }

  handleTimeout(now: Millis): void {
    for (const name of this.timers.expire(now)) {
      if (name === 'probe') this.onProbeTimer(now);
      else if (name === 'announce') this.onAnnounceTimer(now);
      else if (name === 'query') this.onQueryTimer(now);
      else if (name === 'respond') this.flushResponse(now);
      else if (name === 'refresh') this.sendRefreshes(now);
      else if (name === 'resolve') this.onResolveTimer(now);
    }
    const gone = this.cache.expire(now);
    if (gone.length > 0) this.refreshPeers();
    this.armExpiry();
  }

  handleCommand(now: Millis, command: MdnsCommand): void {
    if (this.phase === 'stopped') return;
    switch (command.type) {
      case 'stop':
        return this.stop(now);
      case 'list':
        return this.emit({ type: 'peers', peers: this.peers() });
      case 'query':
        this.queryInterval_ms = this.config.query_interval_first_ms;
        this.timers.set('query', now);
        return;
    }
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): MdnsEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    return this.timers.earliest();
  }

  isClosed(): boolean {
    return this.phase === 'stopped';
  }

  // ---------------- publishing ----------------

  private startProbing(now: Millis, instance: string, delay_ms: number): void {
    const service = this.config.service!;
    this.instance = instance;
    const info: ServiceInfo = { ...service, instance };
    this.own = serviceRecords(info, { host_s: this.config.host_ttl_s, other_s: this.config.other_ttl_s });
    this.phase = 'probing';
    this.probesSent = 0;
    this.timers.clear('announce');
    this.timers.set('probe', now + delay_ms);
    this.emit({ type: 'probing', instance });
  }

  private uniqueRecords(): DnsRecord[] {
    const own = this.own!;
    return [own.srv, own.txt, ...own.addresses];
  }

  private onProbeTimer(now: Millis): void {
    if (this.phase !== 'probing') return;
    if (this.probesSent >= this.config.probes) {
      // §8.3: no conflict during probing: announce.
      this.phase = 'announcing';
      this.announcementsSent = 0;
      this.emit({ type: 'published', instance: this.instance! });
      return this.onAnnounceTimer(now);
    }
    const own = this.own!;
    const questions: DnsQuestion[] = [
      { name: own.srv.name, qtype: TYPE.ANY, unicastResponse: false },
      { name: hostName(this.config.service!.host), qtype: TYPE.ANY, unicastResponse: false },
    ];
    this.send({ id: 0, response: false, authoritative: false, truncated: false, questions, answers: [], authorities: this.uniqueRecords(), additionals: [] });
    this.counters.queries_sent++;
    this.probesSent++;
    this.timers.set('probe', now + this.config.probe_interval_ms);
  }

  private onAnnounceTimer(now: Millis): void {
    if (this.phase !== 'announcing' || !this.own) return;
    const own = this.own;
    const answers = [own.ptr, own.srv, own.txt, ...own.addresses, own.meta];
    this.sendResponse(now, answers, []);
    this.announcementsSent++;
    if (this.announcementsSent >= this.config.announcements) this.phase = 'published';
    else this.timers.set('announce', now + this.config.announce_interval_ms * 2 ** (this.announcementsSent - 1));
  }

  private rename(now: Millis, cause: 'probe-tiebreak-lost' | 'answer-differs'): void {
    const old = this.instance!;
    this.renames++;
    if (this.renames > this.config.renames_max) {
      this.phase = 'failed';
      this.timers.clear('probe');
      this.timers.clear('announce');
      return this.emit({ type: 'publish-failed', instance: old, renames: this.renames - 1 });
    }
    const renamed = `${this.baseInstance} (${this.renames + 1})`;
    this.emit({ type: 'name-conflict', instance: old, renamed_to: renamed, cause });
    this.pendingAnswers.clear();
    this.pendingAdditionals.clear();
    this.startProbing(now, renamed, this.rng.nextInt(0, this.config.probe_interval_ms));
  }

  private stop(now: Millis): void {
    let goodbyes = 0;
    if (this.own && (this.phase === 'announcing' || this.phase === 'published')) {
      // §10.1: goodbye = the same records with TTL 0.
      const own = this.own;
      const records = [own.ptr, own.srv, own.txt, ...own.addresses].map((r) => ({ ...r, ttl_s: 0 }));
      this.send({ id: 0, response: true, authoritative: true, truncated: false, questions: [], answers: records, authorities: [], additionals: [] });
      goodbyes = records.length;
    }
    this.phase = 'stopped';
    for (const name of ['probe', 'announce', 'query', 'respond', 'expire', 'refresh', 'resolve'] as const) this.timers.clear(name);
    this.cache.clear();
    this.emit({ type: 'stopped', goodbyes });
  }

  // ---------------- receiving ----------------

  private onResponse(now: Millis, message: DnsMessage): void {
    const records = [...message.answers, ...message.additionals];
    if (this.own && (this.phase === 'probing' || this.phase === 'announcing' || this.phase === 'published')) {
      for (const record of records) {
        if (this.conflicts(record)) return this.rename(now, 'answer-differs');
      }
    }
    // Someone else answered what we were about to: §7.4 duplicate answer suppression.
    for (const record of message.answers) {
      const key = recordKey(record);
      if (this.pendingAnswers.has(key) && record.ttl_s * 2 >= this.ttlOf(record)) this.pendingAnswers.delete(key);
    }
    if (!this.config.browse) return;
    let changed = false;
    for (const record of records) {
      if (!this.relevant(record)) continue;
      if (record.ttl_s === 0 && record.data.type === 'PTR') this.goodbyeSeen.add(nameKey(record.data.name));
      if (!this.cache.add(now, record)) this.counters['cache-full']++;
      changed = true;
    }
    if (changed) {
      this.refreshPeers();
      this.armExpiry();
      // Something arrived that may leave an instance half-known: ask for the rest soon.
      if (!this.timers.has('resolve')) this.timers.set('resolve', now + this.rng.nextInt(this.config.response_delay_min_ms, this.config.response_delay_max_ms));
    }
  }

  /**
   * A record naming our instance with other data: someone else holds the name. (Host names are
   * derived from the key's hash, so only the instance name is defended and renamed.)
   */
  private conflicts(record: DnsRecord): boolean {
    const own = this.own!;
    if (record.ttl_s === 0 || !nameEquals(record.name, own.srv.name)) return false;
    const ours = [own.srv, own.txt].filter((r) => typeCode(r.data) === typeCode(record.data));
    return ours.length > 0 && !ours.some((r) => sameRecord(r, record));
  }

  /** Records of our service type, of its instances, or of the hosts its SRVs name. */
  private relevant(record: DnsRecord): boolean {
    const n = record.name;
    if (nameEquals(n, SERVICE_TYPE)) return record.data.type === 'PTR';
    if (n.length === SERVICE_TYPE.length + 1 && nameEquals(n.slice(1), SERVICE_TYPE)) return record.data.type === 'SRV' || record.data.type === 'TXT';
    if ((record.data.type === 'A' || record.data.type === 'AAAA') && n.length === 2 && n[1]!.toLowerCase() === 'local') return true;
    return false;
  }

  private onQuery(now: Millis, message: DnsMessage): void {
    if (!this.own) return;
    const own = this.own;
    if (this.phase === 'probing') {
      // §8.2: a simultaneous probe for our name: the lexicographically later data wins.
      const theirs = message.authorities.filter((r) => nameEquals(r.name, own.srv.name) || nameEquals(r.name, own.addresses[0]?.name ?? []));
      if (theirs.length > 0 && message.questions.some((q) => nameEquals(q.name, own.srv.name))) {
        const theirInstance = theirs.filter((r) => nameEquals(r.name, own.srv.name));
        if (theirInstance.length > 0 && compareRecordSets(this.uniqueRecords().filter((r) => nameEquals(r.name, own.srv.name)), theirInstance) < 0) {
          this.probesSent = 0;
          this.timers.set('probe', now + this.config.tiebreak_defer_ms);
        }
      }
      return;
    }
    if (this.phase !== 'announcing' && this.phase !== 'published') return;
    const probeDefence = message.authorities.length > 0;
    const candidates = [own.ptr, own.srv, own.txt, ...own.addresses, own.meta];
    let shared = false;
    let any = false;
    for (const question of message.questions) {
      for (const record of candidates) {
        if (!nameEquals(question.name, record.name)) continue;
        if (question.qtype !== TYPE.ANY && question.qtype !== typeCode(record.data)) continue;
        // §7.1: the querier already knows this record with at least half its TTL left.
        if (message.answers.some((k) => sameRecord(k, record) && k.ttl_s * 2 >= record.ttl_s)) {
          this.counters.known_answer_suppressed++;
          continue;
        }
        const key = recordKey(record);
        const last = this.lastMulticast.get(key);
        const gap_ms = probeDefence ? this.config.probe_defence_min_interval_ms : this.config.multicast_min_interval_ms;
        if (last !== undefined && now < last + gap_ms) {
          this.counters.rate_limited++;
          continue;
        }
        this.pendingAnswers.set(key, record);
        any = true;
        if (!record.cacheFlush) shared = true;
        // §12 (RFC 6763): a PTR answer carries the SRV, TXT and addresses; a SRV its addresses.
        if (record.data.type === 'PTR' && nameEquals(record.name, SERVICE_TYPE)) {
          for (const extra of [own.srv, own.txt, ...own.addresses]) this.pendingAdditionals.set(recordKey(extra), extra);
        } else if (record.data.type === 'SRV') {
          for (const extra of own.addresses) this.pendingAdditionals.set(recordKey(extra), extra);
        }
      }
    }
    if (!any) return;
    // §6: unique answers at once; shared ones after 20-120 ms so answers from many hosts spread out.
    const at = shared ? now + this.rng.nextInt(this.config.response_delay_min_ms, this.config.response_delay_max_ms) : now;
    this.timers.setEarlier('respond', at);
    if (at <= now) this.flushResponse(now);
  }

  private flushResponse(now: Millis): void {
    this.timers.clear('respond');
    const answers = [...this.pendingAnswers.values()];
    const additionals = [...this.pendingAdditionals.values()].filter((r) => !this.pendingAnswers.has(recordKey(r)));
    this.pendingAnswers.clear();
    this.pendingAdditionals.clear();
    if (answers.length === 0) return;
    this.sendResponse(now, answers, additionals);
  }

  private sendResponse(now: Millis, answers: DnsRecord[], additionals: DnsRecord[]): void {
    for (const r of answers) this.lastMulticast.set(recordKey(r), now);
    this.send({ id: 0, response: true, authoritative: true, truncated: false, questions: [], answers, authorities: [], additionals });
    this.counters.responses_sent++;
  }

  private ttlOf(record: DnsRecord): number {
    return record.cacheFlush ? this.config.host_ttl_s : this.config.other_ttl_s;
  }

  // ---------------- browsing ----------------

  private onQueryTimer(now: Millis): void {
    if (!this.config.browse) return;
    const question: DnsQuestion = { name: SERVICE_TYPE, qtype: TYPE.PTR, unicastResponse: false };
    // Only instances we can fully resolve are known answers: suppressing the PTR of one whose
    // SRV, TXT or address we lack would suppress the additionals that complete it.
    const complete = new Set(this.peers().map((p) => nameKey(instanceName(p.instance))));
    const known = this.cache.knownAnswers(now, SERVICE_TYPE, TYPE.PTR).filter((r) => r.data.type === 'PTR' && complete.has(nameKey(r.data.name)));
    // Known answers that do not fit one datagram are left out (they are then answered again).
    let answers = known;
    for (;;) {
      try {
        this.transmit(encodeDns({ id: 0, response: false, authoritative: false, truncated: false, questions: [question], answers, authorities: [], additionals: [] }, this.config.datagram_bytes_max));
        break;
      } catch (error) {
        if (!(error instanceof EncodeLimitError) || answers.length === 0) throw error;
        answers = answers.slice(0, Math.floor(answers.length / 2));
      }
    }
    this.counters.queries_sent++;
    this.timers.set('query', now + this.queryInterval_ms);
    this.queryInterval_ms = Math.min(this.queryInterval_ms * 2, this.config.query_interval_max_ms);
  }

  /**
   * RFC 6763 §12: an instance whose PTR we hold but whose SRV, TXT or address is missing is
   * asked for directly, once a second, at most `resolve_attempts_max` times.
   */
  private onResolveTimer(now: Millis): void {
    const questions: DnsQuestion[] = [];
    for (const ptr of this.cache.find(SERVICE_TYPE, TYPE.PTR)) {
      if (ptr.record.data.type !== 'PTR' || questions.length >= resolve_questions_max) continue;
      const name = ptr.record.data.name;
      const key = nameKey(name);
      const tries = this.resolveTries.get(key) ?? 0;
      if (tries >= resolve_attempts_max || (this.own && nameEquals(name, this.own.srv.name))) continue;
      const srv = this.cache.find(name, TYPE.SRV)[0]?.record.data;
      const missing: DnsQuestion[] = [];
      if (srv?.type !== 'SRV') missing.push({ name, qtype: TYPE.SRV, unicastResponse: false });
      if (this.cache.find(name, TYPE.TXT).length === 0) missing.push({ name, qtype: TYPE.TXT, unicastResponse: false });
      if (srv?.type === 'SRV' && this.cache.find(srv.target, TYPE.A).length + this.cache.find(srv.target, TYPE.AAAA).length === 0) {
        missing.push({ name: srv.target, qtype: TYPE.A, unicastResponse: false });
      }
      if (missing.length === 0) continue;
      // Bounded like the cache it mirrors: past it, forget old counts (at worst a few more queries).
      if (this.resolveTries.size >= this.config.cache_records_max) this.resolveTries.clear();
      this.resolveTries.set(key, tries + 1);
      questions.push(...missing);
    }
    if (questions.length === 0) return;
    this.send({ id: 0, response: false, authoritative: false, truncated: false, questions, answers: [], authorities: [], additionals: [] });
    this.counters.queries_sent++;
    this.timers.set('resolve', now + 1_000);
  }

  /** Our view of the peers, rebuilt from the cache. */
  peers(): DiscoveredPeer[] {
    const out: DiscoveredPeer[] = [];
    for (const ptr of this.cache.find(SERVICE_TYPE, TYPE.PTR)) {
      if (ptr.record.data.type !== 'PTR') continue;
      const name = ptr.record.data.name;
      if (name.length !== SERVICE_TYPE.length + 1 || !nameEquals(name.slice(1), SERVICE_TYPE)) continue;
      if (this.own && nameEquals(name, this.own.srv.name)) continue;
      const srv = this.cache.find(name, TYPE.SRV)[0]?.record.data;
      const txt = this.cache.find(name, TYPE.TXT)[0]?.record.data;
      if (srv?.type !== 'SRV' || txt?.type !== 'TXT') continue;
      const info = parseTxt(txt.strings);
      if (!info) continue;
      const ips: string[] = [];
      for (const e of [...this.cache.find(srv.target, TYPE.A), ...this.cache.find(srv.target, TYPE.AAAA)]) {
        const d = e.record.data;
        if (d.type === 'A' || d.type === 'AAAA') ips.push(d.ip);
      }
      if (ips.length === 0) continue;
      ips.sort();
      out.push({ instance: name[0]!, host: srv.target[0] ?? '', port: srv.port, ips, key_hex: info.key_hex, protocols: info.protocols });
      if (out.length >= this.config.peers_max) {
        this.counters['peers-full']++;
        break;
      }
    }
    return out;
  }

  private refreshPeers(): void {
    const now = new Map<string, DiscoveredPeer>();
    for (const peer of this.peers()) now.set(nameKey(instanceName(peer.instance)), peer);
    for (const [key, snapshot] of this.reported) {
      if (now.has(key)) continue;
      this.reported.delete(key);
      const reason = this.goodbyeSeen.has(key) ? 'goodbye' : 'expired';
      this.goodbyeSeen.delete(key);
      this.emit({ type: 'peer-lost', instance: (JSON.parse(snapshot) as DiscoveredPeer).instance, reason });
    }
    for (const [key, peer] of now) {
      const snapshot = JSON.stringify(peer);
      if (this.reported.get(key) === snapshot) continue;
      this.reported.set(key, snapshot);
      this.goodbyeSeen.delete(key);
      this.emit({ type: 'peer-found', peer });
    }
  }

  private armExpiry(): void {
    const at = this.cache.nextExpiry();
    if (at === undefined) this.timers.clear('expire');
    else this.timers.set('expire', at);
    const refresh = this.cache.nextRefresh(() => true);
    if (refresh === undefined) this.timers.clear('refresh');
    else this.timers.set('refresh', refresh);
  }

  /** §5.2: ask again for records at 80-95% of their TTL, so live peers never expire. */
  private sendRefreshes(now: Millis): void {
    const due = this.cache.takeRefreshes(now, () => true);
    const questions = new Map<string, DnsQuestion>();
    for (const record of due) {
      const q: DnsQuestion = { name: record.name, qtype: typeCode(record.data), unicastResponse: false };
      questions.set(`${nameKey(q.name)} ${q.qtype}`, q);
    }
    const all = [...questions.values()];
    for (let i = 0; i < all.length; i += refresh_questions_per_query) {
      this.send({ id: 0, response: false, authoritative: false, truncated: false, questions: all.slice(i, i + refresh_questions_per_query), answers: [], authorities: [], additionals: [] });
      this.counters.queries_sent++;
    }
  }

  // ---------------- output ----------------

  private send(message: DnsMessage): void {
    this.transmit(encodeDns(message, this.config.datagram_bytes_max));
  }

  private transmit(data: Uint8Array): void {
    if (this.transmits.length >= this.transmits.capacity) this.counters['transmits-full']++;
    this.transmits.push({ remote: this.config.group, data });
  }

  private emit(event: MdnsEvent): void {
    if (this.events.length >= this.events.capacity) this.counters['events-full']++;
    this.events.push(event);
  }
}

/**
 * RFC 6762 §8.2: sort each set by (class, type, rdata) and compare pairwise, raw rdata bytes
 * unsigned; the first difference decides, and a set that runs out first is the lesser.
 * Negative when `ours` is lesser (we lose).
 */
export function compareRecordSets(ours: readonly DnsRecord[], theirs: readonly DnsRecord[]): number {
  const sorted = (set: readonly DnsRecord[]) =>
    set.map((r) => ({ type: typeCode(r.data), rdata: encodeData(r.data) })).sort((a, b) => a.type - b.type || compareBytes(a.rdata, b.rdata));
  const a = sorted(ours);
  const b = sorted(theirs);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = a[i]!.type - b[i]!.type || compareBytes(a[i]!.rdata, b[i]!.rdata);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
