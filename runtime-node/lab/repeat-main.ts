// Runs one kernel lab case N times (runtime-node/lab/repeat-case.ts) and prints, per run, the
// path both worlds ended on, the initiator's time from the punch instruction to its direct path
// and the re-punch events of both peers, then how many runs went direct. Issue 15's target for
// the one-sided conntrack clash is measured with it (and by `npm run bench -- punch`):
// `npx tsx runtime-node/lab/repeat-main.ts conntrack-clash 20` (as root).
import { repeatCase, UnknownLabCaseError } from './repeat-case.ts';

const name = process.argv[2] ?? 'conntrack-clash';
const runs = Number(process.argv[3] ?? 20);
if (!(runs > 0)) {
  process.stderr.write('usage: repeat-main <case> [runs]\n');
  process.exit(2);
}
try {
  const result = await repeatCase(name, runs, (i, r) => {
    process.stdout.write(`run ${i}: kernel ${r.kernel_path}, sim ${r.sim_path}, agree ${r.agree}, punch -> direct ${r.punch_to_direct_ms ?? -1} ms; re-punch: ${r.repunches.join('; ') || 'none'}${r.error ? ` error ${r.error}` : ''}\n`);
  });
  const t = result.times_ms;
  const median = t.length > 0 ? t[Math.floor(t.length / 2)] : undefined;
  process.stdout.write(`${name}: ${result.direct}/${runs} direct; punch -> direct min ${t[0]} median ${median} max ${t.at(-1)} ms\n`);
} catch (error) {
  if (!(error instanceof UnknownLabCaseError)) throw error;
  process.stderr.write(`usage: repeat-main <case> [runs]: ${error.message}\n`);
  process.exit(2);
}
