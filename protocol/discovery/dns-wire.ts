// Our own DNS message codec (RFC 1035 §4, with the mDNS bits of RFC 6762 §18: the top bit of
// a question's class asks for a unicast response, the top bit of a record's class is the
// cache-flush bit). Names are label arrays, so an instance label may hold dots or spaces
// (RFC 6763 §4.3). Decoding is bounded everywhere: compression pointers must point strictly
// backwards (no loops), a name is at most 255 bytes, each section has a record cap, and every
// failure is a typed DecodeError. Encoding writes names uncompressed (always legal).
import { ipFromBytes, ipToBytes } from '../core/addr.ts';
import { fromUtf8Strict, hex, utf8 } from '../core/bytes.ts';
import { DecodeError } from '../core/decode-error.ts';
import { Reader } from '../core/reader.ts';
import { Writer } from '../core/writer.ts';

export const TYPE = { A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, ANY: 255 } as const;
export const CLASS_IN = 1;
/** RFC 6762 §17: a multicast DNS message may be up to 9000 bytes of payload. */
export const DNS_MESSAGE_BYTES_MAX = 9_000;
/** RFC 1035 §2.3.4. */
export const NAME_BYTES_MAX = 255;
export const LABEL_BYTES_MAX = 63;
/** Records (or questions) per section we decode; more is a counted drop. */
export const SECTION_RECORDS_MAX = 256;
/** RFC 6763 §6.1: each TXT string is one length byte, so at most 255 bytes. */
export const TXT_STRING_BYTES_MAX = 255;

export type Name = readonly string[];

export type RecordData =
  | { readonly type: 'A'; readonly ip: string }
  | { readonly type: 'AAAA'; readonly ip: string }
  | { readonly type: 'PTR'; readonly name: Name }
  | { readonly type: 'SRV'; readonly priority: number; readonly weight: number; readonly port: number; readonly target: Name }
  | { readonly type: 'TXT'; readonly strings: readonly Uint8Array[] }
  /** A type we do not interpret; its bytes are kept (bounded by the message). */
  | { readonly type: 'OTHER'; readonly code: number; readonly bytes: Uint8Array };

export interface DnsRecord {
  readonly name: Name;
  /** RFC 6762 §10.2: the sender owns this whole rrset; older cached copies are flushed. */
  readonly cacheFlush: boolean;
  readonly ttl_s: number;
  readonly data: RecordData;
}

export interface DnsQuestion {
  readonly name: Name;
  readonly qtype: number;
  /** RFC 6762 §5.4: the QU bit. */
  readonly unicastResponse: boolean;
}

