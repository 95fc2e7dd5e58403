// peerlab/test's core (runSimCase / checkSim / parseSeeds): a deterministic body passes and is
// run twice; a body whose trace differs between two runs of one seed fails with the first
// differing line; a machine that breaks the contract fails with a ContractViolation; a failing
// case writes its trace and names it and the reproduce line; PEERLAB_SEED narrows the seeds.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { addr, type Machine } from '../../api/core.ts';
import { ContractViolation, type Simulator } from '../../api/sim.ts';
import { checkSim, parseSeedList, parseSeeds, runSimCase, SimCaseFailure } from '../../api/test.ts';

const traceDir = mkdtempSync(join(tmpdir(), 'peerlab-sim-case-'));
afterAll(() => rmSync(traceDir, { recursive: true, force: true }));

/** Sends one datagram to `to` every 100 ms, 10 times; counts what it receives. */
class Ticker implements Machine<never, { type: 'got' }> {
  private next: number | undefined = 0;
  private sent = 0;
  private readonly out: Array<{ remote: ReturnType<typeof addr>; data: Uint8Array }> = [];
  private readonly events: Array<{ type: 'got' }> = [];
  constructor(
    private readonly to: ReturnType<typeof addr>,
    private readonly broken = false,
  ) {}
  handleDatagram(): void {
    this.events.push({ type: 'got' });
  }
  handleTimeout(now: number): void {
    if (this.next !== undefined && now >= this.next) {
      this.out.push({ remote: this.to, data: new Uint8Array([this.sent]) });
      this.sent++;
      // The broken variant forgets to move its deadline: due again at the same instant.
      if (!this.broken) this.next = this.sent < 10 ? now + 100 : undefined;
    }
  }
  handleCommand(): void {}
  pollTransmit() {
    return this.out.shift();
  }
  pollEvent() {
    return this.events.shift();
  }
  pollTimeout() {
    return this.next;
  }
}

function pair(sim: Simulator, broken = false): { got: () => number } {
  sim.addHost({ name: 'a', ips: ['203.0.113.1'], link: { latency: { kind: 'uniform', min_ms: 5, max_ms: 50 } } });
  sim.addHost({ name: 'b', ips: ['203.0.113.2'], link: { latency: { kind: 'fixed', ms: 5 } } });
  sim.run('a', new Ticker(addr('203.0.113.2', 9), broken), { port: 9 });
  const b = sim.run('b', new Ticker(addr('203.0.113.1', 9)), { port: 9 });
  return { got: () => b.events.length };
}

describe('runSimCase', () => {
  test('a deterministic body passes, checked twice', async () => {
    let runs = 0;
    const result = await runSimCase('pair', 7, (sim) => {
      runs++;
      const p = pair(sim);
      sim.runUntil(2_000);
      expect(p.got()).toBe(10);
    }, { traceDir });
    expect(result).toMatchObject({ passed: true, deterministic: true });
    expect(result.trace.lines).toBeGreaterThan(20);
    expect(runs).toBe(2);
  });

  test('a body that differs between two runs of the seed fails with the first differing line', async () => {
    let call = 0;
    const result = await runSimCase('drifting', 3, (sim) => {
      call++;
      pair(sim);
      sim.runUntil(500);
      if (call === 2) sim.log('info', 'only in the second run'); // e.g. state kept across runs
      sim.runUntil(1_000);
    }, { traceDir, reproduce: 'PEERLAB_SEED=3 npx vitest run x' });
    expect(result.passed).toBe(false);
    expect(result.deterministic).toBe(false);
    expect(result.report).toMatch(/not deterministic: the same seed gave two different traces; first difference at line \d+/);
    expect(result.report).toContain('reproduce: PEERLAB_SEED=3 npx vitest run x');
    expect(existsSync(join(traceDir, 'drifting-3.jsonl'))).toBe(true);
  });

  test('a contract violation fails the case and its trace is written', async () => {
    const result = await runSimCase('broken', 1, (sim) => {
      pair(sim, true);
      sim.runUntil(1_000);
    }, { traceDir });
    expect(result.passed).toBe(false);
    expect(result.error).toBeInstanceOf(ContractViolation);
    expect((result.error as ContractViolation).rule).toBe('due-after-timeout');
    const path = join(traceDir, 'broken-1.jsonl');
    expect(result.report).toContain(`trace:     ${path}`);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toContain('"kind":"run"');
  });

  test('checkSim throws a SimCaseFailure carrying the result', async () => {
    await expect(checkSim('assert', 2, () => expect(1).toBe(2), { traceDir })).rejects.toBeInstanceOf(SimCaseFailure);
  });
});

describe('parseSeeds', () => {
  test('ranges, lists and numbers', () => {
    expect(parseSeedList('1..4')).toEqual([1, 2, 3, 4]);
    expect(parseSeedList('3, 9,12')).toEqual([3, 9, 12]);
    expect(parseSeedList(7)).toEqual([7]);
    expect(parseSeedList([5, 6])).toEqual([5, 6]);
    expect(() => parseSeedList('5..1')).toThrow(RangeError);
    expect(() => parseSeedList('x')).toThrow(RangeError);
    expect(() => parseSeedList('1..20000')).toThrow(RangeError);
  });

  test('PEERLAB_SEED narrows any list to that one seed', () => {
    vi.stubEnv('PEERLAB_SEED', '17');
    try {
      expect(parseSeeds('1..50')).toEqual([17]);
    } finally {
      vi.unstubAllEnvs();
    }
    vi.stubEnv('PEERLAB_SEED', '');
    try {
      expect(parseSeeds('1..3')).toEqual([1, 2, 3]);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
