// Two transfer sides joined by an in-memory reliable stream with flow control (a bounded
// number of unread bytes per direction), on a virtual clock: enough to test the transfer
// protocol's logic (offer, data, verdict, acknowledged end, timeouts) without crypto or
// packets. Stream events are queued and delivered in order, like a driver's drain; the loop
// has a spin guard so no test can hang.
import { createHash } from 'node:crypto';
import type { Millis } from '../../../protocol/core/time.ts';
import { resolveTransferConfig, type TransferConfig } from '../../../protocol/transfer/config.ts';
import type { TransferCommand, TransferEnd, TransferOwnEvent } from '../../../protocol/transfer/events.ts';
import { TransferReceiver } from '../../../protocol/transfer/receiver.ts';
import { TransferSender } from '../../../protocol/transfer/sender.ts';
import type { TransferSide } from '../../../protocol/transfer/side.ts';
import type { TransferStream } from '../../../protocol/transfer/stream.ts';
import type { Offer } from '../../../protocol/transfer/wire.ts';

type Who = 'sender' | 'receiver';
type StreamEvent = 'readable' | 'end' | 'finished' | 'writable' | { closed: 'aborted' | 'peer-aborted'; message: string };

class Direction {
  chunks: Uint8Array[] = [];
  unread = 0;
  fin = false;
  written = 0;
}

export interface PairOptions {
  readonly data: Uint8Array;
  /** What the sender offers (defaults: the data's real size and sha256). */
  readonly offer?: Partial<Offer>;
  readonly config?: Partial<TransferConfig>;
  /** Unread bytes a direction holds before writes are refused. */
  readonly window_bytes?: number;
  /** The sender's application fails after supplying this many bytes. */
  readonly failAfter_bytes?: number;
  /** The receiver's answer to the offer (default accept; 'ignore' never answers). */
  readonly decide?: 'accept' | 'refuse' | 'ignore';
  /** Drop the stream events the receiver would get from the sender after this many. */
  readonly cutReceiverEventsAfter?: number;
  /** Raw bytes the "sender" writes instead of running the protocol. */
  readonly rawSender?: Uint8Array;
}

