// The slow determinism shards cover every slow scenario exactly once (a scenario added to a
// slow suite cannot silently fall out of the always-on checks); only Scenario.heavy ones
// (minutes, or untraced) are opt-in, and the transfer suite has none.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registry } from '../../scenarios/index.ts';
import { heavyScenarios, SLOW_SHARDS, slowScenarios, slowShardScenarios } from './determinism-shard.ts';

describe('slow determinism shards', () => {
  it('one test file per shard, none gated by an environment variable', () => {
    const dir = new URL('.', import.meta.url);
    const files = readdirSync(dir).filter((f) => /^determinism-slow-\d+\.test\.ts$/.test(f)).sort();
    expect(files).toEqual(Array.from({ length: SLOW_SHARDS }, (_, i) => `determinism-slow-${i + 1}.test.ts`));
    for (const f of files) expect(readFileSync(new URL(f, dir), 'utf8')).not.toMatch(/process\.env|skip/);
  });

  it('the transfer suite is slow and every slow scenario lands in one shard, or is heavy', () => {
    const slow = slowScenarios();
    const heavy = new Set(heavyScenarios().map((s) => s.name));
    for (const s of registry.scenarios().filter((s) => registry.isSlow(s))) expect(slow.includes(s) || heavy.has(s.name), s.name).toBe(true);
    // Nothing of the transfer suite hides in the opt-in tier.
    expect(registry.suite('transfer').filter((s) => s.heavy)).toEqual([]);
    expect(slow.map((s) => s.name)).toEqual(expect.arrayContaining(['transfer-16mib/loss-10', 'transfer-16mib/relay-symmetric']));
    const dealt = Array.from({ length: SLOW_SHARDS }, (_, shard) => slowShardScenarios(shard).map((s) => s.name)).flat();
    expect([...dealt].sort()).toEqual(slow.map((s) => s.name).sort());
    expect(new Set(dealt).size).toBe(dealt.length);
  });
});
