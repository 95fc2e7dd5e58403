// The bench dispatcher: discovery by file name (bench.ts itself is not a bench), usage errors
// for unknown names. Real benchmarks are not run here (they are slow by design), but the
// benches the README documents must be found and load with a run() export: a dispatcher that
// finds nothing fails here instead of passing vacuously.
import { describe, expect, it } from 'vitest';
import { benchNames, loadBench } from '../../../bench/bench.ts';
import { main } from '../../../runtime-node/cli/main.ts';
import { EXIT_USAGE } from '../../../runtime-node/cli/command.ts';

/** Benches the README and the issues cite (`npm run bench -- <name>`). */
const DOCUMENTED_BENCHES = ['punch', 'rudp', 'sim'];

describe('peerlab bench', () => {
  it('discovers bench/<name>.ts modules and skips the dispatcher itself', async () => {
    const names = benchNames();
    expect(names).toEqual(expect.arrayContaining(DOCUMENTED_BENCHES));
    expect(names).not.toContain('bench');
    expect(names).toEqual([...names].sort());
    for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(await loadBench('no-such-bench')).toBeUndefined();
  });

  it.each(DOCUMENTED_BENCHES)('loads bench %s with a run() export', async (name) => {
    const bench = await loadBench(name);
    expect(bench, `bench/${name}.ts`).toBeDefined();
    expect(typeof bench!.run).toBe('function');
  });

  it('exits 2 for an unknown bench name and lists the ones there are', async () => {
    const err: string[] = [];
    const code = await main(['bench', 'no-such-bench'], { out: () => {}, err: (t) => err.push(t) });
    expect(code).toBe(EXIT_USAGE);
    expect(err.join('\n')).toContain('no bench "no-such-bench"');
  });
});