export interface PairResult {
  readonly sender: TransferOwnEvent[];
  readonly receiver: TransferOwnEvent[];
  readonly senderEnd?: TransferEnd;
  readonly receiverEnd?: TransferEnd;
  readonly received: Uint8Array;
  readonly now: Millis;
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

const steps_max = 1_000_000;

export function runPair(options: PairOptions): PairResult {
  const config = resolveTransferConfig(options.config);
  const window = options.window_bytes ?? 64 * 1024;
  const toReceiver = new Direction();
  const toSender = new Direction();
  const queue: Array<[Who, StreamEvent]> = [];
  let now = 0;
  let receiverEventsSeen = 0;
  const pending = new Set<string>();
  const post = (who: Who, event: StreamEvent): void => {
    // readable/writable are level signals: one pending per side is enough.
    if (event === 'readable' || event === 'writable') {
      const key = `${who}:${event}`;
      if (pending.has(key)) return;
      pending.add(key);
    }
    if (who === 'receiver' && options.cutReceiverEventsAfter !== undefined && typeof event === 'string' && event !== 'readable') {
      if (receiverEventsSeen++ >= options.cutReceiverEventsAfter) return;
    }
    queue.push([who, event]);
  };
  const other = (who: Who): Who => (who === 'sender' ? 'receiver' : 'sender');
  let closed = false;
  const stream = (who: Who, out: Direction, inbound: Direction): TransferStream => ({
    write(_now, data) {
      if (closed || out.fin) return 0;
      const taken = Math.min(data.byteLength, window - out.unread);
      if (taken <= 0) return 0;
      out.chunks.push(data.slice(0, taken));
      out.unread += taken;
      out.written += taken;
      post(other(who), 'readable');
      return taken;
    },
    read(max_bytes) {
      const head = inbound.chunks[0];
      if (!head) return undefined;
      const n = Math.min(max_bytes, head.byteLength);
      const part = head.subarray(0, n);
      if (n === head.byteLength) inbound.chunks.shift();
      else inbound.chunks[0] = head.subarray(n);
      inbound.unread -= n;
      post(other(who), 'writable');
      return part;
    },
    end() {
      if (out.fin || closed) return;
      out.fin = true;
      post(other(who), 'end');
      post(who, 'finished');
    },
    abort(_now, reason) {
      if (closed) return;
      closed = true;
      post(who, { closed: 'aborted', message: reason });
      post(other(who), { closed: 'peer-aborted', message: reason });
    },
    deliveredBytes: () => out.written - out.unread,
  });
  const events: Record<Who, TransferOwnEvent[]> = { sender: [], receiver: [] };
  const offer: Offer = { name: 'f.bin', size_bytes: options.data.byteLength, sha256: sha256(options.data), ...options.offer };
  const sides: Record<Who, TransferSide> = {
    sender: new TransferSender(config, stream('sender', toReceiver, toSender), (e) => void events.sender.push(e), offer),
    receiver: new TransferReceiver(config, stream('receiver', toSender, toReceiver), (e) => void events.receiver.push(e)),
  };
  const received: Uint8Array[] = [];
  let supplied = 0;
  const handled: Record<Who, number> = { sender: 0, receiver: 0 };
  const command = (who: Who, c: TransferCommand): void => sides[who].handleCommand(now, c);
  /** The applications: answer what the sides asked for. Returns whether anything happened. */
  const applications = (): boolean => {
    let acted = false;
    for (const who of ['sender', 'receiver'] as const) {
      while (handled[who] < events[who].length) {
        const e = events[who][handled[who]++]!;
        acted = true;
        if (e.type === 'need-data') {
          if (options.failAfter_bytes !== undefined && supplied >= options.failAfter_bytes) command(who, { type: 'source-failed', message: 'disk gone' });
          else {
            const chunk = options.data.subarray(e.offset, e.offset + e.max_bytes);
            supplied += chunk.byteLength;
            command(who, { type: 'data', data: chunk });
          }
        } else if (e.type === 'offer') {
          if (options.decide === 'refuse') command(who, { type: 'refuse', reason: 'no thanks' });
          else if (options.decide !== 'ignore') command(who, { type: 'accept' });
        } else if (e.type === 'data') received.push(e.data.slice());
        else if (e.type === 'verified') command(who, { type: 'committed' });
      }
    }
    return acted;
  };
  if (options.rawSender) {
    sides.receiver.start(now);
    stream('sender', toReceiver, toSender).write(now, options.rawSender);
  } else {
    sides.receiver.start(now);
    sides.sender.start(now);
  }
  for (let step = 0; step < steps_max; step++) {
    const next = queue.shift();
    if (next) {
      const [who, event] = next;
      if (event === 'readable' || event === 'writable') pending.delete(`${who}:${event}`);
      const side = sides[who];
      if (options.rawSender && who === 'sender') continue;
      if (event === 'readable') side.onReadable(now);
      else if (event === 'writable') side.onWritable(now);
      else if (event === 'end') side.onPeerEnd(now);
      else if (event === 'finished') side.onFinished(now);
      else side.onClosed(now, event.closed, event.message);
      continue;
    }
    if (applications()) continue;
    // Idle: advance the clock to the earliest deadline, or stop.
    const deadlines = (['sender', 'receiver'] as const).map((w) => sides[w].deadline()).filter((d): d is number => d !== undefined);
    if (deadlines.length === 0 || (sides.sender.ended && sides.receiver.ended)) break;
    now = Math.max(now, Math.min(...deadlines));
    for (const who of ['sender', 'receiver'] as const) {
      const at = sides[who].deadline();
      if (at !== undefined && now >= at) {
        sides[who].handleTimeout(now);
        const after = sides[who].deadline();
        if (after !== undefined && after <= now) throw new Error(`${who}: deadline ${after} still due after handleTimeout(${now})`);
      }
    }
    if (step === steps_max - 1) throw new Error('spin guard: the pair never settled');
  }
  const end = (who: Who): TransferEnd | undefined => events[who].find((e): e is TransferEnd => e.type === 'transfer-end');
  const total = received.reduce((n, c) => n + c.byteLength, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const c of received) {
    joined.set(c, at);
    at += c.byteLength;
  }
  return { sender: events.sender, receiver: events.receiver, senderEnd: end('sender'), receiverEnd: end('receiver'), received: joined, now };
}
