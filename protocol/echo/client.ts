// The echo client: a Sans-IO machine that sends sequenced pings at a fixed interval and turns
// the pongs into statistics (RTT min/mean/p50/p99/max, loss, duplicates, reordering, late and
// corrupted replies). It never reads a clock: the driver hands in `now` and asks pollTimeout()
// when to call back.
import { formatAddr, type Addr } from '../core/addr.ts';
import type { Machine, Transmit } from '../core/machine.ts';
import type { Rng } from '../core/rng.ts';
import type { Millis } from '../core/time.ts';
import { BoundedQueue } from '../core/bounded-queue.ts';
import { echoPayload, encodeEcho, type EchoMessage } from './codec.ts';
import { resolveEchoClientConfig, type EchoClientConfig, type ResolvedEchoClientConfig } from './config.ts';
import { EchoDropLog } from './drop-log.ts';
import type { EchoClientEvent, EchoClientStats, EchoDropReason } from './events.ts';
import { RttStats } from './rtt-stats.ts';

export type EchoClientCommand =
  /** Start (or restart) sending; `count` and `server` override the config for this run. */
  | { readonly type: 'start'; readonly count?: number; readonly server?: Addr }
  /** Stop sending; pings already sent are still judged at their timeout. */
  | { readonly type: 'stop' };

/** Transmits queued between handle* and pollTransmit (one ping or a few echoed pings). */
const TRANSMITS_MAX = 256;
/** Distinct responder addresses counted for the `responders` figure. */
const RESPONDER_SET_MAX = 1_024;

interface PingRecord {
  readonly sent_at_ms: Millis;
  readonly deadline_ms: Millis;
  readonly payload_bytes: number;
  readonly responders: string[];
}

export class EchoClient implements Machine<EchoClientCommand, EchoClientEvent> {
  readonly config: ResolvedEchoClientConfig;
  readonly session: number;
  private server: Addr;
  private readonly rtt: RttStats;
  private readonly transmits = BoundedQueue.dropNewest<Transmit>(TRANSMITS_MAX);
  private readonly events: BoundedQueue<EchoClientEvent, 'drop-newest'>;
  /** Recent pings by sequence number, oldest first (Map keeps insertion order). */
  private readonly pings = new Map<number, PingRecord>();
  private readonly responderSet = new Set<string>();
  private nextSeq = 0;
  /** Every seq below this has been judged (answered or lost). */
  private nextToJudge = 0;
  private nextSendAt: Millis | undefined;
  private remainingToSend: number | undefined;
  private highestSeqSeen = -1;
  private doneEmitted = true;
  private counts = {
    sent: 0,
    answered: 0,
    lost: 0,
    pongs: 0,
    duplicates: 0,
    reordered: 0,
    late: 0,
    evicted: 0,
    pings_received: 0,
  };
  private readonly dropLog: EchoDropLog;

  constructor(config: EchoClientConfig, rng: Rng) {
    this.config = resolveEchoClientConfig(config);
    this.server = this.config.server;
    this.session = rng.nextUint32();
    this.rtt = new RttStats(this.config.rtt_samples_max, rng);
    this.events = BoundedQueue.dropNewest(this.config.events_max);
    this.dropLog = new EchoDropLog(this.events);
  }

  handleCommand(now: Millis, command: EchoClientCommand): void {
    if (command.type === 'start') {
      if (command.server) this.server = command.server;
      this.remainingToSend = command.count ?? this.config.count;
      this.nextSendAt = this.remainingToSend === 0 ? undefined : now;
      this.doneEmitted = false;
      this.events.push({ type: 'echo-started', session: this.session, server: formatAddr(this.server) });
      this.handleTimeout(now);
    } else {
      this.nextSendAt = undefined;
      this.remainingToSend = 0;
      this.maybeDone();
    }
  }

  handleTimeout(now: Millis): void {
    this.judge(now);
    if (this.nextSendAt !== undefined && this.nextSendAt <= now) {
      this.sendPing(now);
      if (this.remainingToSend !== undefined) this.remainingToSend--;
      if (this.remainingToSend !== undefined && this.remainingToSend <= 0) {
        this.nextSendAt = undefined;
      } else {
        // Keep the cadence; if the driver woke us late, do not burst to catch up.
        const next = this.nextSendAt + this.config.interval_ms;
        this.nextSendAt = next > now ? next : now + this.config.interval_ms;
      }
    }
    this.maybeDone();
  }

