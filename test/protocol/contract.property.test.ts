// The machine contract, checked over every machine in protocol/: random scripts of datagrams
// (random bytes, genuine traffic recorded from a real exchange, and mutated genuine traffic,
// from known peers and from strangers), random commands and random monotone fractional times
// (including landing exactly on the machine's own deadline). Every call goes through the
// contract checker (protocol/core/contract.ts): no handle*/poll* throws, deadlines are finite,
// time never runs backwards, and after handleTimeout(now) the deadline is undefined or > now.
// The last block shows the checker and the spin guard firing on the old loss-timer livelock
// and on a harness loop that would otherwise never end.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { addr, formatAddr, type Addr } from '../../protocol/core/addr.ts';
import { checked } from '../../protocol/core/checked-machine.ts';
import { ContractViolation, SpinGuard } from '../../protocol/core/contract.ts';
import type { Machine, Transmit } from '../../protocol/core/machine.ts';
import { nobleCrypto } from '../../protocol/core/noble-crypto.ts';
import { EchoClient, EchoServer, type EchoClientCommand } from '../../protocol/echo/index.ts';
import { Peer, type PeerCommand } from '../../protocol/peer/peer.ts';
import { PunchClient, type PunchCommand } from '../../protocol/punch/punch-client.ts';
import { RendezvousServer } from '../../protocol/punch/rendezvous-server.ts';
import { StunClient } from '../../protocol/punch/stun-client.ts';
import { StunServer } from '../../protocol/punch/stun-server.ts';
import { RudpEndpoint, type RudpCommand } from '../../protocol/rudp/endpoint.ts';
import type { RudpEvent } from '../../protocol/rudp/events.ts';
import { recordExchange, runScript, type Payload, type Step } from '../support/contract-harness.ts';
import { LIVELOCK_DEADLINE_MS, LIVELOCK_SENT_MS, LossTimerMachine } from '../support/livelock-machine.ts';
import { testRng } from './core/test-rng.ts';
import { Pipe } from './rudp/pipe.ts';

const SERVER = addr('198.51.100.7', 3478);
const A = addr('10.0.0.1', 4000);
const B = addr('10.0.0.2', 5000);
const STRANGERS = [addr('203.0.113.66', 666), addr('2001:db8::66', 666), addr('10.0.0.1', 4001)];
const TOKEN_A = new Uint8Array(16).fill(0xa1);
const TOKEN_B = new Uint8Array(16).fill(0xb2);

const secret = (seed: number, side: number): Uint8Array => testRng(seed * 31 + side).nextBytes(32);

/** One machine kind of protocol/: how to build it, who talks to it, what it is told. */
interface Subject {
  readonly name: string;
  make(seed: number): Machine<never, unknown>;
  readonly local: Addr;
  /** Genuine counterparts, strangers are added to them. */
  readonly peers: readonly Addr[];
  readonly commands: fc.Arbitrary<unknown> | undefined;
  /** Genuine datagrams this kind receives (recorded once from a real exchange). */
  corpus(): Uint8Array[];
}

const rendezvous = (seed: number): RendezvousServer => new RendezvousServer({ primary: SERVER }, testRng(seed + 7));
const punchA = (seed: number): PunchClient => new PunchClient({ id: 'alice', token: TOKEN_A, server: SERVER, local: A, connect_to: 'bob' }, testRng(seed + 1));
const punchB = (seed: number): PunchClient => new PunchClient({ id: 'bob', token: TOKEN_B, server: SERVER, local: B, accept_from: 'alice' }, testRng(seed + 2));
const endpoint = (seed: number, side: number): RudpEndpoint =>
  new RudpEndpoint({ crypto: nobleCrypto, rng: testRng(seed * 7 + side), staticSecret: secret(seed, side), config: { handshake_timeout_ms: 3_000, idle_timeout_ms: 5_000 } });
const peer = (seed: number, side: 'a' | 'b'): Peer =>
  new Peer({
    id: side === 'a' ? 'alice' : 'bob',
    token: side === 'a' ? TOKEN_A : TOKEN_B,
    server: SERVER,
    local: side === 'a' ? A : B,
    ...(side === 'a' ? { connect_to: 'bob' } : { punch: { accept_from: 'alice' } }),
    staticSecret: secret(seed, side === 'a' ? 1 : 2),
    crypto: nobleCrypto,
    rng: testRng(seed * 11 + (side === 'a' ? 1 : 2)),
  });