export interface DnsMessage {
  readonly id: number;
  readonly response: boolean;
  readonly authoritative: boolean;
  readonly truncated: boolean;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

export function typeCode(data: RecordData): number {
  return data.type === 'OTHER' ? data.code : TYPE[data.type];
}

/** Case-insensitive key of a name (RFC 6762 §16: ASCII case folding), escaping dots in labels. */
export function nameKey(name: Name): string {
  return name.map((label) => label.toLowerCase().replace(/\\/g, '\\\\').replace(/\./g, '\\.')).join('.');
}

export function nameEquals(a: Name, b: Name): boolean {
  return nameKey(a) === nameKey(b);
}

/** "_peerlab._udp.local" as labels (no escapes: for fixed service and host names). */
export function parseName(text: string): Name {
  return text.split('.').filter((label) => label.length > 0);
}

export function formatName(name: Name): string {
  return name.map((label) => label.replace(/\\/g, '\\\\').replace(/\./g, '\\.')).join('.');
}


// ---------------- decoding ----------------

/** Reads a possibly-compressed name starting at the reader's position. */
function readName(bytes: Uint8Array, reader: Reader, field: string): Name {
  const labels: string[] = [];
  let total = 1; // the root's zero byte
  let at = reader.position;
  let jumped = false;
  // Pointers must go strictly backwards from the label that holds them: no loops possible.
  let limit = at;
  for (let steps = 0; steps < NAME_BYTES_MAX; steps++) {
    if (at >= bytes.byteLength) throw new DecodeError('truncated', field, 'name runs past the message');
    const length = bytes[at]!;
    if ((length & 0xc0) === 0xc0) {
      if (at + 1 >= bytes.byteLength) throw new DecodeError('truncated', field, 'pointer');
      const target = ((length & 0x3f) << 8) | bytes[at + 1]!;
      if (target >= limit) throw new DecodeError('invalid', field, `pointer ${target} does not point backwards`);
      if (!jumped) reader.skip(at + 2 - reader.position, field);
      jumped = true;
      limit = target;
      at = target;
      continue;
    }
    if ((length & 0xc0) !== 0) throw new DecodeError('invalid', field, `label type ${length >> 6}`);
    if (length === 0) {
      if (!jumped) reader.skip(at + 1 - reader.position, field);
      return labels;
    }
    total += length + 1;
    if (total > NAME_BYTES_MAX) throw new DecodeError('oversize', field, `name over ${NAME_BYTES_MAX} bytes`);
    if (at + 1 + length > bytes.byteLength) throw new DecodeError('truncated', field, 'label');
    const label = fromUtf8Strict(bytes.subarray(at + 1, at + 1 + length));
    if (label === undefined) throw new DecodeError('invalid', field, 'label is not UTF-8');
    labels.push(label);
    at += 1 + length;
  }
  throw new DecodeError('invalid', field, 'too many labels');
}

function readData(bytes: Uint8Array, reader: Reader, type: number, length: number, field: string): RecordData {
  const start = reader.position;
  const end = start + length;
  if (end > bytes.byteLength) throw new DecodeError('truncated', field, 'rdata');
  let data: RecordData;
  switch (type) {
    case TYPE.A:
      if (length !== 4) throw new DecodeError('invalid', field, `A rdata ${length} bytes`);
      data = { type: 'A', ip: ipFromBytes(reader.bytesView(4, field)) };
      break;
    case TYPE.AAAA:
      if (length !== 16) throw new DecodeError('invalid', field, `AAAA rdata ${length} bytes`);
      data = { type: 'AAAA', ip: ipFromBytes(reader.bytesView(16, field)) };
      break;
    case TYPE.PTR:
      data = { type: 'PTR', name: readName(bytes, reader, field) };
      break;
    case TYPE.SRV: {
      const priority = reader.u16(field);
      const weight = reader.u16(field);
      const port = reader.u16(field);
      data = { type: 'SRV', priority, weight, port, target: readName(bytes, reader, field) };
      break;
    }
    case TYPE.TXT: {
      const strings: Uint8Array[] = [];
      while (reader.position < end) {
        const n = reader.u8(field);
        if (reader.position + n > end) throw new DecodeError('invalid', field, 'TXT string past rdata');
        strings.push(reader.bytesCopy(n, field));
      }
      data = { type: 'TXT', strings };
      break;
    }
    default:
      data = { type: 'OTHER', code: type, bytes: reader.bytesCopy(length, field) };
  }
  if (reader.position !== end) throw new DecodeError('invalid', field, `rdata length ${length}, used ${reader.position - start}`);
  return data;
}

function readRecords(bytes: Uint8Array, reader: Reader, count: number, field: string): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (let i = 0; i < count; i++) {
    const name = readName(bytes, reader, field);
    const type = reader.u16(field);
    const klass = reader.u16(field);
    const ttl_s = reader.u32(field);
    const length = reader.u16(field);
    const data = readData(bytes, reader, type, length, field);
    // Only class IN is meaningful here; other classes are read past and ignored.
    if ((klass & 0x7fff) === CLASS_IN) records.push({ name, cacheFlush: (klass & 0x8000) !== 0, ttl_s, data });
  }
  return records;
}

export function decodeDns(bytes: Uint8Array): DnsMessage {
  if (bytes.byteLength > DNS_MESSAGE_BYTES_MAX) throw new DecodeError('oversize', 'message', `${bytes.byteLength} > ${DNS_MESSAGE_BYTES_MAX}`);
  const reader = new Reader(bytes);
  const id = reader.u16('id');
  const flags = reader.u16('flags');
  const counts = [reader.u16('qdcount'), reader.u16('ancount'), reader.u16('nscount'), reader.u16('arcount')];
  for (const count of counts) if (count > SECTION_RECORDS_MAX) throw new DecodeError('oversize', 'counts', `${count} > ${SECTION_RECORDS_MAX}`);
  // The smallest question is 5 bytes and the smallest record 11: counts the message cannot hold are refused before any loop.
  const least = counts[0]! * 5 + (counts[1]! + counts[2]! + counts[3]!) * 11;
  if (least > reader.remaining) throw new DecodeError('truncated', 'counts', `counts need ${least} bytes, have ${reader.remaining}`);
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const name = readName(bytes, reader, 'question');
    const qtype = reader.u16('question');
    const qclass = reader.u16('question');
    if ((qclass & 0x7fff) === CLASS_IN || (qclass & 0x7fff) === 255) questions.push({ name, qtype, unicastResponse: (qclass & 0x8000) !== 0 });
  }
  const answers = readRecords(bytes, reader, counts[1]!, 'answer');
  const authorities = readRecords(bytes, reader, counts[2]!, 'authority');
  const additionals = readRecords(bytes, reader, counts[3]!, 'additional');
  reader.end('message');
  return {
    id,
    response: (flags & 0x8000) !== 0,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    questions,
    answers,
    authorities,
    additionals,
  };
}