  handleDatagram(now: Millis, remote: Addr, data: Uint8Array, _local?: Addr): void {
    this.judge(now);
    const from = formatAddr(remote);
    const message = this.dropLog.decode(data, this.config.payload_bytes_max, from);
    if (!message) return;
    if (message.kind === 'ping') {
      this.counts.pings_received++;
      this.events.push({ type: 'echo-ping', seq: message.seq, from });
      if (this.config.respond) this.transmits.push({ remote, data: encodeEcho({ ...message, kind: 'pong' }) });
      else this.dropLog.counts.unexpected++;
      return;
    }
    this.handlePong(now, from, message);
    this.maybeDone();
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  pollEvent(): EchoClientEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): Millis | undefined {
    const judgeAt = this.pings.get(this.nextToJudge)?.deadline_ms;
    if (judgeAt === undefined) return this.nextSendAt;
    if (this.nextSendAt === undefined) return judgeAt;
    return Math.min(judgeAt, this.nextSendAt);
  }

  /** A snapshot of every figure, valid at any time. */
  stats(): EchoClientStats {
    const judged = this.counts.answered + this.counts.lost;
    return {
      session: this.session,
      ...this.counts,
      pending: this.nextSeq - this.nextToJudge,
      loss_ratio: judged === 0 ? NaN : this.counts.lost / judged,
      drops: { ...this.dropLog.counts },
      events_dropped: this.events.dropped,
      responders: this.responderSet.size,
      rtt: this.rtt.summary(),
    };
  }

  private sendPing(now: Millis): void {
    const seq = this.nextSeq++;
    if (this.pings.size >= this.config.outstanding_max) this.evictOldest(now);
    const payload = echoPayload(seq, this.config.payload_bytes);
    this.pings.set(seq, {
      sent_at_ms: now,
      deadline_ms: now + this.config.timeout_ms,
      payload_bytes: payload.byteLength,
      responders: [],
    });
    this.counts.sent++;
    this.transmits.push({ remote: this.server, data: encodeEcho({ kind: 'ping', session: this.session, seq, payload }) });
  }

  /** Forgets the oldest ping to keep the table bounded, judging it first if still pending. */
  private evictOldest(now: Millis): void {
    const oldest = this.pings.keys().next();
    if (oldest.done) return;
    const seq = oldest.value;
    if (seq >= this.nextToJudge) {
      this.counts.evicted++;
      // Everything older has no record left, so judging up to seq keeps the invariant.
      while (this.nextToJudge <= seq) this.judgeOne(this.nextToJudge++, now);
    }
    this.pings.delete(seq);
  }

  /** Judges every ping whose timeout has passed. */
  private judge(now: Millis): void {
    while (this.nextToJudge < this.nextSeq) {
      const record = this.pings.get(this.nextToJudge);
      if (record && record.deadline_ms > now) break;
      this.judgeOne(this.nextToJudge++, now);
    }
  }

  private judgeOne(seq: number, _now: Millis): void {
    const record = this.pings.get(seq);
    if (!record) return; // forgotten earlier, already judged then
    if (record.responders.length === 0) {
      this.counts.lost++;
      this.events.push({ type: 'lost', seq });
    }
  }

  private handlePong(now: Millis, from: string, message: EchoMessage): void {
    if (message.session !== this.session) return this.drop('foreign', from, `session ${message.session}`);
    if (message.seq >= this.nextSeq) return this.drop('unsolicited', from, `seq ${message.seq}`);
    const record = this.pings.get(message.seq);
    if (!record) {
      this.counts.late++;
      return;
    }
    if (record.responders.includes(from)) {
      this.counts.duplicates++;
      return;
    }
    if (message.seq < this.nextToJudge || now >= record.deadline_ms) {
      this.counts.late++;
      return;
    }
    if (message.payload.byteLength !== record.payload_bytes) {
      return this.drop('mismatch', from, `payload ${message.payload.byteLength} bytes, sent ${record.payload_bytes}`);
    }
    if (record.responders.length === 0) this.counts.answered++;
    if (record.responders.length < this.config.responders_max) record.responders.push(from);
    if (this.responderSet.size < RESPONDER_SET_MAX) this.responderSet.add(from);
    this.counts.pongs++;
    if (message.seq < this.highestSeqSeen) this.counts.reordered++;
    else this.highestSeqSeen = message.seq;
    const rtt_ms = now - record.sent_at_ms;
    this.rtt.add(rtt_ms);
    if (this.config.pong_events) this.events.push({ type: 'pong', seq: message.seq, rtt_ms, from });
  }

  private drop(reason: EchoDropReason, from: string, detail: string): void {
    this.dropLog.add(reason, from, detail);
  }

  /** Emits `echo-done` once sending has finished and every ping has been judged. */
  private maybeDone(): void {
    if (this.doneEmitted || this.nextSendAt !== undefined || this.nextToJudge < this.nextSeq) return;
    this.doneEmitted = true;
    this.events.push({ type: 'echo-done', stats: this.stats() });
  }
}
