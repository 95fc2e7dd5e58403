// Shared fixtures for the NAT tests: a seeded Rng, address shorthands and a box factory.
import { parseAddr, type Addr } from '../../../protocol/core/addr.ts';
import { rngFromFloat, type Rng } from '../../../protocol/core/rng.ts';
import type { NatConfig } from '../../../runtime-sim/nat/config.ts';
import { NatBox, type NatEvent } from '../../../runtime-sim/nat/nat-box.ts';
import { natPreset, type NatPresetName } from '../../../runtime-sim/nat/presets.ts';

/** mulberry32: a tiny seeded generator, enough for tests (the simulator uses seedrandom). */
export function testRng(seed: number): Rng {
  let state = seed >>> 0;
  return rngFromFloat(() => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  });
}

export const EXT = '203.0.113.10';
/** "10.0.1.2:5000" or "[fd00::2]:5000" as an Addr. */
export const a = (text: string): Addr => parseAddr(text);

export function makeBox(config: NatConfig | NatPresetName, options: { ips?: string[]; seed?: number } = {}): NatBox {
  const cfg = typeof config === 'string' ? natPreset(config) : config;
  return new NatBox(cfg, options.ips ?? [EXT], testRng(options.seed ?? 1), 'nat-test');
}

/** A preset with some fields replaced. */
export function tweak(name: NatPresetName, patch: Partial<NatConfig>): NatConfig {
  return { ...natPreset(name), ...patch };
}

export function drainEvents(box: NatBox): NatEvent[] {
  const out: NatEvent[] = [];
  for (let e = box.pollNatEvent(); e !== undefined; e = box.pollNatEvent()) out.push(e);
  return out;
}

/** The external address of an outbound translation, failing the test on a drop. */
export function ext(result: { external: Addr } | { drop: string }): Addr {
  if ('drop' in result) throw new Error(`expected a translation, got drop ${result.drop}`);
  return result.external;
}
