// `peerlab swarm`: the swarm tester (swarm/), in the style of TigerBeetle's VOPR and
// FoundationDB's simulation. Each seed draws a topology, workload, fault schedule and
// adversary, runs them in the simulator and checks invariants after every step. Seeds are
// spread over worker threads (--workers) and machines (--shard i/n, for a CI matrix); a
// failing seed prints one reproduce line and its shrunk fault schedule.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describeFailure, mergeSummaries, runBatch, type ProtocolChoice, type SwarmFailure, type SwarmSummary } from '../../../swarm/batch.ts';
import { SWARM_PROTOCOLS } from '../../../swarm/plan.ts';
import { booleanFlag, parseArgs, parseSeedRange, parseShard, positiveIntFlag, stringFlag } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';

const usage = `usage: peerlab swarm [--protocol punch|rudp|peer|mesh|all] [--seeds A..B] [--workers N] [--shard i/n] [--json]

Runs one simulated world per seed (and protocol), each with its own drawn NAT topology,
workload (transfers, messages, datagrams, rebinding, restarts), fault schedule (loss 0-30%,
duplication 0-50%, reordering, corruption, partitions that heal, links that change) and
adversary (bit flips, truncation, replays, spoofed sources, crafted handshakes, strangers).
After every step it checks: the machine contract, every named table within its limit,
delivered data a prefix of sent data (sha256 at the end), no session changing its peer, and
an outcome (success or a typed error) within a bound of virtual time.

  --protocol   which world (default all: each seed runs all three)
  --seeds      inclusive seed range (default 1..100)
  --workers    worker threads (default: all cores)
  --shard i/n  run only the i-th of n interleaved slices of the seeds (1 <= i <= n)
  --json       print one JSON object with the figures

A failing seed prints one line to reproduce it and its minimal fault schedule.
The long run: npm run swarm -- --seeds 1..100000`;

/** Failures shrunk per worker; later ones are reported with their reproduce line only. */
const shrink_per_worker = 8;

interface WorkerJob {
  readonly protocol: ProtocolChoice;
  readonly seeds: readonly number[];
}

type WorkerMessage = { readonly type: 'failure'; readonly failure: SwarmFailure } | { readonly type: 'done'; readonly summary: SwarmSummary; readonly busy_ms: number };

/** Runs in a worker thread (see startWorker). */
export function swarmWorkerRun(job: WorkerJob, post: (m: WorkerMessage) => void): void {
  const started = performance.now();
  const summary = runBatch(job.protocol, job.seeds, { shrink_max: shrink_per_worker }, (failure) => post({ type: 'failure', failure }));
  post({ type: 'done', summary, busy_ms: performance.now() - started });
}

// A worker thread cannot inherit the parent's tsx loader, so it registers tsx itself and then
// imports this very module and runs its job.
const bootstrap = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.tsx).then(async ({ register }) => {
  register();
  const m = await import(workerData.module);
  m.swarmWorkerRun(workerData.job, (message) => parentPort.postMessage(message));
}).catch((error) => parentPort.postMessage({ type: 'crash', message: String(error && error.stack || error) }));
`;

function startWorker(job: WorkerJob, onFailure: (f: SwarmFailure) => void): Promise<{ summary: SwarmSummary; busy_ms: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, { eval: true, workerData: { job, tsx: import.meta.resolve('tsx/esm/api'), module: import.meta.url } });
    let done = false;
    worker.on('message', (m: WorkerMessage | { type: 'crash'; message: string }) => {
      if (m.type === 'failure') onFailure(m.failure);
      else if (m.type === 'done') {
        done = true;
        resolve({ summary: m.summary, busy_ms: m.busy_ms });
        void worker.terminate();
      } else reject(new Error(`swarm worker crashed: ${m.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!done) reject(new Error(`swarm worker exited with code ${code} before finishing`));
    });
  });
}

// `--shard i/n` is parsed in args.ts (`peerlab run` shards the same way).
export { parseShard };

export interface SwarmRunOptions {
  readonly protocol: ProtocolChoice;
  readonly seeds: readonly number[];
  readonly workers: number;
  readonly onFailure?: (f: SwarmFailure) => void;
}

export interface SwarmFigures extends SwarmSummary {
  readonly protocol: ProtocolChoice;
  readonly workers: number;
  readonly wall_s: number;
  /** CPU seconds the process spent (all threads, worker start-up included). */
  readonly cpu_s: number;
  readonly seeds_per_s: number;
  /** Seeds per CPU second: what one core does, whatever else the machine runs. */
  readonly seeds_per_s_per_core: number;
  /** Seeds per second of wall time of one worker (lower than per core on a loaded machine). */
  readonly seeds_per_s_per_worker: number;
}