/** Writes, a message, a datagram and a close once connected: genuine data-phase traffic. */
function rudpReact(event: unknown, command: (c: unknown) => void): void {
  const e = event as RudpEvent;
  if (e.type !== 'connected' || e.role !== 'initiator') return;
  command({ type: 'write', conn: e.conn, data: new Uint8Array(3_000).fill(7) } satisfies RudpCommand);
  command({ type: 'datagram', conn: e.conn, data: new Uint8Array(40).fill(9) } satisfies RudpCommand);
  command({ type: 'close', conn: e.conn } satisfies RudpCommand);
}

const corpora = new Map<string, Uint8Array[]>();
/** Records (once per file) what each party received in a real exchange. */
function corpusOf(exchange: string, party: string, run: () => Map<string, Uint8Array[]>): Uint8Array[] {
  const key = `${exchange}/${party}`;
  if (!corpora.has(key)) for (const [name, list] of run()) corpora.set(`${exchange}/${name}`, list);
  return corpora.get(key) ?? [];
}

const echoExchange = (): Map<string, Uint8Array[]> =>
  recordExchange(
    [
      { name: 'client', address: A, machine: new EchoClient({ server: SERVER, count: 6, interval_ms: 10.5 }, testRng(1)), start: [{ type: 'start' }] },
      { name: 'server', address: SERVER, machine: new EchoServer() },
    ],
    10_000,
  );
const stunExchange = (): Map<string, Uint8Array[]> =>
  recordExchange(
    [
      { name: 'client', address: A, machine: new StunClient({ server: SERVER, local: A }, testRng(2)) },
      { name: 'server', address: SERVER, machine: new StunServer({ primary: SERVER }) },
    ],
    30_000,
  );
const punchExchange = (): Map<string, Uint8Array[]> =>
  recordExchange(
    [
      { name: 'a', address: A, machine: punchA(3) },
      { name: 'b', address: B, machine: punchB(3) },
      { name: 'server', address: SERVER, machine: rendezvous(3) },
    ],
    30_000,
  );
const rudpExchange = (): Map<string, Uint8Array[]> =>
  recordExchange(
    [
      { name: 'a', address: A, machine: endpoint(4, 1), start: [{ type: 'connect', remote: B } satisfies RudpCommand], react: rudpReact },
      { name: 'b', address: B, machine: endpoint(4, 2) },
    ],
    30_000,
  );
const peerExchange = (): Map<string, Uint8Array[]> =>
  recordExchange(
    [
      { name: 'a', address: A, machine: peer(5, 'a'), react: (event, command) => (event as { type: string }).type === 'session-open' && command({ type: 'write', data: new Uint8Array(2_000).fill(3) } satisfies PeerCommand) },
      { name: 'b', address: B, machine: peer(5, 'b') },
      { name: 'server', address: SERVER, machine: rendezvous(5) },
    ],
    30_000,
  );

const anyAddr = fc.constantFrom(SERVER, A, B, ...STRANGERS);
const smallData = fc.uint8Array({ maxLength: 3_000 });
const conn = fc.integer({ min: 0, max: 4 });

