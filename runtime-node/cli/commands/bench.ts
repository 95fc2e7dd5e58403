// `peerlab bench [name...] [--json]`: runs bench/<name>.ts (every bench when no name is given)
// and prints each figure beside its baseline, ratio and target.
import { benchNames, loadBench, type BenchFigure, type BenchResult } from '../../../bench/bench.ts';
import { booleanFlag, parseArgs } from '../args.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../command.ts';
import { formatNumber, renderTable } from '../table.ts';

const usage = `usage: peerlab bench [name...] [--json] [-- bench options]

Runs benchmarks from bench/<name>.ts (all of them without a name) and prints each figure with
the baseline measured in the same run, the ratio and the target. With --json the last stdout
line is one JSON object. Exits 1 if a bench fails or misses a target.`;

function figureRow(bench: string, figure: BenchFigure): Array<string | number | undefined> {
  return [
    bench,
    figure.name,
    `${formatNumber(figure.value)} ${figure.unit}`,
    figure.baseline === undefined ? '' : formatNumber(figure.baseline),
    figure.ratio === undefined ? '' : formatNumber(figure.ratio, 3),
    figure.target ?? '',
    figure.met === undefined ? '' : figure.met ? 'met' : 'MISSED',
  ];
}

export const command: CliCommand = {
  name: 'bench',
  summary: 'run benchmarks: peerlab bench sim',
  usage,
  async run(args) {
    const dash = args.indexOf('--');
    const own = dash < 0 ? args : args.slice(0, dash);
    const benchArgs = dash < 0 ? [] : args.slice(dash + 1);
    const parsed = parseArgs(own, { json: 'boolean' });
    const json = booleanFlag(parsed, 'json');
    const available = benchNames();
    const names = parsed.positionals.length > 0 ? parsed.positionals : available;
    for (const name of names) {
      if (!available.includes(name)) throw new UsageError(`no bench "${name}" (available: ${available.join(', ') || 'none'})`);
    }
    const results: BenchResult[] = [];
    const errors: Array<{ bench: string; error: string }> = [];
    for (const name of names) {
      const bench = await loadBench(name);
      process.stderr.write(`bench ${name}...\n`);
      try {
        results.push(await bench!.run({ json, args: benchArgs, log: (line) => void process.stderr.write(`${line}\n`) }));
      } catch (error) {
        errors.push({ bench: name, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    }
    const missed = results.flatMap((result) => result.figures.filter((figure) => figure.met === false));
    const rows = results.flatMap((result) => result.figures.map((figure) => figureRow(result.name, figure)));
    process.stdout.write(
      `${renderTable(
        [
          { title: 'bench' },
          { title: 'figure' },
          { title: 'value', align: 'right' },
          { title: 'baseline', align: 'right' },
          { title: 'ratio', align: 'right' },
          { title: 'target' },
          { title: '' },
        ],
        rows,
      )}\n`,
    );
    for (const result of results) for (const note of result.notes ?? []) process.stdout.write(`${result.name}: ${note}\n`);
    for (const { bench, error } of errors) process.stdout.write(`bench ${bench} FAILED: ${error}\n`);
    if (json) {
      const replacer = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value);
      process.stdout.write(`${JSON.stringify({ results, errors, passed: errors.length === 0 && missed.length === 0 }, replacer)}\n`);
    }
    return errors.length === 0 && missed.length === 0 ? EXIT_OK : EXIT_FAILED;
  },
};
