// Answers STUN Binding requests (RFC 8489) with RFC 5780 behaviour-discovery support: when the
// server is bound to two IPs x two ports it honours CHANGE-REQUEST (replying from another of
// its addresses) and reports RESPONSE-ORIGIN and OTHER-ADDRESS. Used by the STUN server machine
// and by the rendezvous server, which serves STUN on its own port.
import { addrEquals, type Addr } from '../core/addr.ts';
import { DecodeError } from '../core/decode-error.ts';
import type { Transmit } from '../core/machine.ts';
import { decodeStun, encodeStun, findAttribute } from './stun-codec.ts';
import {
  addressAttribute,
  decodeChangeRequest,
  errorCodeAttribute,
  softwareAttribute,
  unknownAttributesAttribute,
  unknownRequiredAttributes,
  xorMappedAttribute,
} from './stun-attributes.ts';
import { STUN_ATTR, STUN_ERROR, STUN_METHOD, type StunAttribute } from './stun-types.ts';

export interface StunResponderConfig {
  /** The primary address (IP1:port1). */
  readonly primary: Addr;
  /** RFC 5780 alternate (IP2:port2); with it the server answers CHANGE-REQUEST. */
  readonly alternate?: Addr;
  readonly software?: string;
}

export type StunOutcome = { readonly transmit: Transmit } | { readonly drop: string; readonly detail?: string };

export class StunResponder {
  constructor(private readonly config: StunResponderConfig) {}

  /** The four (or one) addresses a machine must be bound to. */
  addresses(): Addr[] {
    const { primary, alternate } = this.config;
    if (!alternate) return [primary];
    return [
      primary,
      { ...primary, port: alternate.port },
      { ...alternate, port: primary.port },
      alternate,
    ];
  }

  /** Decodes one datagram that looked like STUN and returns the reply or a drop reason. */
  handle(remote: Addr, data: Uint8Array, local: Addr): StunOutcome {
    let message;
    try {
      message = decodeStun(data);
    } catch (e) {
      if (e instanceof DecodeError) return { drop: `stun-${e.reason}`, detail: e.field };
      throw e;
    }
    if (message.cls !== 'request') return { drop: 'stun-unexpected-class' };
    const reply = (attributes: StunAttribute[], cls: 'success' | 'error', from: Addr): StunOutcome => {
      const software = this.config.software ? [softwareAttribute(this.config.software)] : [];
      const bytes = encodeStun({ method: message.method, cls, transactionId: message.transactionId, attributes: [...attributes, ...software] }, { fingerprint: true });
      return { transmit: { remote, data: bytes, local: from } };
    };
    if (message.method !== STUN_METHOD.binding) return reply([errorCodeAttribute(STUN_ERROR.badRequest, 'Bad Request')], 'error', local);
    const unknown = unknownRequiredAttributes(message.attributes);
    if (unknown.length > 0) {
      return reply([errorCodeAttribute(STUN_ERROR.unknownAttribute, 'Unknown Attribute'), unknownAttributesAttribute(unknown)], 'error', local);
    }
    let from = local;
    const changeValue = findAttribute(message, STUN_ATTR.changeRequest);
    if (changeValue) {
      let change;
      try {
        change = decodeChangeRequest(changeValue);
      } catch {
        return reply([errorCodeAttribute(STUN_ERROR.badRequest, 'Bad CHANGE-REQUEST')], 'error', local);
      }
      const alternate = this.config.alternate;
      if (!alternate) {
        // RFC 5780 section 6.1: no alternate address means CHANGE-REQUEST is not understood.
        return reply([errorCodeAttribute(STUN_ERROR.unknownAttribute, 'Unknown Attribute'), unknownAttributesAttribute([STUN_ATTR.changeRequest])], 'error', local);
      }
      const otherIp = local.ip === this.config.primary.ip ? alternate.ip : this.config.primary.ip;
      const otherPort = local.port === this.config.primary.port ? alternate.port : this.config.primary.port;
      from = { family: local.family, ip: change.changeIp ? otherIp : local.ip, port: change.changePort ? otherPort : local.port };
      if (addrEquals(from, local)) from = local;
    }
    const attributes: StunAttribute[] = [xorMappedAttribute(remote, message.transactionId), addressAttribute(STUN_ATTR.responseOrigin, from)];
    if (this.config.alternate) {
      const { primary, alternate } = this.config;
      // OTHER-ADDRESS: the address differing from the receiving one in both IP and port.
      const other = { family: local.family, ip: local.ip === primary.ip ? alternate.ip : primary.ip, port: local.port === primary.port ? alternate.port : primary.port };
      attributes.push(addressAttribute(STUN_ATTR.otherAddress, other));
    }
    return reply(attributes, 'success', from);
  }
}
