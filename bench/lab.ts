// `peerlab bench lab [case…]`: per kernel-NAT lab case, the time to a path and the goodput
// of a file moved by two `peerlab connect` processes through real nftables NATs, printed
// beside the simulator's time to path for the same topology (the baseline). Needs Linux,
// root, nftables and coturn; without them it reports why and measures nothing.
import type { BenchFigure, BenchOptions, BenchResult } from './bench.ts';
import { LAB_CASES, findCase, type LabCase } from '../runtime-node/lab/cases.ts';
import { runConnectCase } from '../runtime-node/lab/connect-case.ts';
import { labPrerequisites, withLab } from '../runtime-node/lab/harness.ts';

/** The file each case moves: big enough for a goodput figure, small enough for the relay cases. */
const bench_transfer_bytes = 8 * 1024 * 1024;

export async function run(options: BenchOptions): Promise<BenchResult> {
  const missing = await labPrerequisites();
  if (missing.length > 0) return { name: 'lab', figures: [], notes: [`skipped: the kernel-NAT lab needs ${missing.join(', ')}`] };
  const cases: LabCase[] = options.args.length > 0 ? options.args.map((name) => {
    const found = findCase(name);
    if (!found) throw new Error(`bench lab: no case ${name} (cases: ${LAB_CASES.map((c) => c.name).join(', ')})`);
    return found;
  }) : [...LAB_CASES];
  const figures: BenchFigure[] = [];
  const notes: string[] = [];
  for (const labCase of cases) {
    options.log(`bench lab: ${labCase.name}…`);
    const row = await withLab((session) => runConnectCase(session, labCase, { transfer_bytes: bench_transfer_bytes, log: options.log }));
    if (!row.kernel.ok) {
      notes.push(`${labCase.name}: kernel run failed: ${row.kernel.error}`);
      continue;
    }
    const kernelPath = row.kernel.time_to_path_ms ?? NaN;
    const simPath = row.sim.time_to_path_ms ?? NaN;
    figures.push({
      name: `${labCase.name}: time to ${row.kernel.path} path (kernel; baseline = simulator)`,
      value: kernelPath,
      unit: 'ms',
      baseline: simPath,
      ratio: simPath > 0 ? kernelPath / simPath : undefined,
      target: `same path and technique as the simulator (${row.sim.path}/${row.sim.technique})`,
      met: row.agree,
    });
    figures.push({
      name: `${labCase.name}: goodput over the ${row.kernel.path} path (${bench_transfer_bytes >> 20} MiB, sha256 verified)`,
      value: row.kernel.goodput_mbps ?? NaN,
      unit: 'Mbit/s',
    });
  }
  notes.push(
    'Kernel time to path is measured by the initiating peer from its own start (process start-up skew, STUN/NAT discovery and registration included); the simulator runs with zero-latency links, so its figure is the protocol timers alone (e.g. relay_after_ms for relay cases).',
    'Goodput is limited by the shared 2-core machine (both peers, the rendezvous and coturn run on it), not by the lab links.',
  );
  return { name: 'lab', figures, notes };
}
