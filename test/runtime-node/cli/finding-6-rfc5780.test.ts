// Issue 9, finding 6: RFC 5780 answers come from the address they claim. `peerlab rendezvous
// --listen A --alternate B` must bind all four pairs (A.ip, A.port), (A.ip, B.port),
// (B.ip, A.port), (B.ip, B.port), resolving port 0 first, so that a CHANGE-REQUEST for "port
// only" or "IP only" is answered from the right socket and RESPONSE-ORIGIN / OTHER-ADDRESS
// tell the truth; and `peerlab stun A --alt B` then classifies mapping and filtering on
// loopback (127.0.0.1 + 127.0.0.2: no NAT, so endpoint-independent both) against our own
// server and against coturn with two listening IPs. On commit 0efe333 the rendezvous bound
// two pairs, so the mixed variants came from the primary and `peerlab stun` said "mapping
// unknown".
import { createSocket, type RemoteInfo } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addr, formatAddr, parseAddr, type Addr } from '../../../protocol/core/addr.ts';
import { changeRequestAttribute, decodeAddressValue } from '../../../protocol/punch/stun-attributes.ts';
import { decodeStun, encodeStun, findAttribute } from '../../../protocol/punch/stun-codec.ts';
import { STUN_ATTR, STUN_METHOD } from '../../../protocol/punch/stun-types.ts';
import { startCoturn, type Coturn } from '../../../runtime-node/lab/coturn.ts';
import { CliProcesses } from '../cli-process.ts';
import { missingPrerequisites } from '../prerequisites.ts';
import { runCli } from './run-cli.ts';

/** One STUN exchange's budget on loopback (a lost datagram is a failure, not a retry). */
const reply_timeout_ms = 3_000;
/** `peerlab stun` runs the whole RFC 5780 discovery; on loopback it takes well under this. */
const stun_cli_timeout_ms = 25_000;

interface Reply {
  readonly from: Addr;
  readonly origin: Addr | undefined;
  readonly other: Addr | undefined;
  readonly mapped: boolean;
}