/** Runs the seeds (in-process for one worker, else over worker threads) and measures them. */
export async function runSwarm(options: SwarmRunOptions): Promise<SwarmFigures> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const workers = Math.max(1, Math.min(options.workers, options.seeds.length));
  let parts: Array<{ summary: SwarmSummary; busy_ms: number }>;
  if (workers === 1) {
    const t = performance.now();
    const summary = runBatch(options.protocol, options.seeds, { shrink_max: shrink_per_worker }, options.onFailure);
    parts = [{ summary, busy_ms: performance.now() - t }];
  } else {
    // Interleaved slices: neighbouring seeds cost about the same, so the workers finish together.
    const slices: number[][] = Array.from({ length: workers }, () => []);
    options.seeds.forEach((seed, i) => slices[i % workers]!.push(seed));
    parts = await Promise.all(slices.map((seeds) => startWorker({ protocol: options.protocol, seeds }, options.onFailure ?? (() => {}))));
  }
  const summary = mergeSummaries(parts.map((p) => p.summary));
  const wall_s = (performance.now() - started) / 1000;
  const busy_s = parts.reduce((sum, p) => sum + p.busy_ms, 0) / 1000;
  // CPU time of the whole process (every worker thread included): on a shared, loaded
  // machine this, not wall time, says what one core does.
  const cpu = process.cpuUsage(cpuStart);
  const cpu_s = (cpu.user + cpu.system) / 1e6;
  return {
    ...summary,
    protocol: options.protocol,
    workers,
    wall_s: round(wall_s, 3),
    cpu_s: round(cpu_s, 3),
    seeds_per_s: round(summary.seeds / wall_s, 2),
    seeds_per_s_per_core: round(summary.seeds / cpu_s, 2),
    seeds_per_s_per_worker: round(summary.seeds / busy_s, 2),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const command: CliCommand = {
  name: 'swarm',
  summary: 'swarm tester: random topologies, workloads, faults and adversaries per seed, invariants after every step',
  usage,
  async run(args) {
    const parsed = parseArgs(args, { protocol: 'string', seeds: 'string', workers: 'string', shard: 'string', json: 'boolean' });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    const protocol = stringFlag(parsed, 'protocol') ?? 'all';
    if (protocol !== 'all' && !(SWARM_PROTOCOLS as readonly string[]).includes(protocol)) throw new UsageError(`--protocol wants punch, rudp, peer or all, got ${JSON.stringify(protocol)}`);
    const range = stringFlag(parsed, 'seeds') ?? '1..100';
    const all = parseSeedRange(range);
    const shard = parseShard(stringFlag(parsed, 'shard'));
    const seeds = all.filter((_, i) => i % shard.count === shard.index - 1);
    const workers = positiveIntFlag(stringFlag(parsed, 'workers'), 'workers') ?? availableParallelism();
    const json = booleanFlag(parsed, 'json');
    const figures = await runSwarm({
      protocol: protocol as ProtocolChoice,
      seeds,
      workers,
      onFailure: json ? undefined : (f) => process.stdout.write(`${describeFailure(f)}\n`),
    });
    if (json) {
      process.stdout.write(`${JSON.stringify({ ...figures, seed_range: range, shard: `${shard.index}/${shard.count}` })}\n`);
    } else {
      const worst = figures.worst ? ` (${figures.worst.protocol} seed ${figures.worst.seed})` : '';
      process.stdout.write(
        [
          `swarm ${figures.protocol} seeds ${range} shard ${shard.index}/${shard.count}: ${figures.seeds} seeds, ${figures.runs} runs on ${figures.workers} workers in ${figures.wall_s} s`,
          `  ${figures.seeds_per_s} seeds/s, ${figures.seeds_per_s_per_core} seeds/s per core (${figures.cpu_s} CPU s); ${figures.invariants_checked} invariants checked; ${figures.injected} adversary datagrams`,
          `  worst virtual time to outcome: ${Math.round(figures.worst_outcome_ms)} ms${worst}; outcomes ${JSON.stringify(figures.outcomes)}`,
          ...(figures.unread_tables.length > 0 ? [`  tables not read (fields renamed?): ${figures.unread_tables.join(', ')}`] : []),
          figures.failures.length === 0 ? '  no failures' : `  ${figures.failures.length} failing runs`,
        ].join('\n') + '\n',
      );
    }
    return figures.failures.length === 0 ? EXIT_OK : EXIT_FAILED;
  },
};
