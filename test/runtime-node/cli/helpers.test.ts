// CLI helpers: argument parsing (seeds, ranges, unknown options), table rendering and the
// progress indicator in both terminal and plain-log forms.
import { describe, expect, it } from 'vitest';
import { addrArg, bindArg, idArg, parseArgs, parseSeed, parseSeedRange, SEED_RANGE_MAX } from '../../../runtime-node/cli/args.ts';
import { ID_BYTES_MAX } from '../../../protocol/punch/rendezvous-wire.ts';
import { UsageError } from '../../../runtime-node/cli/command.ts';
import { formatNumber, renderTable } from '../../../runtime-node/cli/table.ts';
import { ProgressBar } from '../../../runtime-node/cli/progress.ts';

describe('parseArgs', () => {
  const options = { seed: 'string', json: 'boolean' } as const;

  it('reads flags, values in both spellings and positionals', () => {
    const parsed = parseArgs(['default', '--seed', '7', '--json', 'nat', '--seed=9'], options);
    expect(parsed.positionals).toEqual(['default', 'nat']);
    expect(parsed.flags.get('seed')).toBe('9');
    expect(parsed.flags.get('json')).toBe(true);
  });

  it('rejects unknown options, missing values and values on booleans', () => {
    expect(() => parseArgs(['--sed', '1'], options)).toThrow(UsageError);
    expect(() => parseArgs(['--seed'], options)).toThrow(/needs a value/);
    expect(() => parseArgs(['--json=yes'], options)).toThrow(/takes no value/);
  });

  it('parses seeds and inclusive seed ranges', () => {
    expect(parseSeed('42')).toBe(42);
    expect(() => parseSeed('-1')).toThrow(UsageError);
    expect(() => parseSeed('1e3')).toThrow(UsageError);
    expect(parseSeedRange('3..6')).toEqual([3, 4, 5, 6]);
    expect(parseSeedRange('5..5')).toEqual([5]);
    expect(() => parseSeedRange('6..3')).toThrow(/empty/);
    expect(() => parseSeedRange('1-3')).toThrow(UsageError);
    expect(() => parseSeedRange(`1..${SEED_RANGE_MAX + 1}`)).toThrow(/more than/);
  });
});

describe('address and id arguments (issue 9, finding 9)', () => {
  it('bindArg takes ip:port, [ip6]:port, a bare port or a bare IP, and nothing else', () => {
    expect(bindArg('127.0.0.1:7000', '--listen')).toEqual({ family: 4, ip: '127.0.0.1', port: 7000 });
    expect(bindArg('[::1]:7000', '--listen')).toEqual({ family: 6, ip: '::1', port: 7000 });
    expect(bindArg('7000', '--listen')).toEqual({ family: 4, ip: '0.0.0.0', port: 7000 });
    expect(bindArg('10.0.0.1', '--listen')).toEqual({ family: 4, ip: '10.0.0.1', port: 0 });
    for (const bad of ['foo:7000', '127.0.0.1:', '127.0.0.1:1e3', '127.0.0.1:+5', '127.0.0.1:65536', '[::1]x', '[::1]:', '']) {
      expect(() => bindArg(bad, '--listen'), bad).toThrow(UsageError);
    }
  });

  it('addrArg refuses port 0 (nothing can be sent there)', () => {
    expect(addrArg('127.0.0.1:1', 'target').port).toBe(1);
    expect(() => addrArg('127.0.0.1:0', 'target')).toThrow(/port 0/);
  });

  it('idArg counts UTF-8 bytes against the rendezvous limit', () => {
    expect(idArg('a'.repeat(ID_BYTES_MAX), '--id')).toHaveLength(ID_BYTES_MAX);
    expect(() => idArg('a'.repeat(ID_BYTES_MAX + 1), '--id')).toThrow(UsageError);
    expect(() => idArg('é'.repeat(ID_BYTES_MAX / 2 + 1), '--id')).toThrow(/bytes/);
    expect(() => idArg('', '--id')).toThrow(/empty/);
  });
});

describe('renderTable', () => {
  it('pads columns, right-aligns numbers and formats figures', () => {
    const text = renderTable(
      [{ title: 'name' }, { title: 'ms', align: 'right' }],
      [
        ['a', 1.5],
        ['longer', 12],
        ['nan', NaN],
      ],
    );
    expect(text.split('\n')).toEqual(['name     ms', '------  ---', 'a       1.5', 'longer   12', 'nan       -']);
    expect(formatNumber(0.10000001)).toBe('0.1');
    expect(formatNumber(2 / 3, 3)).toBe('0.667');
    expect(formatNumber(Infinity)).toBe('inf');
  });
});

describe('ProgressBar', () => {
  it('prints at most ten plain lines when stderr is not a terminal', () => {
    const written: string[] = [];
    const bar = new ProgressBar(25, 'running', { isTTY: false, write: (text) => written.push(text) > 0 });
    for (let i = 0; i < 25; i++) bar.tick();
    bar.finish();
    expect(written.length).toBe(10);
    expect(written.at(-1)).toBe('running: 25/25 (100%)\n');
    expect(written.every((line) => line.endsWith('\n'))).toBe(true);
  });

  it('redraws one line in place on a terminal and clears it at the end', () => {
    const written: string[] = [];
    const bar = new ProgressBar(4, 'running', { isTTY: true, write: (text) => written.push(text) > 0 });
    for (let i = 0; i < 4; i++) bar.tick(`case ${i}`);
    bar.finish();
    expect(written).toHaveLength(5);
    expect(written.slice(0, 4).every((text) => text.startsWith('\r') && !text.includes('\n'))).toBe(true);
    expect(written[3]).toContain('[##############################] 4/4 case 3');
    expect(written[4]!.trim()).toBe('');
  });
});
