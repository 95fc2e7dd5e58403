// The books of an amplification test: every request an attacker sends from a spoofed source
// is written down (its message type and size), and a sink machine that owns the spoofed
// addresses (standing for the victims whose addresses were forged) counts every byte the
// server sends them. Each spoofed source sends one message type only, so its replies are
// attributed without decoding them (a new reply format cannot escape the count). The worst
// reply/request ratio per type is the figure the attack suite and `bench punch` check.
import { ipToBytes, type Addr } from '../../protocol/core/addr.ts';
import { hex } from '../../protocol/core/bytes.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import type { Millis } from '../../protocol/core/time.ts';

/** What a spoofed source asks the server; one type per source. */
export const REQUEST_TYPES = ['register', 'connect', 'lookup', 'stun-binding', 'stun-change-request', 'relay', 'probe'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

/** STUN Binding answers carry the mapped address and are allowed to be larger (RFC 8489); still rate-limited. */
export const RATIO_EXEMPT: ReadonlySet<RequestType> = new Set<RequestType>(['stun-binding', 'stun-change-request']);

/** The /24 of an IPv4 address or the /64 of an IPv6 one, as text. */
export function prefixOf(ip: string): string {
  const bytes = ipToBytes(ip);
  return bytes.byteLength === 4 ? `${bytes[0]}.${bytes[1]}.${bytes[2]}.0/24` : `${hex(bytes.subarray(0, 8))}/64`;
}

interface SourceBook {
  readonly type: RequestType;
  requests: number;
  request_bytes: number;
  request_bytes_min: number;
  replies: number;
  reply_bytes: number;
  reply_bytes_max: number;
}

export interface TypeFigures {
  readonly type: RequestType;
  readonly sources: number;
  readonly requests: number;
  readonly request_bytes: number;
  readonly replies: number;
  readonly reply_bytes: number;
  /** max over sources of max(largest reply / smallest request, all reply bytes / all request bytes). */
  readonly worst_ratio: number;
  /** The largest single reply datagram to a source of this type. */
  readonly reply_bytes_max: number;
}

export class ReplyLedger {
  private readonly books = new Map<string, SourceBook>();
  /** Reply bytes to an owned address that never sent anything (should stay 0). */
  unsolicited_bytes = 0;

  /** Notes a request sent from `source` (an address the sink owns). */
  request(source: Addr, type: RequestType, bytes: number): void {
    let book = this.books.get(source.ip);
    if (!book) {
      book = { type, requests: 0, request_bytes: 0, request_bytes_min: bytes, replies: 0, reply_bytes: 0, reply_bytes_max: 0 };
      this.books.set(source.ip, book);
    } else if (book.type !== type) throw new RangeError(`source ${source.ip} already sends ${book.type}, not ${type}`);
    book.requests++;
    book.request_bytes += bytes;
    if (bytes < book.request_bytes_min) book.request_bytes_min = bytes;
  }

  /** A datagram reached owned address `at`. */
  reply(at: Addr, bytes: number): void {
    const book = this.books.get(at.ip);
    if (!book) {
      this.unsolicited_bytes += bytes;
      return;
    }
    book.replies++;
    book.reply_bytes += bytes;
    if (bytes > book.reply_bytes_max) book.reply_bytes_max = bytes;
  }

  figures(type: RequestType): TypeFigures {
    let sources = 0;
    let requests = 0;
    let request_bytes = 0;
    let replies = 0;
    let reply_bytes = 0;
    let worst = 0;
    let reply_max = 0;
    for (const book of this.books.values()) {
      if (book.type !== type) continue;
      sources++;
      requests += book.requests;
      request_bytes += book.request_bytes;
      replies += book.replies;
      reply_bytes += book.reply_bytes;
      reply_max = Math.max(reply_max, book.reply_bytes_max);
      const single = book.reply_bytes_max / book.request_bytes_min;
      const total = book.reply_bytes / book.request_bytes;
      worst = Math.max(worst, single, total);
    }
    return { type, sources, requests, request_bytes, replies, reply_bytes, worst_ratio: worst, reply_bytes_max: reply_max };
  }

  /**
   * Datagrams received per source prefix (IPv4 /24, IPv6 /64) by sources of `types`: what a
   * per-prefix rate limit bounds, however many addresses of the prefix are forged.
   */
  repliesPerPrefix(types: ReadonlySet<RequestType>): Map<string, number> {
    const out = new Map<string, number>();
    for (const [ip, book] of this.books) {
      if (!types.has(book.type)) continue;
      const key = prefixOf(ip);
      out.set(key, (out.get(key) ?? 0) + book.replies);
    }
    return out;
  }

  /** Bytes the spoofed sources received and "sent" (reflection), leaving out `exempt` types. */
  totals(exempt: ReadonlySet<RequestType> = new Set()): { request_bytes: number; reply_bytes: number } {
    let request_bytes = 0;
    let reply_bytes = this.unsolicited_bytes;
    for (const book of this.books.values()) {
      if (exempt.has(book.type)) continue;
      request_bytes += book.request_bytes;
      reply_bytes += book.reply_bytes;
    }
    return { request_bytes, reply_bytes };
  }
}

/** How an attacker that owns its source addresses answers a reply (e.g. echoes a cookie). */
export type Answer = (remote: Addr, data: Uint8Array, local: Addr) => Uint8Array | undefined;

/**
 * Runs on the host that owns the flood's source addresses and counts what arrives. Without
 * `answer` it never answers and never tells the attacker anything: a real off-path spoofer
 * does not see these replies, so no cookie or token they carry may reach the attack script.
 * With `answer` it plays an attacker who really holds those addresses (a botnet): it may send
 * one datagram back per reply, from the address the reply came to.
 */
export class ReplySink implements Machine<never, never> {
  datagrams = 0;
  answers = 0;
  private readonly out: Transmit[] = [];

  constructor(
    private readonly ledger: ReplyLedger,
    private readonly answer?: Answer,
  ) {}

  handleDatagram(_now: Millis, remote: Addr, data: Uint8Array, local: Addr): void {
    this.datagrams++;
    this.ledger.reply(local, data.byteLength);
    const back = this.answer?.(remote, data, local);
    if (back && this.out.length < ANSWERS_QUEUED_MAX) {
      this.answers++;
      this.out.push({ remote, data: back, local });
    }
  }
  handleTimeout(_now: Millis): void {}
  handleCommand(_now: Millis, _command: never): void {}
  pollTransmit(): Transmit | undefined {
    return this.out.shift();
  }
  pollEvent(): never | undefined {
    return undefined;
  }
  pollTimeout(): Millis | undefined {
    return undefined;
  }
}

/** Answers waiting to be drained (the driver drains after every datagram, so 1 is typical). */
const ANSWERS_QUEUED_MAX = 1_024;