/** Sends one Binding request with the given CHANGE-REQUEST and reports who answered. */
async function binding(to: Addr, change: { changeIp: boolean; changePort: boolean } | undefined): Promise<Reply> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const transactionId = new Uint8Array(randomBytes(12));
    const request = encodeStun(
      { method: STUN_METHOD.binding, cls: 'request', transactionId, attributes: change ? [changeRequestAttribute(change)] : [] },
      { fingerprint: true },
    );
    const answer = new Promise<{ data: Buffer; rinfo: RemoteInfo }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${formatAddr(to)} to CHANGE-REQUEST ${JSON.stringify(change)} within ${reply_timeout_ms} ms`)), reply_timeout_ms);
      socket.once('message', (data, rinfo) => {
        clearTimeout(timer);
        resolve({ data, rinfo });
      });
    });
    socket.send(request, to.port, to.ip);
    const { data, rinfo } = await answer;
    const message = decodeStun(new Uint8Array(data));
    const origin = findAttribute(message, STUN_ATTR.responseOrigin);
    const other = findAttribute(message, STUN_ATTR.otherAddress);
    return {
      from: addr(rinfo.address, rinfo.port),
      origin: origin ? decodeAddressValue(origin) : undefined,
      other: other ? decodeAddressValue(other) : undefined,
      mapped: findAttribute(message, STUN_ATTR.xorMappedAddress) !== undefined,
    };
  } finally {
    socket.close();
  }
}

/** Each CHANGE-REQUEST variant sent to the primary, and the pair that must answer it. */
function variants(a: Addr, b: Addr): Array<{ name: string; change: { changeIp: boolean; changePort: boolean } | undefined; from: Addr }> {
  return [
    { name: 'no change', change: undefined, from: a },
    { name: 'port only', change: { changeIp: false, changePort: true }, from: addr(a.ip, b.port) },
    { name: 'IP only', change: { changeIp: true, changePort: false }, from: addr(b.ip, a.port) },
    { name: 'IP and port', change: { changeIp: true, changePort: true }, from: b },
  ];
}

interface StunJson {
  readonly ok: boolean;
  readonly nat?: { mapping: string; filtering: string; allocation: string };
}

async function stunCli(server: Addr, alt: Addr): Promise<StunJson> {
  const args = ['stun', formatAddr(server), '--alt', formatAddr(alt), '--bind', '127.0.0.1:0', '--json', '--timeout', '20000'];
  const result = await runCli(args, stun_cli_timeout_ms);
  const line = result.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  expect(line, `reproduce: node bin/peerlab.js ${args.join(' ')}\n${result.stderr}`).toBeDefined();
  return JSON.parse(line!) as StunJson;
}

describe('finding 6: peerlab rendezvous --alternate answers RFC 5780 from all four pairs', () => {
  const procs = new CliProcesses();
  let primary: Addr;
  let alternate: Addr;
  let listening = '';
  beforeAll(async () => {
    // Port 0 on both: the server must resolve real ports before it can fill the attributes.
    const server = procs.start(['rendezvous', '--listen', '127.0.0.1:0', '--alternate', '127.0.0.2:0']);
    listening = (await procs.waitFor(server, /listening on (.*)/, 20_000))[1]!;
    // The primary is listed first; the alternate is the pair on the other IP and port.
    const bound = listening.split(', ').map((text) => parseAddr(text));
    primary = bound[0]!;
    alternate = bound.find((a) => a.ip !== primary.ip && a.port !== primary.port) ?? bound.at(-1)!;
  }, 30_000);
  afterAll(() => procs.killAll());

  it('resolves port 0 into two different ports and binds the four pairs', () => {
    expect(primary.port).not.toBe(0);
    expect(alternate.port).not.toBe(0);
    expect(alternate.port).not.toBe(primary.port);
    const bound = listening.split(', ').sort();
    const expected = [primary, addr(primary.ip, alternate.port), addr(alternate.ip, primary.port), alternate].map(formatAddr).sort();
    expect(bound).toEqual(expected);
  });

  it('each CHANGE-REQUEST variant comes from the pair RESPONSE-ORIGIN names', async () => {
    for (const variant of variants(primary, alternate)) {
      const reply = await binding(primary, variant.change);
      const why = `CHANGE-REQUEST ${variant.name} to ${formatAddr(primary)}: ${JSON.stringify(reply)}`;
      expect(reply.mapped, why).toBe(true);
      expect(formatAddr(reply.from), why).toBe(formatAddr(variant.from));
      expect(reply.origin && formatAddr(reply.origin), why).toBe(formatAddr(variant.from));
      // OTHER-ADDRESS: differs from the receiving pair (the primary) in both IP and port.
      expect(reply.other && formatAddr(reply.other), why).toBe(formatAddr(alternate));
    }
  });

  it('a request to each of the four pairs is answered from that pair', async () => {
    for (const pair of [primary, addr(primary.ip, alternate.port), addr(alternate.ip, primary.port), alternate]) {
      const reply = await binding(pair, undefined);
      expect(formatAddr(reply.from)).toBe(formatAddr(pair));
      expect(reply.origin && formatAddr(reply.origin)).toBe(formatAddr(pair));
    }
  });

  it('peerlab stun classifies mapping and filtering against it (endpoint-independent on loopback)', async () => {
    const result = await stunCli(primary, alternate);
    expect(result.ok).toBe(true);
    expect(result.nat).toMatchObject({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', allocation: 'preserve' });
  }, stun_cli_timeout_ms + 5_000);
});

describe('finding 6: a mixed pair that cannot be bound is an error, not a silent fallback', () => {
  it('fixed ports with (B.ip, A.port) taken: exit 1, one line, nothing left listening', async () => {
    // Take a port on 127.0.0.2 and ask the server for that port as its primary port: the pair
    // (127.0.0.2, A.port) is then unavailable, so the server must refuse to start.
    const holder = createSocket('udp4');
    const port = await new Promise<number>((r) => holder.bind(0, '127.0.0.2', () => r(holder.address().port)));
    try {
      const args = ['rendezvous', '--listen', `127.0.0.1:${port}`, '--alternate', `127.0.0.2:${port === 65_535 ? port - 1 : port + 1}`];
      const result = await runCli(args, 20_000);
      const why = `reproduce: node bin/peerlab.js ${args.join(' ')}\n${result.stdout}${result.stderr}`;
      expect(result.code, why).toBe(1);
      expect(result.stderr.trimEnd().split('\n'), why).toHaveLength(1);
      expect(result.stderr, why).toMatch(/in use/);
      expect(result.stdout, why).not.toMatch(/listening/);
    } finally {
      holder.close();
    }
  }, 30_000);
});

const coturnSkip = missingPrerequisites({ tools: ['turnserver'] });
/** Fixed ports for coturn (its config names them); the alternate port is coturn's port + 1. */
const coturn_port = 34_830;

describe.skipIf(coturnSkip !== undefined)('finding 6: peerlab stun classifies against coturn with two IPs (RFC 5780)', () => {
  let coturn: Coturn | undefined;
  beforeAll(async () => {
    coturn = await startCoturn({ namespace: '', listenIp: '127.0.0.1', alternateIp: '127.0.0.2', port: coturn_port, min_port: 40_250, max_port: 40_260, allowLoopbackPeers: true });
  }, 30_000);
  afterAll(async () => {
    await coturn?.stop();
  });

  it('coturn answers a port-only CHANGE-REQUEST from its alternate port', async () => {
    const reply = await binding(addr('127.0.0.1', coturn_port), { changeIp: false, changePort: true });
    expect(formatAddr(reply.from)).toBe(`127.0.0.1:${coturn_port + 1}`);
    expect(reply.other && formatAddr(reply.other)).toBe(`127.0.0.2:${coturn_port + 1}`);
  });

  it('peerlab stun 127.0.0.1:P --alt 127.0.0.2:Q: endpoint-independent mapping and filtering', async () => {
    const result = await stunCli(addr('127.0.0.1', coturn_port), addr('127.0.0.2', coturn_port + 1));
    expect(result.ok).toBe(true);
    expect(result.nat).toMatchObject({ mapping: 'endpoint-independent', filtering: 'endpoint-independent', allocation: 'preserve' });
  }, stun_cli_timeout_ms + 5_000);
});
