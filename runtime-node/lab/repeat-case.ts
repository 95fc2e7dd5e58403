// Runs one kernel lab case N times, a fresh lab each time (as `peerlab lab <case>` does), and
// reads from the peers' traces, per run, the path the kernel world ended on, the initiator's time
// from the punch instruction to its direct path and the re-punch events of both peers. Issue
// 15's target for the one-sided conntrack clash (no relay fallback over 20 runs) is measured
// with it, by runtime-node/lab/repeat-main.ts and by bench/punch.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCase, LAB_CASES } from './cases.ts';
import { runConnectCase } from './connect-case.ts';
import { withLab } from './harness.ts';

/** Each run moves this much, enough to see the path hold under a transfer, small enough to be quick. */
const REPEAT_TRANSFER_BYTES = 512 * 1024;

interface TraceLine {
  readonly t: number;
  readonly data?: { readonly type?: string; readonly path?: string; readonly role?: string; readonly local?: string; readonly candidate?: string; readonly remote?: string };
}

export interface RepeatRun {
  readonly kernel_path: string;
  readonly sim_path: string;
  readonly agree: boolean;
  /** The initiator's punch instruction -> its direct path, from its trace; undefined when never direct. */
  readonly punch_to_direct_ms: number | undefined;
  /** "a lead 10.0.1.2:60812 (203.0.113.10:60812)", one per re-punch event of either peer. */
  readonly repunches: readonly string[];
  readonly error?: string;
}

export interface RepeatResult {
  readonly case: string;
  readonly runs: readonly RepeatRun[];
  readonly direct: number;
  /** punch_to_direct_ms of the runs that went direct, ascending. */
  readonly times_ms: readonly number[];
}

export class UnknownLabCaseError extends Error {
  constructor(name: string) {
    super(`no lab case "${name}" (cases: ${LAB_CASES.map((c) => c.name).join(', ')})`);
    this.name = 'UnknownLabCaseError';
  }
}

function traceOf(dir: string, name: string, id: string): TraceLine[] {
  return readFileSync(join(dir, `${name}-${id}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceLine);
}

/** Runs `name` `runs` times; `onRun` sees each run as it ends. Needs the lab's prerequisites (root, ip, nft, coturn). */
export async function repeatCase(name: string, runs: number, onRun?: (index: number, run: RepeatRun) => void): Promise<RepeatResult> {
  const labCase = findCase(name);
  if (!labCase) throw new UnknownLabCaseError(name);
  const work = mkdtempSync(join(tmpdir(), 'peerlab-repeat-'));
  const results: RepeatRun[] = [];
  try {
    for (let i = 1; i <= runs; i++) {
      const dir = join(work, String(i));
      mkdirSync(dir);
      const row = await withLab((session) => runConnectCase(session, labCase, { tracesDir: dir, transfer_bytes: REPEAT_TRANSFER_BYTES }));
      const repunches: string[] = [];
      let toDirect: number | undefined;
      for (const id of ['a', 'b']) {
        let lines: TraceLine[] = [];
        try {
          lines = traceOf(dir, name, id);
        } catch {
          continue; // a peer that never started leaves no trace; the row's error says why
        }
        const start = lines.find((l) => l.data?.type === 'punch-start');
        const reached = lines.find((l) => l.data?.type === 'path' && l.data.path === 'direct');
        if (id === 'a' && start && reached) toDirect = Math.round(reached.t - start.t);
        for (const l of lines) if (l.data?.type === 'repunch') repunches.push(`${id} ${l.data.role} ${l.data.local} (${l.data.candidate})`);
      }
      const run: RepeatRun = { kernel_path: row.kernel.path, sim_path: row.sim.path, agree: row.agree, punch_to_direct_ms: toDirect, repunches, ...(row.kernel.error ? { error: row.kernel.error } : {}) };
      results.push(run);
      onRun?.(i, run);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const times_ms = results.filter((r) => r.kernel_path === 'direct' && r.punch_to_direct_ms !== undefined).map((r) => r.punch_to_direct_ms!).sort((x, y) => x - y);
  return { case: name, runs: results, direct: results.filter((r) => r.kernel_path === 'direct').length, times_ms };
}
