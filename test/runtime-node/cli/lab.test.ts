// `peerlab lab` without running a lab: --list names every case (the connect cases and the
// post-idle clash) and a usage mistake about a case is one line and exit 2, before any
// namespace is built (so these run anywhere, root or not). The cases themselves are covered by
// test/runtime-node/lab/.
import { describe, expect, it } from 'vitest';
import { EXIT_OK, EXIT_USAGE } from '../../../runtime-node/cli/command.ts';
import { LAB_CASES } from '../../../runtime-node/lab/cases.ts';
import { runCli, STACK_FRAME } from './run-cli.ts';

const CLI_BUDGET_MS = 20_000;

describe('peerlab lab --list and case names', () => {
  it('--list prints every case, post-idle included, and runs nothing', async () => {
    const o = await runCli(['lab', '--list'], CLI_BUDGET_MS);
    expect(o.code, o.stderr).toBe(EXIT_OK);
    const names = o.stdout.split('\n').slice(2).map((line) => line.split(/\s+/)[0]).filter(Boolean);
    expect(names).toEqual([...LAB_CASES.map((c) => c.name), 'post-idle']);
    expect(o.stderr).not.toMatch(/connecting|transfer, pause/);
  }, 30_000);

  it('--list --json: one object whose cases carry name, expectation and description', async () => {
    const o = await runCli(['lab', '--list', '--json'], CLI_BUDGET_MS);
    expect(o.code, o.stderr).toBe(EXIT_OK);
    const parsed = JSON.parse(o.stdout) as { cases: Array<{ name: string; expects: string; description: string }> };
    expect(parsed.cases.at(-1)).toMatchObject({ name: 'post-idle', expects: 'intact' });
    for (const c of parsed.cases) expect(c.description.length, c.name).toBeGreaterThan(0);
  }, 30_000);

  for (const [args, says] of [
    [['lab', 'post-idle', '--probe'], /post-idle has no --probe check/],
    [['lab', 'no-such-case'], /no lab case "no-such-case" \(cases: .*post-idle\)/],
  ] as const) {
    it(`${args.join(' ')}: exit 2, one line, no lab built`, async () => {
      const o = await runCli([...args], CLI_BUDGET_MS);
      expect(o.code, o.stderr).toBe(EXIT_USAGE);
      expect(o.stderr).toMatch(says);
      expect(o.stderr).not.toMatch(STACK_FRAME);
      expect(o.stdout).toBe('');
    }, 30_000);
  }
});
