// `peerlab swarm`: shards split the seeds without overlap, one seed reproduces byte for byte,
// and a failure's reproduce line is the command that re-runs exactly that seed.
import { describe, expect, it } from 'vitest';
import { parseShard, runSwarm } from '../../runtime-node/cli/commands/swarm.ts';
import { UsageError } from '../../runtime-node/cli/command.ts';
import { reproduceLine, runSeed } from '../../swarm/run.ts';

describe('peerlab swarm', () => {
  it('parses --shard i/n and refuses nonsense', () => {
    expect(parseShard(undefined)).toEqual({ index: 1, count: 1 });
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', 'x', '1/2/3']) expect(() => parseShard(bad)).toThrow(UsageError);
  });

  it('the same seed gives the same run (outcome, time, checks, injections)', () => {
    for (const protocol of ['rudp', 'punch', 'peer'] as const) {
      expect(runSeed(protocol, 11)).toEqual(runSeed(protocol, 11));
    }
  });

  it('two shards together run what one run does', async () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    const whole = await runSwarm({ protocol: 'punch', seeds, workers: 1 });
    const a = await runSwarm({ protocol: 'punch', seeds: seeds.filter((_, i) => i % 2 === 0), workers: 1 });
    const b = await runSwarm({ protocol: 'punch', seeds: seeds.filter((_, i) => i % 2 === 1), workers: 1 });
    expect(a.seeds + b.seeds).toBe(whole.seeds);
    expect(a.invariants_checked + b.invariants_checked).toBe(whole.invariants_checked);
    expect(Math.max(a.worst_outcome_ms, b.worst_outcome_ms)).toBe(whole.worst_outcome_ms);
  });

  it('names the one command that reproduces a seed', () => {
    expect(reproduceLine('peer', 42)).toBe('npx peerlab swarm --protocol peer --seeds 42..42');
  });
});
