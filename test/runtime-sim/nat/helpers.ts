// Shared fixtures for the NAT tests: a seeded Rng, address shorthands and a box factory.
import { parseAddr, type Addr } from '../../../protocol/core/addr.ts';
import { testRng } from '../../protocol/core/test-rng.ts';
import type { NatConfig } from '../../../runtime-sim/nat/config.ts';
import { NatBox, type NatEvent } from '../../../runtime-sim/nat/nat-box.ts';
import { natPreset, type NatPresetName } from '../../../runtime-sim/nat/presets.ts';

/** The shared seeded test generator (mulberry32), re-exported for the NAT tests. */
export { testRng };

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
