// The sending side of one secure connection: what the next datagram is (urgent handshake
// and CLOSE packets, owed PATH_RESPONSEs and our PATH_CHALLENGEs, PMTU probes, then data
// within the congestion window and the pacer), and how a packet is built and sealed.
import type { Millis } from '../core/time.ts';
import { TAG_BYTES } from './cipher-state.ts';
import { ConnectionCore, type Outgoing } from './connection-core.ts';
import { datagramFrameSize, encodePathFrame, FRAME, writeDatagram, writeMaxData, writeStreamHeader } from './frame.ts';
import { DATA_HEADER_BYTES } from './packet.ts';
import type { SentPacket } from './sent-packet.ts';
import { bundleStart } from './thin-stream.ts';

/** Largest STREAM frame header: type + 8-byte offset + 8-byte length (any datagram size). */
const STREAM_HEADER_BYTES_MAX = 17;

export abstract class ConnectionSender extends ConnectionCore {
  private hasElicitingWork(): boolean {
    return (
      this.probesPending > 0 ||
      this.pingPending ||
      this.maxDataPending ||
      this.datagramsOut.length > 0 ||
      this.sendStream.hasPending(this.peerMaxData)
    );
  }

  /** The next datagram and where it goes, or undefined (blocked by cwnd, pacing, or idle). */
  poll(now: Millis): Outgoing | undefined {
    this.now = now;
    const urgent = this.urgent.shift();
    if (urgent) return urgent;
    if (this.state !== 'established' && this.state !== 'draining') return undefined;
    const path = this.state === 'established' ? this.paths.next(now, this.pathRetry_ms()) : undefined;
    if (path) return { remote: path.remote, data: this.buildControl(encodePathFrame(path.kind, path.data)) };
    const probeSize = this.state === 'established' ? this.pmtu?.nextProbe() : undefined;
    if (probeSize !== undefined && this.loss.bytesInFlight < this.cc.window_bytes()) {
      this.pmtu!.onSent(probeSize);
      return this.toPeer(this.build(now, true, probeSize));
    }
    if (this.state === 'established' && this.hasElicitingWork()) {
      const probe = this.probesPending > 0;
      const size = Math.min(this.datagramBytes, this.cc.window_bytes());
      if (probe || this.loss.bytesInFlight + size <= this.cc.window_bytes()) {
        this.pacer.setRate(this.cc.pacingRate_bytes_per_ms(this.loss.rtt), this.datagramBytes);
        if (probe || this.pacer.canSend(now, size)) {
          if (probe) this.probesPending--;
          return this.toPeer(this.build(now, true));
        }
        this.armPacer(now, this.pacer.nextSendTime(now, size));
      }
    }
    if (this.acks.due(now)) return this.toPeer(this.build(now, false));
    return undefined;
  }

  private toPeer(data: Uint8Array): Outgoing {
    return { remote: this.remote, data };
  }

  /**
   * A packet of path frames only: not retransmitted (the validator retries) and not in
   * flight, so a stranger's address never holds congestion window. Its size (38 bytes) is
   * below any packet that can trigger it, so a challenge never amplifies.
   */
  private buildControl(frames: Uint8Array): Uint8Array {
    const pn = this.nextPn++;
    this.loss.onSentUntracked(pn);
    this.sent_packets++;
    return this.protection!.seal(this.peerId, pn, frames);
  }

  /** Builds one packet; `pmtuProbe_bytes` makes it a padded PING of exactly that size. */
  private build(now: Millis, eliciting: boolean, pmtuProbe_bytes = 0): Uint8Array {
    const buf = pmtuProbe_bytes > 0 ? new Uint8Array(pmtuProbe_bytes - DATA_HEADER_BYTES - TAG_BYTES) : this.plain;
    const budget = buf.byteLength;
    let at = this.acks.write(now, buf, 0, budget);
    const ackLargest = at > 0 ? this.acks.lastWrittenLargest : -1;
    let streamOffset = 0;
    let streamLength = -1;
    let streamFin = false;
    let maxData = false;
    if (pmtuProbe_bytes > 0) {
      buf[at++] = FRAME.ping;
      at = budget; // the rest stays zero: PADDING
    } else if (eliciting) {
      const before = at;
      if (this.maxDataPending && at + 9 <= budget) {
        at = writeMaxData(buf, at, this.receiveStream.maxData);
        this.maxDataPending = false;
        maxData = true;
      }
      while (this.datagramsOut.length > 0 && at + datagramFrameSize(this.datagramsOut.peek()!.byteLength) <= budget) {
        at = writeDatagram(buf, at, this.datagramsOut.shift()!);
      }
      const room = budget - at - STREAM_HEADER_BYTES_MAX;
      if (room > 0) {
        const segment = this.sendStream.nextSegment(room, this.peerMaxData);
        if (segment) {
          // Thin stream: the newest unacknowledged bytes ride again in front of the new ones.
          const start =
            this.config.thin_stream_recovery && !segment.retransmission && segment.length > 0
              ? bundleStart({ segmentOffset: segment.offset, segmentLength: segment.length, ackedBelow: this.sendStream.ackedBelow, packetsInFlight: this.loss.inFlightPackets, room_bytes: room })
              : segment.offset;
          const length = segment.offset + segment.length - start;
          at = writeStreamHeader(buf, at, start, length, segment.fin);
          this.sendStream.copyInto(start, length, buf, at);
          at += length;
          streamOffset = start;
          streamLength = length;
          streamFin = segment.fin;
          if (segment.retransmission) this.retransmitted++;
          if (start < segment.offset) this.bundled_bytes += segment.offset - start;
        }
      }
      if (this.pingPending || at === before) {
        buf[at++] = FRAME.ping;
        this.pingPending = false;
      }
    }
    const pn = this.nextPn++;
    const datagram = this.protection!.seal(this.peerId, pn, buf.subarray(0, at));
    const stamp = this.loss.stamp(now);
    const packet: SentPacket = {
      pn,
      time_sent: now,
      size_bytes: datagram.byteLength,
      ackEliciting: eliciting,
      inFlight: eliciting,
      streamOffset,
      streamLength,
      streamFin,
      maxData,
      close: false,
      pmtuProbe_bytes,
      ackLargest,
      delivered_bytes: stamp.delivered_bytes,
      delivered_time: stamp.delivered_time,
      firstSent_time: stamp.firstSent_time,
      appLimited: eliciting && !this.sendStream.hasPending(this.peerMaxData),
    };
    this.loss.onSent(now, packet);
    if (eliciting) {
      this.pacer.onSent(now, datagram.byteLength);
      this.keepaliveDeadline = now + this.config.keepalive_interval_ms;
    }
    this.sent_packets++;
    this.sentSinceStats++;
    if (this.protection!.maybeRekeySend(now, this.nextPn, this.loss.largestAcked, this.config.rekey_after_messages, this.config.rekey_after_ms)) {
      this.ctx.emit({ type: 'rekeyed', conn: this.id, direction: 'send' });
    }
    return datagram;
  }
}
