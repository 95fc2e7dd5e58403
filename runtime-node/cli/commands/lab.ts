// `peerlab lab <case|all> [--json] [--probe]`: the kernel-NAT lab. Builds namespaces and
// nftables routers for a case, runs coturn and the peers inside them, and prints the kernel's
// outcome beside the simulator's for the same topology. --probe runs the NAT-level check
// (plain UDP probes) instead of the full connect. `post-idle` is the one case that is not a
// connect: a transfer paused past the router's conntrack timers (runtime-node/lab/post-idle-case.ts).
import { LAB_CASES, findCase, type LabCase } from '../../lab/cases.ts';
import { PAUSE_MS, ROUTER_UDP_TIMEOUT_S, runPostIdleCase, type PostIdleOutcome } from '../../lab/post-idle-case.ts';
import { Simulator } from '../../../runtime-sim/index.ts';
import { runPostIdleClash } from '../../../scenarios/nat-matrix/post-idle-clash.ts';
import type { Outcome } from '../../../scenarios/scenario.ts';
import { calibrateCase, type CalibrationRow } from '../../lab/calibration.ts';
import { LabPrerequisiteError, withLab } from '../../lab/harness.ts';
import { runConnectCase, type ConnectRow } from '../../lab/connect-case.ts';
import { booleanFlag, parseArgs, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { renderTable } from '../table.ts';

/** The post-idle conntrack clash: a paused transfer, not a connect; no --probe, no --traces. */
const POST_IDLE = 'post-idle';
const POST_IDLE_DESCRIPTION = `a transfer over a direct pair through a firewall-less Linux router (conntrack UDP timers ${ROUTER_UDP_TIMEOUT_S} s) pauses ${PAUSE_MS / 1000} s; the peer speaks first, the clash kills the pair both ways; the transfer must survive intact`;
/** The simulator's mirror of post-idle runs on this seed (as test/runtime-node/lab/lab-post-idle.test.ts). */
const POST_IDLE_SIM_SEED = 2;

const usage = `usage: peerlab lab <case|all> [--json] [--probe] [--traces <dir>]
       peerlab lab --list

Runs a kernel-NAT lab case (Linux, root, nftables, coturn) and the simulator's mirror of it.
Cases: ${[...LAB_CASES.map((c) => c.name), POST_IDLE].join(', ')} ("all" runs every one)

  --list          print the cases with a line on each, run nothing
  --probe         NAT-level check with plain UDP probes (STUN + simultaneous hellos; not post-idle)
  --json          one JSON object on stdout
  --traces <dir>  keep the peers' JSONL traces (world "real") in <dir>

Everything the lab creates (namespaces named plab<pid>…, coturn, peers) is torn down on exit,
failure or ^C; leftovers of dead runs are swept at start.`;

interface Selection {
  readonly cases: LabCase[];
  readonly postIdle: boolean;
}

function selectCases(name: string | undefined, probe: boolean): Selection {
  if (!name) throw new UsageError('which case? (or "all", or --list)');
  if (name === 'all') return { cases: [...LAB_CASES], postIdle: !probe };
  if (name === POST_IDLE) {
    if (probe) throw new UsageError(`${POST_IDLE} has no --probe check (it is a paused transfer)`);
    return { cases: [], postIdle: true };
  }
  const found = findCase(name);
  if (!found) throw new UsageError(`no lab case "${name}" (cases: ${[...LAB_CASES.map((c) => c.name), POST_IDLE].join(', ')})`);
  return { cases: [found], postIdle: false };
}

function listTable(): string {
  return renderTable(
    [{ title: 'case' }, { title: 'expects' }, { title: 'what' }],
    [...LAB_CASES.map((c) => [c.name, c.expectedPath, c.description]), [POST_IDLE, 'intact', POST_IDLE_DESCRIPTION]],
  );
}

interface PostIdleRow {
  readonly kernel: PostIdleOutcome;
  readonly sim: Outcome;
  /** Every check of test/runtime-node/lab/lab-post-idle.test.ts that failed, in words; empty = pass. */
  readonly failures: string[];
}

/** Runs the kernel case and the simulator's mirror, and judges both as the lab test does. */
async function postIdleRow(log: (line: string) => void): Promise<PostIdleRow> {
  log(`lab ${POST_IDLE}: transfer, pause ${PAUSE_MS / 1000} s, resume…`);
  const kernel = await withLab((session) => runPostIdleCase(session));
  const sim = runPostIdleClash(new Simulator({ seed: POST_IDLE_SIM_SEED, scenario: 'nat-matrix/post-idle-clash' }));
  const failures: string[] = [];
  const { a, b } = kernel;
  if (kernel.router_udp_timeout_s !== ROUTER_UDP_TIMEOUT_S) failures.push(`router UDP timeout ${kernel.router_udp_timeout_s} s, not ${ROUTER_UDP_TIMEOUT_S} s`);
  if (!a.ok || !b.ok) failures.push(`peer failed: ${a.error ?? b.error ?? 'no result'}`);
  if ((a.paused_ms ?? 0) < PAUSE_MS) failures.push(`a paused only ${a.paused_ms ?? '-'} ms`);
  if (b.intact !== true) failures.push('the transfer did not arrive intact');
  if (a.closed !== 'none' || b.closed !== 'none') failures.push(`a session closed (a ${a.closed ?? '-'}, b ${b.closed ?? '-'})`);
  if ((a.path_lost ?? 0) + (b.path_lost ?? 0) < 1) failures.push('no direct pair was lost: the clash did not happen');
  if (sim.intact !== true || sim.closed !== 'none') failures.push(`the simulator's mirror (seed ${POST_IDLE_SIM_SEED}) did not survive`);
  return { kernel, sim, failures };
}

function postIdleTable(row: PostIdleRow): string {
  const { a, b } = row.kernel;
  return renderTable(
    [
      { title: 'case' },
      { title: 'kernel intact' },
      { title: 'sim intact' },
      { title: 'closed a/b' },
      { title: 'paused', align: 'right' },
      { title: 'direct lost a/b' },
      { title: 'final path a/b' },
      { title: 'sim final path' },
      { title: 'relay in a/b' },
      { title: 'ok' },
    ],
    [[
      POST_IDLE,
      String(b.intact ?? '-'),
      String(row.sim.intact),
      `${a.closed ?? '-'}/${b.closed ?? '-'}`,
      a.paused_ms === undefined ? '-' : `${Math.round(a.paused_ms)} ms`,
      `${a.path_lost ?? '-'}/${b.path_lost ?? '-'}`,
      `${a.final_path ?? '-'}/${b.final_path ?? '-'}`,
      String(row.sim.final_path_a),
      `${a.relay_in ?? '-'}/${b.relay_in ?? '-'}`,
      row.failures.length === 0 ? 'yes' : `NO: ${row.failures.join('; ')}`,
    ]],
  );
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
    const parsed = parseArgs(args, { json: 'boolean', probe: 'boolean', traces: 'string', list: 'boolean' });
    const json = booleanFlag(parsed, 'json');
    if (booleanFlag(parsed, 'list')) {
      if (json) process.stdout.write(`${JSON.stringify({ cases: [...LAB_CASES.map((c) => ({ name: c.name, expects: c.expectedPath, description: c.description })), { name: POST_IDLE, expects: 'intact', description: POST_IDLE_DESCRIPTION }] })}\n`);
      else process.stdout.write(`${listTable()}\n`);
      return EXIT_OK;
    }
    const { cases, postIdle } = selectCases(parsed.positionals[0], booleanFlag(parsed, 'probe'));
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
      const idle = postIdle ? await postIdleRow(log) : undefined;
      if (json) process.stdout.write(`${JSON.stringify({ mode: 'connect', cases: rows, ...(idle ? { post_idle: idle } : {}) })}\n`);
      else {
        if (rows.length > 0) process.stdout.write(`${connectTable(rows)}\n`);
        if (idle) process.stdout.write(`${postIdleTable(idle)}\n`);
      }
      return rows.every((r) => r.agree && r.kernel.ok) && (idle?.failures.length ?? 0) === 0 ? EXIT_OK : EXIT_FAILED;
    } catch (error) {
      if (error instanceof LabPrerequisiteError) {
        process.stderr.write(`peerlab lab: ${error.message}\n`);
        return EXIT_FAILED;
      }
      throw error;
    }
  },
};