const subjects: Subject[] = [
  {
    name: 'echo client',
    make: (seed) => new EchoClient({ server: SERVER, interval_ms: 7.25, timeout_ms: 33.3, count: 20 }, testRng(seed)) as Machine<never, unknown>,
    local: A,
    peers: [SERVER],
    commands: fc.oneof(
      fc.record({ type: fc.constant('start' as const), count: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }) }).map(({ type, count }): EchoClientCommand => (count === undefined ? { type } : { type, count })),
      fc.constant<EchoClientCommand>({ type: 'stop' }),
    ),
    corpus: () => corpusOf('echo', 'client', echoExchange),
  },
  { name: 'echo server', make: () => new EchoServer(), local: SERVER, peers: [A], commands: undefined, corpus: () => corpusOf('echo', 'server', echoExchange) },
  { name: 'stun client', make: (seed) => new StunClient({ server: SERVER, local: A }, testRng(seed)), local: A, peers: [SERVER], commands: undefined, corpus: () => corpusOf('stun', 'client', stunExchange) },
  { name: 'stun server', make: () => new StunServer({ primary: SERVER }), local: SERVER, peers: [A], commands: undefined, corpus: () => corpusOf('stun', 'server', stunExchange) },
  { name: 'rendezvous server', make: (seed) => rendezvous(seed), local: SERVER, peers: [A, B], commands: undefined, corpus: () => corpusOf('punch', 'server', punchExchange) },
  {
    name: 'punch client',
    make: (seed) => punchA(seed) as Machine<never, unknown>,
    local: A,
    peers: [SERVER, B],
    commands: fc.oneof(
      fc.constantFrom<PunchCommand>({ type: 'connect', peer: 'bob' }, { type: 'connect', peer: 'mallory' }, { type: 'close' }),
      smallData.map((data): PunchCommand => ({ type: 'send', data })),
      anyAddr.map((a): PunchCommand => ({ type: 'path-validated', remote: formatAddr(a) })),
      anyAddr.map((a): PunchCommand => ({ type: 'path-rejected', remote: formatAddr(a) })),
    ),
    corpus: () => [...corpusOf('punch', 'a', punchExchange), ...corpusOf('punch', 'b', punchExchange)],
  },
  {
    name: 'rudp endpoint',
    make: (seed) => endpoint(seed, 2) as Machine<never, unknown>,
    local: B,
    peers: [A],
    commands: fc.oneof(
      anyAddr.map((remote): RudpCommand => ({ type: 'connect', remote })),
      fc.tuple(conn, smallData).map(([c, data]): RudpCommand => ({ type: 'write', conn: c, data })),
      fc.tuple(conn, smallData).map(([c, data]): RudpCommand => ({ type: 'message', conn: c, data })),
      fc.tuple(conn, smallData).map(([c, data]): RudpCommand => ({ type: 'datagram', conn: c, data })),
      conn.map((c): RudpCommand => ({ type: 'close', conn: c })),
      conn.map((c): RudpCommand => ({ type: 'abort', conn: c, reason: 'test' })),
      fc.tuple(conn, anyAddr).map(([c, remote]): RudpCommand => ({ type: 'probe-path', conn: c, remote })),
    ),
    corpus: () => [...corpusOf('rudp', 'b', rudpExchange), ...corpusOf('rudp', 'a', rudpExchange)],
  },
  {
    name: 'peer',
    make: (seed) => peer(seed, 'b') as Machine<never, unknown>,
    local: B,
    peers: [SERVER, A],
    commands: fc.oneof(
      fc.constantFrom<PeerCommand>({ type: 'connect', peer: 'alice' }, { type: 'end' }, { type: 'abort', reason: 'test' }),
      smallData.map((data): PeerCommand => ({ type: 'write', data })),
    ),
    corpus: () => [...corpusOf('peer', 'b', peerExchange), ...corpusOf('peer', 'a', peerExchange)],
  },
];

const payload: fc.Arbitrary<Payload> = fc.oneof(
  fc.uint8Array({ maxLength: 1_500 }).map((data): Payload => ({ kind: 'random', data })),
  fc.nat().map((index): Payload => ({ kind: 'genuine', index })),
  fc
    .record({
      index: fc.nat(),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      keep: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ index, flips, keep }): Payload => ({ kind: 'mutated', index, flips, keep })),
);

/** Monotone time steps: zero, sub-millisecond fractions, and jumps up to a minute. */
const dt = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 2_000, noNaN: true }), fc.double({ min: 0, max: 60_000, noNaN: true }));

function stepsFor(subject: Subject): fc.Arbitrary<Step[]> {
  const senders = subject.peers.length + STRANGERS.length;
  const options: Array<fc.Arbitrary<Step>> = [
    dt.map((dt_ms): Step => ({ kind: 'advance', dt_ms })),
    fc.constant<Step>({ kind: 'to-deadline' }),
    fc.record({ from: fc.nat({ max: senders - 1 }), payload }).map(({ from, payload: p }): Step => ({ kind: 'datagram', from, payload: p })),
  ];
  if (subject.commands) options.push(subject.commands.map((command): Step => ({ kind: 'command', command })));
  return fc.array(fc.oneof(...options), { maxLength: 40 });
}

describe('contract: every machine in protocol/ under random datagrams, commands and times', () => {
  for (const subject of subjects) {
    it(`${subject.name}: the recorded exchange gives genuine traffic to mutate`, () => {
      expect(subject.corpus().length).toBeGreaterThan(0);
    });

    test.prop([fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1e6, noNaN: true }), stepsFor(subject)])(
      `${subject.name}: no throw, finite deadlines, never due after handleTimeout`,
      (seed, start_ms, steps) => {
        const report = runScript(
          { name: `${subject.name} (seed ${seed})`, machine: subject.make(seed) as Machine<unknown, unknown>, local: subject.local, senders: [...subject.peers, ...STRANGERS], corpus: subject.corpus() },
          steps,
          start_ms,
        );
        expect(report.end_ms).toBeGreaterThanOrEqual(start_ms);
      },
    );
  }
});

