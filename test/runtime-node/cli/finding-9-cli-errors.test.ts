// Issue 9, finding 9: every usage or environment error of the CLI is one line with no stack
// trace, exit code 2 for a usage mistake and 1 for the environment, found before any network
// step; identity files are 0600 whatever was there before; a registration conflict is
// reported at once, not at the timeout. Each test here failed on commit 0efe333.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_USAGE } from '../../../runtime-node/cli/command.ts';
import { readIdentity } from '../../../runtime-node/identity-file.ts';
import { ID_BYTES_MAX } from '../../../protocol/punch/rendezvous-wire.ts';
import { CliProcesses, lastJson } from '../cli-process.ts';
import { mainCaptured, runCli, STACK_FRAME } from './run-cli.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peerlab-cli-errors-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A closed loopback port: a connect that got past its checks would wait here, not fail. */
const NOWHERE = '127.0.0.1:9';

/** Usage mistakes: exit 2, one line, naming the option; none may reach the network. */
const USAGE_CASES: ReadonlyArray<{ readonly args: string[]; readonly says: RegExp }> = [
  { args: ['rendezvous', '--listen', 'foo:7000'], says: /--listen: expected ip:port/ },
  { args: ['rendezvous', '--listen', '127.0.0.1:70000'], says: /--listen: expected/ },
  { args: ['rendezvous', '--listen', '127.0.0.1:'], says: /--listen: expected/ },
  { args: ['rendezvous', '--listen', '127.0.0.1:1e3'], says: /--listen: expected/ },
  { args: ['rendezvous', '--listen', '127.0.0.1:7000', '--alternate', '127.0.0.2:7000'], says: /another port/ },
  { args: ['rendezvous', '--listen', '127.0.0.1:7000', '--alternate', '127.0.0.1:7001'], says: /another IP/ },
  { args: ['rendezvous', '--listen', '0.0.0.0:7000', '--alternate', '127.0.0.2:7001'], says: /specific IPs/ },
  { args: ['connect', '--rendezvous', NOWHERE, '--id', 'a', '--peer', 'b', '--bind', 'bogus:1', '--timeout-ms', '60000'], says: /--bind: expected/ },
  { args: ['connect', '--rendezvous', NOWHERE, '--id', 'a', '--peer', 'b', '--bind', '127.0.0.1:99999', '--timeout-ms', '60000'], says: /--bind: expected/ },
  { args: ['connect', '--rendezvous', '127.0.0.1:0', '--id', 'a', '--peer', 'b', '--timeout-ms', '60000'], says: /--rendezvous: port 0/ },
  { args: ['connect', '--rendezvous', NOWHERE, '--id', 'x'.repeat(ID_BYTES_MAX + 1), '--peer', 'b', '--timeout-ms', '60000'], says: new RegExp(`--id is ${ID_BYTES_MAX + 1} bytes.*at most ${ID_BYTES_MAX}`) },
  { args: ['connect', '--rendezvous', NOWHERE, '--id', 'a', '--peer', 'é'.repeat(ID_BYTES_MAX / 2 + 1), '--timeout-ms', '60000'], says: /--peer is \d+ bytes/ },
  { args: ['echo', '--listen', '1.2.3.4:x'], says: /--listen: expected/ },
  { args: ['stun', '127.0.0.1:3478', '--bind', 'nope'], says: /--bind: expected/ },
  { args: ['stun', '127.0.0.1:0'], says: /port 0/ },
];

/** One CLI process's budget: tsx start-up on a loaded 2-core machine, then an instant refusal. */
const process_timeout_ms = 20_000;

