// The receiving side of one secure connection: authenticate first (nothing is answered,
// moved or believed before the AEAD check), then frames: ACKs validated against what we
// sent, stream data within flow control, message lengths within message_bytes_max, path
// challenges answered and responses matched. An address change is only a candidate until
// the peer proves, inside the session, that it receives there.
import { addrEquals, formatAddr, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Millis } from '../core/time.ts';
import { CLOSE_CODE_VIOLATION, CLOSE_REPLIES_MAX, type ConnectionState } from './connection-core.ts';
import { ConnectionSender } from './connection-sender.ts';
import { decodeFrames, type Frame } from './frame.ts';
import { ACK_OF_UNSENT } from './loss-detection.ts';
import { messageHead } from './message-framing.ts';
import { DATA_HEADER_BYTES, type DataPacket } from './packet.ts';
import { TAG_BYTES } from './cipher-state.ts';

const packet_bytes = (packet: DataPacket): number => packet.header.byteLength + packet.ciphertext.byteLength;

export abstract class ConnectionReceiver extends ConnectionSender {
  onData(now: Millis, remote: Addr, packet: DataPacket): void {
    this.now = now;
    if (this.state === 'handshake') {
      // The initiator is already sending: our msg2 or its msg3 was lost. Nudge it.
      if (this.role === 'responder' && addrEquals(remote, this.remote) && now >= this.hs.sent_ms + this.loss.rtt.smoothed_ms) {
        const response = this.hs.nudge(now, packet_bytes(packet));
        if (response) this.urgent.push({ remote: this.remote, data: response });
      }
      return this.ctx.drop('handshake-unexpected');
    }
    // A connection that closed during its handshake has no keys: nothing can authenticate.
    if (!this.protection) return this.ctx.drop('closed');
    // Authenticate before anything else, in every state: a stranger's packet gets no answer.
    const plaintext = this.protection.open(packet);
    if (typeof plaintext === 'string') return this.ctx.drop(plaintext);
    if (this.state === 'closed') {
      // Our CLOSE was lost: repeat it, a bounded number of times, to the session's own path.
      if (this.closePacket && this.closeReplies < CLOSE_REPLIES_MAX) {
        this.closeReplies++;
        this.urgent.push({ remote: this.remote, data: this.closePacket });
      }
      return this.ctx.drop('closed');
    }
    if (this.protection!.rotatedReceive) {
      this.protection!.rotatedReceive = false;
      this.ctx.emit({ type: 'rekeyed', conn: this.id, direction: 'receive' });
    }
    let frames: Frame[];
    try {
      frames = decodeFrames(plaintext);
    } catch (error) {
      if (error instanceof DecodeError) return this.ctx.drop('malformed');
      throw error;
    }
    this.received_packets++;
    this.idleDeadline = now + this.config.idle_timeout_ms;
    this.receivedAnyData = true;
    this.hs.finalPacket = undefined;
    this.finalRetryAt = undefined;
    const pn = packet.counter;
    const size_bytes = packet_bytes(packet);
    if (!addrEquals(remote, this.remote) && this.state === 'established') {
      // NAT rebinding, roaming, or a stranger replaying a captured packet from elsewhere:
      // only a PATH_RESPONSE from the peer moves the path (RFC 9000 section 9), and the
      // address is sent no more challenge bytes than it sent us.
      if (pn > this.acks.largestReceived) this.paths.start(now, remote, pn, this.pathTimeout_ms(), size_bytes);
      else this.paths.onReceived(remote, size_bytes);
    }
    let eliciting = false;
    for (const frame of frames) {
      if (frame.kind !== 'ack') eliciting = true;
      this.onFrame(now, remote, frame);
      if ((this.state as ConnectionState) === 'closed') return;
    }
    this.acks.onReceived(now, pn, eliciting);
    this.checkClosed(now);
  }

