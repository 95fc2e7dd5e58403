// `peerlab bench rudp-thin` (also part of `peerlab bench rudp`): interactive messages under
// loss (issue 15). In the simulator, 8-byte messages every 20 ms for 20 s, echoed at once,
// one-way delay uniform 30–60 ms, 10 seeds:
//   - mean message RTT at 5% random loss each way vs the loss-free mean of the same seeds
//     (target <= 1.3x), and the worst message RTT vs the base RTT, the loss-free mean
//     (target <= 3.5x), with thin-stream recovery on; the same figures with it off (wave 1's
//     behaviour) are the same-run baseline;
//   - datagrams and bytes on the wire per message, and the mean datagram size over the first
//     and the last 2 s (ACK range pruning keeps it flat).
import { nodeCrypto } from '../runtime-node/node-crypto.ts';
import { runThinStream, type ThinStreamResult } from '../scenarios/transfer/thin-stream.ts';
import type { BenchFigure, BenchOptions, BenchResult } from './bench.ts';

const SEEDS = 10;
const LOSS_P = 0.05;
const MEAN_RATIO_MAX = 1.3;
const WORST_RATIO_MAX = 3.5;

interface Aggregate {
  mean_ms: number;
  worst_ms: number;
  p99_ms: number;
  missing: number;
  datagramsPerMessage: number;
  bytesPerMessage: number;
  firstDatagram_bytes: number;
  lastDatagram_bytes: number;
  bundled_bytes: number;
}

function aggregate(loss_p: number, thin: boolean): Aggregate {
  const rtts: number[] = [];
  let missing = 0;
  let datagrams = 0;
  let bytes = 0;
  let messages = 0;
  let first = 0;
  let last = 0;
  let bundled = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r: ThinStreamResult = runThinStream({ seed, crypto: nodeCrypto, loss_p, config: { thin_stream_recovery: thin } });
    for (const x of r.rtts_ms) if (Number.isFinite(x)) rtts.push(x);
    else missing++;
    datagrams += r.datagrams;
    bytes += r.bytes;
    messages += r.messages;
    first += r.meanDatagramFirst_bytes / SEEDS;
    last += r.meanDatagramLast_bytes / SEEDS;
    bundled += r.bundled_bytes;
  }
  rtts.sort((a, b) => a - b);
  const mean = rtts.reduce((s, x) => s + x, 0) / Math.max(rtts.length, 1);
  return {
    mean_ms: mean,
    worst_ms: rtts[rtts.length - 1] ?? Infinity,
    p99_ms: rtts[Math.floor(rtts.length * 0.99)] ?? Infinity,
    missing,
    datagramsPerMessage: datagrams / messages,
    bytesPerMessage: bytes / messages,
    firstDatagram_bytes: first,
    lastDatagram_bytes: last,
    bundled_bytes: bundled,
  };
}

export function thinFigures(log: (line: string) => void): { figures: BenchFigure[]; notes: string[] } {
  const figures: BenchFigure[] = [];
  const notes: string[] = [];
  for (const thin of [true, false]) {
    const label = thin ? 'thin-stream recovery' : 'baseline: recovery off (wave 1)';
    log(`sim thin stream (${label}): ${SEEDS} seeds loss-free, ${SEEDS} seeds at ${LOSS_P * 100}% loss each way`);
    const clean = aggregate(0, thin);
    const lossy = aggregate(LOSS_P, thin);
    const meanRatio = lossy.mean_ms / clean.mean_ms;
    const worstRatio = lossy.worst_ms / clean.mean_ms;
    const ok = lossy.missing === 0 && clean.missing === 0;
    figures.push({ name: `thin stream, mean message RTT at 5% loss (${label})`, value: lossy.mean_ms, unit: 'ms', baseline: clean.mean_ms, ratio: meanRatio, target: `<= ${MEAN_RATIO_MAX}x loss-free mean`, met: ok && meanRatio <= MEAN_RATIO_MAX });
    figures.push({ name: `thin stream, worst message RTT at 5% loss (${label}; p99 ${lossy.p99_ms.toFixed(1)} ms)`, value: lossy.worst_ms, unit: 'ms', baseline: clean.mean_ms, ratio: worstRatio, target: `<= ${WORST_RATIO_MAX}x base RTT (loss-free mean)`, met: ok && worstRatio <= WORST_RATIO_MAX });
    figures.push({ name: `thin stream, datagrams per message, both directions, 5% loss (${label})`, value: lossy.datagramsPerMessage, unit: 'datagrams', baseline: clean.datagramsPerMessage, ratio: lossy.datagramsPerMessage / clean.datagramsPerMessage });
    figures.push({ name: `thin stream, UDP bytes per message, both directions, 5% loss (${label})`, value: lossy.bytesPerMessage, unit: 'B', baseline: clean.bytesPerMessage, ratio: lossy.bytesPerMessage / clean.bytesPerMessage });
    figures.push({ name: `thin stream, mean datagram size in the last 2 s vs the first 2 s, 5% loss (${label})`, value: lossy.lastDatagram_bytes, unit: 'B', baseline: lossy.firstDatagram_bytes, ratio: lossy.lastDatagram_bytes / lossy.firstDatagram_bytes, ...(thin ? { target: '<= 1.1x (flat)', met: lossy.lastDatagram_bytes <= 1.1 * lossy.firstDatagram_bytes } : {}) });
    if (thin) notes.push(`thin stream: ${lossy.bundled_bytes} stream bytes bundled again over ${SEEDS} lossy runs; loss-free worst ${clean.worst_ms.toFixed(1)} ms`);
  }
  notes.push(`thin stream: ${SEEDS} seeds x 1000 messages of 8 bytes every 20 ms, echoed; one-way delay uniform 30-60 ms per datagram (so packets reorder); base RTT = the loss-free mean message RTT of the same seeds; baselines with thin_stream_recovery off are the wave-1 transport`);
  return { figures, notes };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const { figures, notes } = thinFigures(options.log);
  return { name: 'rudp-thin', figures, notes };
}
