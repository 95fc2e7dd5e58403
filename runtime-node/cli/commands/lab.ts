// `peerlab lab <case|all> [--json] [--probe]`: the kernel-NAT lab. Builds namespaces and
// nftables routers for a case, runs coturn and the peers inside them, and prints the kernel's
// outcome beside the simulator's for the same topology. --probe runs the NAT-level check
// (plain UDP probes) instead of the full connect.
import { LAB_CASES, findCase, type LabCase } from '../../lab/cases.ts';
import { calibrateCase, type CalibrationRow } from '../../lab/calibration.ts';
import { LabPrerequisiteError, withLab } from '../../lab/harness.ts';
import { runConnectCase, type ConnectRow } from '../../lab/connect-case.ts';
import { booleanFlag, parseArgs, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { renderTable } from '../table.ts';

const usage = `usage: peerlab lab <case|all> [--json] [--probe] [--traces <dir>]

Runs a kernel-NAT lab case (Linux, root, nftables, coturn) and the simulator's mirror of it.
Cases: ${LAB_CASES.map((c) => c.name).join(', ')}

  --probe         NAT-level check with plain UDP probes (STUN + simultaneous hellos)
  --json          one JSON object on stdout
  --traces <dir>  keep the peers' JSONL traces (world "real") in <dir>

Everything the lab creates (namespaces named plab<pid>…, coturn, peers) is torn down on exit,
failure or ^C; leftovers of dead runs are swept at start.`;

function selectCases(name: string | undefined): LabCase[] {
  if (!name) throw new UsageError('which case? (or "all")');
  if (name === 'all') return [...LAB_CASES];
  const found = findCase(name);
  if (!found) throw new UsageError(`no lab case "${name}" (cases: ${LAB_CASES.map((c) => c.name).join(', ')})`);
  return [found];
}

function probeTable(rows: readonly CalibrationRow[]): string {
  return renderTable(
    [{ title: 'case' }, { title: 'kernel map a/b' }, { title: 'sim map a/b' }, { title: 'kernel heard' }, { title: 'sim heard' }, { title: 'agree' }],
    rows.map((r) => [
      r.case,
      `${r.kernel.mapping_a}/${r.kernel.mapping_b}`,
      `${r.sim.mapping_a}/${r.sim.mapping_b}`,
      r.kernel.heard,
      r.sim.heard,
      r.agree ? 'yes' : 'NO',
    ]),
  );
}

function connectTable(rows: readonly ConnectRow[]): string {
  const ms = (v: number | undefined): string => (v === undefined ? '-' : `${Math.round(v)} ms`);
  return renderTable(
    [
      { title: 'case' },
      { title: 'kernel path' },
      { title: 'sim path' },
      { title: 'kernel technique' },
      { title: 'sim technique' },
      { title: 'kernel to path', align: 'right' },
      { title: 'sim to path', align: 'right' },
      { title: 'goodput', align: 'right' },
      { title: 'kernel NAT a/b' },
      { title: 'sim NAT a/b' },
      { title: 'agree' },
    ],
    rows.map((r) => [
      r.case,
      r.kernel.path,
      r.sim.path,
      r.kernel.technique,
      r.sim.technique,
      ms(r.kernel.time_to_path_ms),
      ms(r.sim.time_to_path_ms),
      r.kernel.goodput_mbps === undefined ? '-' : `${r.kernel.goodput_mbps.toFixed(1)} Mbit/s`,
      `${r.kernel.nat_a ?? '-'} / ${r.kernel.nat_b ?? '-'}`,
      `${r.sim.nat_a ?? '-'} / ${r.sim.nat_b ?? '-'}`,
      r.agree ? 'yes' : 'NO',
    ]),
  );
}

export const command: CliCommand = {
  name: 'lab',
  summary: 'kernel-NAT lab: real nftables NATs in network namespaces vs the simulator',
  usage,
  async run(args) {
    const parsed = parseArgs(args, { json: 'boolean', probe: 'boolean', traces: 'string' });
    const cases = selectCases(parsed.positionals[0]);
    const json = booleanFlag(parsed, 'json');
    const log = (line: string): void => void process.stderr.write(`${line}\n`);
    try {
      if (booleanFlag(parsed, 'probe')) {
        const rows: CalibrationRow[] = [];
        for (const labCase of cases) {
          log(`lab ${labCase.name}: probing…`);
          rows.push(await withLab((session) => calibrateCase(session, labCase, log)));
        }
        if (json) process.stdout.write(`${JSON.stringify({ mode: 'probe', cases: rows })}\n`);
        else process.stdout.write(`${probeTable(rows)}\n`);
        return rows.every((r) => r.agree) ? EXIT_OK : EXIT_FAILED;
      }
      const rows: ConnectRow[] = [];
      for (const labCase of cases) {
        log(`lab ${labCase.name}: connecting…`);
        rows.push(await withLab((session) => runConnectCase(session, labCase, { tracesDir: stringFlag(parsed, 'traces'), log })));
      }
      if (json) process.stdout.write(`${JSON.stringify({ mode: 'connect', cases: rows })}\n`);
      else process.stdout.write(`${connectTable(rows)}\n`);
      return rows.every((r) => r.agree && r.kernel.ok) ? EXIT_OK : EXIT_FAILED;
    } catch (error) {
      if (error instanceof LabPrerequisiteError) {
        process.stderr.write(`peerlab lab: ${error.message}\n`);
        return EXIT_FAILED;
      }
      throw error;
    }
  },
};