  private onFrame(now: Millis, remote: Addr, frame: Frame): void {
    switch (frame.kind) {
      case 'ack': {
        const outcome = this.loss.onAck(now, frame);
        if (outcome === ACK_OF_UNSENT) {
          return this.abort(now, 'protocol-violation', `ACK of packet ${frame.ranges[0]![1]}, never sent (largest sent ${this.loss.largestSent})`, CLOSE_CODE_VIOLATION);
        }
        let ackLargest = -1;
        for (const p of outcome.acked) {
          if (p.ackLargest > ackLargest) ackLargest = p.ackLargest;
          if (p.streamLength >= 0) this.sendStream.onAcked(p.streamOffset, p.streamLength, p.streamFin);
          if (p.pmtuProbe_bytes > 0 && this.pmtu?.onAcked(p.pmtuProbe_bytes)) this.growDatagrams(p.pmtuProbe_bytes);
        }
        // The peer has seen our ACK frame up to ackLargest: stop repeating those ranges.
        if (ackLargest >= 0 && this.config.thin_stream_recovery) this.acks.onAckAcknowledged(ackLargest);
        for (const p of outcome.lost) this.onLostPacket(p);
        if (!this.finishedEmitted && this.sendStream.finished && this.sendStream.allAcked) {
          this.finishedEmitted = true;
          this.ctx.emit({ type: 'finished', conn: this.id });
        }
        if (this.writeBlocked && this.sendStream.available_bytes > 0) {
          this.writeBlocked = false;
          this.ctx.emit({ type: 'writable', conn: this.id });
        }
        break;
      }
      case 'stream': {
        const result = this.receiveStream.onData(frame.offset, frame.data, frame.fin);
        if (result !== 'ok') return this.abort(now, 'protocol-violation', result, CLOSE_CODE_VIOLATION);
        if (this.mode === 'message' && !this.checkMessageHead(now)) return;
        if (!this.readableSignalled && this.readableNow()) {
          this.readableSignalled = true;
          this.ctx.emit({ type: 'readable', conn: this.id });
        }
        if (this.receiveStream.complete && !this.endEmitted) {
          this.endEmitted = true;
          this.ctx.emit({ type: 'end', conn: this.id });
        }
        break;
      }
      case 'max-data':
        if (frame.max_bytes > this.peerMaxData) this.peerMaxData = frame.max_bytes;
        break;
      case 'datagram':
        this.datagramsIn.push(frame.data);
        this.ctx.emit({ type: 'datagram', conn: this.id, size_bytes: frame.data.byteLength });
        break;
      case 'close':
        this.closePacket = undefined;
        this.fail('peer-aborted', frame.reason);
        break;
      case 'path-challenge':
        // Answered to the address it came from (RFC 9000 section 8.2.2), same size as asked.
        this.paths.onChallenge(remote, frame.data);
        break;
      case 'path-response': {
        const outcome = this.paths.onResponse(frame.data);
        if (outcome) this.movePath(outcome.remote);
        break;
      }
      case 'ping':
        break;
    }
  }

  /** The peer proved it receives at `to`: traffic moves there. The peer's identity never changes. */
  protected movePath(to: Addr): void {
    if (addrEquals(to, this.remote)) return;
    const from = this.remote;
    this.remote = to;
    this.ctx.emit({ type: 'path-changed', conn: this.id, from: formatAddr(from), to: formatAddr(to) });
  }

  /**
   * Message mode: the head message's declared length is a peer-supplied field. Beyond
   * message_bytes_max it could never be delivered (the window would stall): a violation.
   */
  protected checkMessageHead(now: Millis): boolean {
    const head = messageHead(this.receiveStream, this.config.message_bytes_max);
    if (head.kind !== 'oversize') return true;
    this.abort(now, 'protocol-violation', `message of ${head.length} bytes declared, limit ${this.config.message_bytes_max}`, CLOSE_CODE_VIOLATION);
    return false;
  }

  protected readableNow(): boolean {
    return this.mode === 'message' ? messageHead(this.receiveStream, this.config.message_bytes_max).kind === 'ready' : this.receiveStream.readable_bytes > 0;
  }

  private growDatagrams(size_bytes: number): void {
    this.datagramBytes = size_bytes;
    this.payloadBudget = size_bytes - DATA_HEADER_BYTES - TAG_BYTES;
    this.plain = new Uint8Array(this.payloadBudget);
    this.ctx.emit({ type: 'pmtu', conn: this.id, datagram_bytes: size_bytes });
  }
}