// ---------------- encoding ----------------

function writeName(writer: Writer, name: Name): void {
  let total = 1;
  for (const label of name) {
    const bytes = utf8(label);
    if (bytes.byteLength === 0 || bytes.byteLength > LABEL_BYTES_MAX) throw new RangeError(`label of ${bytes.byteLength} bytes`);
    total += bytes.byteLength + 1;
    if (total > NAME_BYTES_MAX) throw new RangeError(`name over ${NAME_BYTES_MAX} bytes`);
    writer.u8(bytes.byteLength).bytes(bytes);
  }
  writer.u8(0);
}

/** The rdata of a record, uncompressed: also the canonical form RFC 6762 §8.2 compares. */
export function encodeData(data: RecordData): Uint8Array {
  const w = new Writer(DNS_MESSAGE_BYTES_MAX);
  switch (data.type) {
    case 'A':
    case 'AAAA':
      w.bytes(ipToBytes(data.ip));
      break;
    case 'PTR':
      writeName(w, data.name);
      break;
    case 'SRV':
      w.u16(data.priority).u16(data.weight).u16(data.port);
      writeName(w, data.target);
      break;
    case 'TXT':
      // RFC 6763 §6.1: an empty TXT record holds one empty string.
      if (data.strings.length === 0) w.u8(0);
      for (const s of data.strings) {
        if (s.byteLength > TXT_STRING_BYTES_MAX) throw new RangeError(`TXT string of ${s.byteLength} bytes`);
        w.u8(s.byteLength).bytes(s);
      }
      break;
    case 'OTHER':
      w.bytes(data.bytes);
      break;
  }
  return w.finish();
}

function writeRecord(writer: Writer, record: DnsRecord): void {
  writeName(writer, record.name);
  const rdata = encodeData(record.data);
  writer.u16(typeCode(record.data)).u16(CLASS_IN | (record.cacheFlush ? 0x8000 : 0)).u32(record.ttl_s).bytesPrefixed16(rdata);
}

/** Encodes `message`; throws EncodeLimitError past `limit_bytes` (callers size their lists). */
export function encodeDns(message: DnsMessage, limit_bytes = DNS_MESSAGE_BYTES_MAX): Uint8Array {
  const w = new Writer(limit_bytes);
  const flags = (message.response ? 0x8000 : 0) | (message.authoritative ? 0x0400 : 0) | (message.truncated ? 0x0200 : 0);
  w.u16(message.id).u16(flags).u16(message.questions.length).u16(message.answers.length).u16(message.authorities.length).u16(message.additionals.length);
  for (const q of message.questions) {
    writeName(w, q.name);
    w.u16(q.qtype).u16(CLASS_IN | (q.unicastResponse ? 0x8000 : 0));
  }
  for (const r of message.answers) writeRecord(w, r);
  for (const r of message.authorities) writeRecord(w, r);
  for (const r of message.additionals) writeRecord(w, r);
  return w.finish();
}

/** Same owner name, type and rdata (TTL and cache-flush aside): RFC 6762's "same record". */
export function sameRecord(a: DnsRecord, b: DnsRecord): boolean {
  if (!nameEquals(a.name, b.name) || typeCode(a.data) !== typeCode(b.data)) return false;
  return recordDataKey(a.data) === recordDataKey(b.data);
}

/** A comparable key of rdata (names folded to lower case, as DNS compares them). */
export function recordDataKey(data: RecordData): string {
  switch (data.type) {
    case 'PTR':
      return `PTR ${nameKey(data.name)}`;
    case 'SRV':
      return `SRV ${data.priority} ${data.weight} ${data.port} ${nameKey(data.target)}`;
    default: {
      return `${typeCode(data)} ${hex(encodeData(data))}`;
    }
  }
}

export function recordKey(record: DnsRecord): string {
  return `${nameKey(record.name)} ${recordDataKey(record.data)}`;
}