describe('contract: the checker fires where the old code spun', () => {
  it('a loss timer armed at sent + delay but tested as sent <= now - delay is a due-after-timeout violation', () => {
    const m = checked(new LossTimerMachine(false), 'old loss timer');
    m.handleCommand(LIVELOCK_SENT_MS, { type: 'send' });
    expect(m.pollTransmit()).toBeUndefined();
    expect(m.pollEvent()).toBeUndefined();
    const deadline = m.pollTimeout()!;
    expect(deadline).toBe(LIVELOCK_DEADLINE_MS);
    m.handleTimeout(deadline);
    expect(m.pollTransmit()).toBeUndefined();
    expect(m.pollEvent()).toBeUndefined();
    let caught: unknown;
    try {
      m.pollTimeout();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ContractViolation);
    expect(caught).toMatchObject({ machine: 'old loss timer', rule: 'due-after-timeout', now: LIVELOCK_DEADLINE_MS, deadline: LIVELOCK_DEADLINE_MS });
  });

  it('the same inputs through the stored-deadline fix report the loss and pass the checker', () => {
    const report = runScript(
      { name: 'fixed loss timer', machine: new LossTimerMachine(true) as Machine<unknown, unknown>, local: A, senders: [B], corpus: [] },
      [{ kind: 'advance', dt_ms: LIVELOCK_SENT_MS }, { kind: 'command', command: { type: 'send' } }, { kind: 'to-deadline' }],
    );
    expect(report).toMatchObject({ end_ms: LIVELOCK_DEADLINE_MS, events: 1, timeouts: 1 });
  });

  it('the generic script runner catches the old loss timer at the exact deadline', () => {
    expect(() =>
      runScript(
        { name: 'old loss timer', machine: new LossTimerMachine(false) as Machine<unknown, unknown>, local: A, senders: [B], corpus: [] },
        [{ kind: 'advance', dt_ms: LIVELOCK_SENT_MS }, { kind: 'command', command: { type: 'send' } }, { kind: 'to-deadline' }],
      ),
    ).toThrow(/old loss timer: due-after-timeout in handleTimeout at now=141\.8113 deadline=141\.8113/);
  });

  it('the rudp test pipe fails at once, naming the endpoint, when a deadline stays due', () => {
    const pipe = new Pipe(11);
    pipe.connect();
    const endpoint = pipe.endpoints[0];
    const real = endpoint.pollTimeout.bind(endpoint);
    let stuckAt: number | undefined;
    // Past 50 ms, endpoint 0 reports a deadline that handleTimeout never moves (the old bug's shape).
    endpoint.pollTimeout = () => (pipe.now >= 50 ? (stuckAt ??= pipe.now) : real());
    let caught: unknown;
    try {
      pipe.run(() => false, 10_000);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ContractViolation);
    expect(caught).toMatchObject({ machine: 'pipe seed 11 endpoint 0 (10.0.0.1:4000)', rule: 'due-after-timeout', now: stuckAt, deadline: stuckAt });
  });

  it('the spin guard stops a harness loop that never advances time', () => {
    class Chatty implements Machine<never, never> {
      handleDatagram(): void {}
      handleTimeout(): void {}
      handleCommand(): void {}
      pollTransmit(): Transmit | undefined {
        return { remote: B, data: new Uint8Array(1) };
      }
      pollEvent(): undefined {
        return undefined;
      }
      pollTimeout(): undefined {
        return undefined;
      }
    }
    const m = checked(new Chatty(), 'chatty', { steps_per_instant_max: 1_000 });
    m.handleDatagram(5, A, new Uint8Array(1), B);
    expect(() => {
      while (m.pollTransmit()) {
        /* a drain loop with no bound of its own */
      }
    }).toThrow(/chatty: spin in step at now=5: more than 1000 steps at one instant/);
    const guard = new SpinGuard('loop', { steps_max: 10 });
    expect(() => {
      for (let t = 0; ; t++) guard.step(t);
    }).toThrow(/more than 10 steps in total/);
  });
});
