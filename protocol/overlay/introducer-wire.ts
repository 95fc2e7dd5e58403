// Frames of the introducer protocol, carried as messages inside a Noise session (protocol/rudp,
// message mode) between an overlay host and the introducer (introducer.ts). The session
// authenticates both ends, so the frames carry no identity of their sender:
//   01 RING    to digest[15]      host -> introducer   "tell this peer I want a link"
//   02 RUNG    from key[32]       introducer -> host   "this peer (its proven key) wants a link"
//   03 ABSENT  to digest[15]      introducer -> host   "that peer has no session with me"
// Exact lengths: anything else is a typed decode failure.
import { IDENTITY_DIGEST_BYTES } from './identity-addr.ts';

export const FRAME = { ring: 0x01, rung: 0x02, absent: 0x03 } as const;
export const KEY_BYTES = 32;

export type IntroducerFrame =
  | { readonly type: 'ring'; readonly to: Uint8Array }
  | { readonly type: 'rung'; readonly from: Uint8Array }
  | { readonly type: 'absent'; readonly to: Uint8Array };

export type FrameProblem = 'empty' | 'unknown-type' | 'bad-length';

export function encodeFrame(frame: IntroducerFrame): Uint8Array {
  const body = frame.type === 'rung' ? frame.from : frame.to;
  const size = frame.type === 'rung' ? KEY_BYTES : IDENTITY_DIGEST_BYTES;
  if (body.byteLength !== size) throw new RangeError(`${frame.type} carries ${size} bytes, got ${body.byteLength}`);
  const out = new Uint8Array(1 + size);
  out[0] = FRAME[frame.type];
  out.set(body, 1);
  return out;
}

/** Decodes one frame; a problem comes back as a value (frames come from peers). */
export function decodeFrame(data: Uint8Array): IntroducerFrame | FrameProblem {
  const type = data[0];
  if (type === undefined) return 'empty';
  const body = data.slice(1);
  switch (type) {
    case FRAME.ring:
      return body.byteLength === IDENTITY_DIGEST_BYTES ? { type: 'ring', to: body } : 'bad-length';
    case FRAME.rung:
      return body.byteLength === KEY_BYTES ? { type: 'rung', from: body } : 'bad-length';
    case FRAME.absent:
      return body.byteLength === IDENTITY_DIGEST_BYTES ? { type: 'absent', to: body } : 'bad-length';
    default:
      return 'unknown-type';
  }
}
