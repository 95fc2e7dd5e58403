// A minimal pcapng writer: one Section Header Block, one Interface Description Block
// (LINKTYPE_RAW, nanosecond timestamps), then Enhanced Packet Blocks with an optional
// comment. Little-endian throughout; every block padded to 32 bits as the format requires.
import { concatBytesList } from '../../protocol/core/bytes.ts';
import { utf8 } from '../../protocol/core/bytes.ts';

/** LINKTYPE_RAW: each packet starts with an IPv4 or IPv6 header (tcpdump.org linktypes). */
export const LINKTYPE_RAW = 101;
const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_COMMENT = 1;
const OPT_SHB_USERAPPL = 4;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
/** if_tsresol value 9: timestamps count nanoseconds, so fractional virtual ms survive. */
const TSRESOL_NANOSECONDS = 9;
const SNAPLEN = 0x40000;
const COMMENT_BYTES_MAX = 1024;

const pad4 = (n: number): number => (n + 3) & ~3;

function option(code: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + pad4(value.byteLength));
  const view = new DataView(out.buffer);
  view.setUint16(0, code, true);
  view.setUint16(2, value.byteLength, true);
  out.set(value, 4);
  return out;
}

function options(list: Uint8Array[]): Uint8Array {
  if (list.length === 0) return new Uint8Array(0);
  return concatBytesList([...list, new Uint8Array(4) /* opt_endofopt */]);
}

/** type + length + body + length, with the body padded. */
function block(type: number, body: Uint8Array): Uint8Array {
  const length = 12 + pad4(body.byteLength);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, length, true);
  out.set(body, 8);
  view.setUint32(length - 4, length, true);
  return out;
}


export class PcapngWriter {
  private readonly parts: Uint8Array[] = [];
  frames = 0;

  constructor(application: string, interfaceName: string) {
    const shb = new Uint8Array(16);
    const view = new DataView(shb.buffer);
    view.setUint32(0, BYTE_ORDER_MAGIC, true);
    view.setUint16(4, 1, true); // major version
    view.setUint16(6, 0, true); // minor version
    view.setBigInt64(8, -1n, true); // section length unknown
    this.parts.push(block(BLOCK_SHB, concatBytesList([shb, options([option(OPT_SHB_USERAPPL, utf8(application))])])));
    const idb = new Uint8Array(8);
    const idbView = new DataView(idb.buffer);
    idbView.setUint16(0, LINKTYPE_RAW, true);
    idbView.setUint32(4, SNAPLEN, true);
    const tsresol = option(OPT_IF_TSRESOL, Uint8Array.of(TSRESOL_NANOSECONDS));
    this.parts.push(block(BLOCK_IDB, concatBytesList([idb, options([option(OPT_IF_NAME, utf8(interfaceName)), tsresol])])));
  }

  /** Appends one packet at `time_ns` since the Unix epoch, with an optional comment. */
  packet(time_ns: bigint, packet: Uint8Array, comment?: string): void {
    const head = new Uint8Array(20);
    const view = new DataView(head.buffer);
    view.setUint32(0, 0, true); // interface 0
    view.setUint32(4, Number((time_ns >> 32n) & 0xffffffffn), true);
    view.setUint32(8, Number(time_ns & 0xffffffffn), true);
    view.setUint32(12, packet.byteLength, true); // captured
    view.setUint32(16, packet.byteLength, true); // original
    const data = new Uint8Array(pad4(packet.byteLength));
    data.set(packet);
    const opts = comment === undefined ? new Uint8Array(0) : options([option(OPT_COMMENT, utf8(comment.slice(0, COMMENT_BYTES_MAX)))]);
    this.parts.push(block(BLOCK_EPB, concatBytesList([head, data, opts])));
    this.frames++;
  }

  bytes(): Uint8Array {
    return concatBytesList(this.parts);
  }
}
