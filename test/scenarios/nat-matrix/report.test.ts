// The nat-matrix summary prints only what was run (issue 14: under `npm start`, two cells
// printed as a mostly empty 9x9 grid): up to four cells, or a grid less than half full, as a
// list; a fuller run as a grid of the presets that were run, nothing else.
import { describe, expect, it } from 'vitest';
import { natMatrix } from '../../../scenarios/nat-matrix/index.ts';
import { renderNatMatrix } from '../../../scenarios/nat-matrix/report.ts';
import type { ScenarioResult } from '../../../scenarios/runner.ts';

const result = (scenario: string, path: string, time_to_path_ms: number): ScenarioResult => ({
  scenario,
  seed: 1,
  passed: true,
  outcome: { path, time_to_path_ms, time_to_direct_ms: path === 'direct' ? time_to_path_ms : -1, first_attempt_direct: path === 'direct' },
  failures: [],
  sim_ms: 0,
  wall_ms: 0,
  reproduce: `peerlab run ${scenario} --seed 1`,
});

describe('renderNatMatrix', () => {
  it("npm start's two cells read as a two-line list, no empty grid", () => {
    const text = renderNatMatrix([
      result('nat-matrix/port-restricted-cone+symmetric-sequential/loss0', 'direct', 206),
      result('nat-matrix/symmetric+symmetric/loss0', 'relay', 110),
    ])!;
    const lines = text.split('\n');
    expect(lines.some((l) => /^ +port-restricted-cone x symmetric-sequential +direct 100% of 1 seed, 206 ms to path.*expected prediction/.test(l)), text).toBe(true);
    expect(lines.some((l) => /^ +symmetric x symmetric +direct 0% of 1 seed, 110 ms to path.*expected relay/.test(l)), text).toBe(true);
    expect(text).not.toContain('A \\ B');
    expect(lines.length).toBeLessThan(10);
  });

  it('a full loss-rate run is a grid of every preset', () => {
    const all = natMatrix.filter((s) => s.cell.loss === 0 && s.name.includes('+')).map((s) => result(s.name, 'direct', 100));
    const text = renderNatMatrix(all)!;
    const header = text.split('\n').find((l) => l.startsWith('A \\ B'))!;
    expect(header, text).toBeDefined();
    for (const p of ['open', 'full', 'restr', 'port-r', 'sym-seq', 'sym', 'linux', 'linux-fw', 'cgnat']) expect(header.split(/\s+/)).toContain(p);
  });
});
