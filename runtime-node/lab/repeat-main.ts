// Runs one kernel lab case N times (a fresh lab each time, as `peerlab lab <case>` does) and
// prints, per run, the path both worlds ended on, the initiator's time from the punch
// instruction to its direct path and the re-punch events of both peers (from their traces),
// then how many runs went direct. Issue 15's target for the one-sided conntrack clash is
// measured with it: `npx tsx runtime-node/lab/repeat-main.ts conntrack-clash 20` (as root).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCase } from './cases.ts';
import { runConnectCase } from './connect-case.ts';
import { withLab } from './harness.ts';

interface TraceLine {
  readonly t: number;
  readonly data?: { readonly type?: string; readonly path?: string; readonly role?: string; readonly local?: string; readonly candidate?: string; readonly remote?: string };
}

function traceOf(dir: string, name: string, id: string): TraceLine[] {
  return readFileSync(join(dir, `${name}-${id}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceLine);
}

const name = process.argv[2] ?? 'conntrack-clash';
const runs = Number(process.argv[3] ?? 20);
const labCase = findCase(name);
if (!labCase || !(runs > 0)) {
  process.stderr.write('usage: repeat-main <case> [runs]\n');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'peerlab-repeat-'));
const times: number[] = [];
let direct = 0;
try {
  for (let i = 1; i <= runs; i++) {
    const dir = join(work, String(i));
    mkdirSync(dir);
    const row = await withLab((session) => runConnectCase(session, labCase, { tracesDir: dir, transfer_bytes: 512 * 1024 }));
    if (row.kernel.path === 'direct') direct++;
    const notes: string[] = [];
    let toDirect = -1;
    for (const id of ['a', 'b']) {
      const lines = traceOf(dir, name, id);
      const start = lines.find((l) => l.data?.type === 'punch-start');
      const reached = lines.find((l) => l.data?.type === 'path' && l.data.path === 'direct');
      if (id === 'a' && start && reached) toDirect = Math.round(reached.t - start.t);
      for (const l of lines) if (l.data?.type === 'repunch') notes.push(`${id} ${l.data.role} ${l.data.local} (${l.data.candidate})`);
    }
    if (toDirect >= 0) times.push(toDirect);
    process.stdout.write(`run ${i}: kernel ${row.kernel.path}, sim ${row.sim.path}, agree ${row.agree}, punch -> direct ${toDirect} ms; re-punch: ${notes.join('; ') || 'none'}${row.kernel.error ? ` error ${row.kernel.error}` : ''}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
times.sort((x, y) => x - y);
const median = times.length > 0 ? times[Math.floor(times.length / 2)] : undefined;
process.stdout.write(`${name}: ${direct}/${runs} direct; punch -> direct min ${times[0]} median ${median} max ${times.at(-1)} ms\n`);
