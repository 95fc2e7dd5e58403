// Runs a real scenario through the CLI (`peerlab run <scenario> --trace DIR`) and returns
// its trace text, for tests that must read what the simulator actually writes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The NAT-traversal trace the viewer issue asks for: symmetric <-> symmetric, punching fails, relay. */
export const NAT_TRAVERSAL_SCENARIO = 'nat-matrix/symmetric+symmetric/loss0';

export function scenarioTrace(scenario: string, seed = 1): string {
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-scenario-trace-'));
  try {
    execFileSync(process.execPath, ['bin/peerlab.js', 'run', scenario, '--seed', String(seed), '--trace', dir], { stdio: 'pipe' });
    const file = readdirSync(dir).find((f) => f.endsWith('.jsonl'));
    if (file === undefined) throw new Error(`peerlab run ${scenario} --seed ${seed} wrote no trace`);
    return readFileSync(join(dir, file), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