// Real processes (run concurrently): the exit code and stderr are what a user sees, and a
// command that wrongly got past its checks (a server that starts, a connect that waits) is
// killed at the budget instead of hanging the test.
describe.concurrent('finding 9: CLI usage errors are one line, exit 2, before any network step', () => {
  for (const { args, says } of USAGE_CASES) {
    it(`peerlab ${args.join(' ').slice(0, 90)}`, async () => {
      const result = await runCli(args, process_timeout_ms);
      const why = `reproduce: node bin/peerlab.js ${args.join(' ')}\n${result.stderr}`;
      expect(result.code, why).toBe(EXIT_USAGE);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines, why).toHaveLength(1);
      expect(lines[0], why).toMatch(says);
      expect(result.stderr, why).not.toMatch(STACK_FRAME);
      expect(result.stdout, why).toBe('');
    }, process_timeout_ms + 5_000);
  }
});

describe('finding 9: keygen refuses what it must not overwrite and writes secrets 0600', () => {
  it('refuses an existing file without --force, leaving it untouched (exit 1, one line)', async () => {
    const file = join(dir, 'existing.json');
    writeFileSync(file, 'keep me\n');
    const result = await mainCaptured(['keygen', '--out', file]);
    expect(result.code, result.stderr).toBe(EXIT_FAILED);
    expect(result.errLines, result.stderr).toHaveLength(1);
    expect(result.errLines[0]).toMatch(/already exists \(use --force/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });

  it('refuses a directory (exit 1, one line) and a missing directory', async () => {
    const onDir = await mainCaptured(['keygen', '--out', dir]);
    expect(onDir.code, onDir.stderr).toBe(EXIT_FAILED);
    expect(onDir.errLines, onDir.stderr).toHaveLength(1);
    expect(onDir.errLines[0]).toMatch(/is a directory/);
    const missing = await mainCaptured(['keygen', '--out', join(dir, 'no', 'such', 'key.json')]);
    expect(missing.code, missing.stderr).toBe(EXIT_FAILED);
    expect(missing.errLines, missing.stderr).toHaveLength(1);
    expect(missing.errLines[0]).toMatch(/directory does not exist/);
  });

  it('--force over a world-readable 0644 file leaves a new key at 0600', async () => {
    const file = join(dir, 'shared.json');
    writeFileSync(file, 'old\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const result = await mainCaptured(['keygen', '--out', file, '--force']);
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readIdentity(file).publicKey).toHaveLength(32);
  });

  it('a new key file is 0600 and no temporary file is left beside it', async () => {
    const sub = mkdtempSync(join(dir, 'fresh-'));
    const file = join(sub, 'id.json');
    expect((await mainCaptured(['keygen', '--out', file])).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(sub)).toEqual(['id.json']);
  });
});

describe('finding 9: a registration conflict is reported at once', () => {
  const procs = new CliProcesses();
  afterAll(() => procs.killAll());

  it('a second connect with a taken --id fails within seconds, not at its timeout', async () => {
    const server = procs.start(['rendezvous', '--listen', '127.0.0.1:0']);
    const at = (await procs.waitFor(server, /listening on (127\.0\.0\.1:\d+)/, 20_000))[1]!;
    const timeout_ms = 60_000;
    const args = (peer: string): string[] => ['connect', '--rendezvous', at, '--id', 'holder', '--peer', peer, '--bind', '127.0.0.1:0', '--timeout-ms', String(timeout_ms)];
    const first = procs.start(args('nobody'));
    await procs.waitFor(first, /holder: registered/, 20_000);
    // The first holds "holder" (it waits for a peer that never comes); the second must hear
    // "conflict" from the server and stop at once instead of waiting out its timeout.
    const second = procs.start([...args('someone'), '--json']);
    const started = Date.now();
    let bound: NodeJS.Timeout | undefined;
    const code = await Promise.race([second.exit, new Promise<'hung'>((r) => (bound = setTimeout(() => r('hung'), 20_000)))]);
    clearTimeout(bound);
    expect(code, `${second.stdout}\n${second.stderr}`).toBe(EXIT_FAILED);
    expect(Date.now() - started).toBeLessThan(timeout_ms / 3);
    expect(lastJson(second.stdout)).toMatchObject({ ok: false, error: 'rendezvous' });
    expect(second.stderr).toMatch(/registered by another process/);
  }, 45_000);
});
