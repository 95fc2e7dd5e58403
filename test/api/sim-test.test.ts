// simTest as a user meets it: a vitest run (a child process, on a fixture that fails on seed
// 2 of 1..3) reports one test per seed, only seed 2 failing; its error names the trace file
// (written) and the command that reruns only that seed; and that command, run as printed,
// runs exactly seed 2 and fails the same way.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const CONFIG = 'test/api/fixtures/vitest.fixture.config.ts';
const traces = mkdtempSync(join(tmpdir(), 'peerlab-sim-test-'));
afterAll(() => rmSync(traces, { recursive: true, force: true }));

function vitest(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, FIXTURE_TRACE_DIR: traces, NO_COLOR: '1', FORCE_COLOR: '0' };
    delete childEnv['PEERLAB_SEED'];
    Object.assign(childEnv, env);
    execFile(process.execPath, [VITEST, 'run', '--config', CONFIG, ...args], { cwd: ROOT, env: childEnv, timeout: 90_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout + stderr });
    });
  });
}

test('a failing seed prints its trace and a reproduce line that reruns just that seed', async () => {
  const first = await vitest([]);
  expect(first.code).toBe(1);
  expect(first.out).toMatch(/Tests\s+1 failed \| 2 passed/);
  const trace = join(traces, 'fixture-fails-on-seed-2-2.jsonl');
  expect(first.out).toContain(`trace:     ${trace}`);
  expect(existsSync(trace)).toBe(true);
  const line = /reproduce: PEERLAB_SEED=2 npx vitest run ("[^"]+") -t ("[^"]+")/.exec(first.out);
  expect(line, first.out).not.toBeNull();
  expect(JSON.parse(line![1]!)).toBe('test/api/fixtures/failing.sim.ts');
  const again = await vitest([JSON.parse(line![1]!), '-t', JSON.parse(line![2]!)], { PEERLAB_SEED: '2' });
  expect(again.code).toBe(1);
  expect(again.out).toMatch(/Tests\s+1 failed \(1\)/);
  expect(again.out).toContain('fixture fails on seed 2 failed at seed 2');
}, 120_000);
